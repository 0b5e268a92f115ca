import type { Logger } from 'pino';
import { parseInfoHashList, paths } from '../lib/api/index.js';

/**
 * The infohashes a registry knows, fetched from `GET <registry>/docket/v1/infohashes`
 * (200, JSON InfoHashList) and refreshed every `refreshMs`. An
 * unknown infohash triggers an early refresh (at most one per `minRefreshMs`), so a blob
 * pushed a moment ago is allowed without waiting for the next period.
 */
export class RegistryWhitelist {
  private known = new Set<string>();
  private lastRefresh = 0;
  private inflight: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly registryUrl: string,
    private readonly logger: Logger,
    private readonly opts: { token?: string; refreshMs?: number; minRefreshMs?: number } = {},
  ) {}

  private get refreshMs(): number {
    return this.opts.refreshMs ?? 30_000;
  }

  private get minRefreshMs(): number {
    return this.opts.minRefreshMs ?? 2_000;
  }

  /** Loads the list once (rejects if the registry cannot be read) and starts refreshing. */
  async start(): Promise<void> {
    await this.refresh(true);
    this.timer = setInterval(() => void this.refresh(false), this.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  get size(): number {
    return this.known.size;
  }

  async allows(infoHash: string): Promise<boolean> {
    if (this.known.has(infoHash)) return true;
    if (Date.now() - this.lastRefresh >= this.minRefreshMs) await this.refresh(false);
    return this.known.has(infoHash);
  }

  private refresh(strict: boolean): Promise<void> {
    this.inflight ??= this.load()
      .catch((err: unknown) => {
        if (strict) throw err;
        this.logger.warn({ err, registry: this.registryUrl }, 'whitelist refresh failed');
      })
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  private async load(): Promise<void> {
    this.lastRefresh = Date.now();
    const url = new URL(paths.infohashes(), this.registryUrl);
    const headers: Record<string, string> = { accept: 'application/json' };
    // A registry that requires auth for reads (DOCKET_AUTH_READS) needs a token here.
    if (this.opts.token) headers.authorization = `Bearer ${this.opts.token}`;
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(10_000) });
    if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}`);
    const infoHashes = parseInfoHashList(await res.json());
    if (!infoHashes) throw new Error(`GET ${url}: no infoHashes array`);
    const next = new Set(infoHashes);
    this.known = next;
    this.logger.debug({ infoHashes: next.size }, 'whitelist refreshed');
  }
}
