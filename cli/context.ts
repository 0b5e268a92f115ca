import type { BaseContext } from 'clipanion';
import type { CredentialsStore, RegistryChoice } from '../client/credentials.js';
import type { DockerEngine } from '../client/docker-engine.js';
import type { RegistryClient } from '../client/registry-client.js';
import type { Peer, PeerOptions } from '../client/p2p/peer.js';

/**
 * What the composition root (cli/main.ts) hands every command: the objects built from
 * the environment and the credentials file. Commands read nothing from process.env.
 */
export interface ClientServices {
  credentials: CredentialsStore;
  /** $DOCKET_REGISTRY / $DOCKET_TOKEN. */
  env: { registry?: string; token?: string };
  /**
   * The process environment as cli/main.ts read it: commands take their DOCKET_* settings
   * from it through their key tables (lib/config-keys.ts).
   */
  environment: Readonly<Record<string, string | undefined>>;
  /** Default blob cache directory ($DOCKET_CACHE_DIR, else ~/.cache/docket). */
  cache: { dir: string };
  registry(choice: RegistryChoice): RegistryClient;
  engine(): DockerEngine;
  peer(opts: PeerOptions): Promise<Peer>;
  /** Aborted on SIGINT / SIGTERM. */
  signal: AbortSignal;
  /** Where temp dirs go. */
  tmpDir: string;
  cpus: number;
  /** Whether stdout is a terminal (progress lines are redrawn in place). */
  isTTY: boolean;
  /** Colour allowed: a terminal and no NO_COLOR. */
  colored: boolean;
  /** docket's own version (package.json). */
  version: string;
}

export interface DocketContext extends BaseContext {
  docket: ClientServices;
}
