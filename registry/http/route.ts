import type { DirectGate } from '../services/direct-gate.js';
import type { RateLimit } from '../../lib/bandwidth.js';
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BlobRecord } from '../metadata/blobs.js';
import type { BlobService } from '../services/blobs.js';
import type { GcService } from '../services/gc.js';
import type { EventPublisher } from '../services/events.js';
import type { ImageService } from '../services/images.js';
import type { ImportService } from '../services/import.js';
import type { ManifestService } from '../services/manifests.js';
import type { ReferrerService } from '../services/referrers.js';
import type { TagService } from '../services/tags.js';
import type { TokenService } from '../services/tokens.js';
import type { TorrentService } from '../services/torrents.js';
import type { UploadService } from '../services/uploads.js';
import type { HealthService } from '../services/health.js';
import type { SwarmService } from '../services/swarm.js';
import type { WebFiles } from '../services/web-files.js';
import type { Digest } from '../../lib/digest.js';
import type { SignatureCheck } from '../private/signing.js';

/** What the HTTP layer is handed by the composition root. */
export interface HttpDeps {
  logger: Logger;
  metricsRegistry: Registry;
  blobs: BlobService;
  uploads: UploadService;
  manifests: ManifestService;
  referrers: ReferrerService;
  tags: TagService;
  images: ImageService;
  imports: ImportService;
  torrents: TorrentService;
  tokens: TokenService;
  gc: GcService;
  /** gc's grace period when a request names none. */
  gcGraceMs: number;
  swarm: SwarmService;
  health: HealthService;
  /** The built web page served at `/`. */
  webFiles: WebFiles;
  events: EventPublisher;
  /** Called when a .torrent is served, so the seeder holds the blob's torrent. */
  seed(blob: BlobRecord): void;
  /** The embedded tracker's HTTP handler for /announce and /scrape; none when disabled. */
  tracker?: (req: IncomingMessage, res: ServerResponse) => void;
  /** The registry's public URL (configured, else its listening address); set once listening. */
  publicUrl(): string;
  authReads: boolean;
  /** Checks signed web seed URLs; set in a private registry (authReads). */
  signedUrls?: SignedUrls;
  /** Grants direct (HTTP) downloads to lone pullers; none when they are off. */
  direct?: DirectGate;
  /** The egress budget blob bodies draw from (shared with the seeder); none: no cap. */
  egress?: RateLimit;
  maxUploadBytes: number;
}

export interface SignedUrls {
  checkBlobUrl(
    digest: Digest,
    query: { expires?: string; token?: string; sig?: string },
  ): SignatureCheck;
}

export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
