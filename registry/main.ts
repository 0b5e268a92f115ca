import { chmod, mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import { Registry } from 'prom-client';
import { Header, paths } from '../lib/api/index.js';
import { readImageArchive } from '../lib/archive/reader.js';
import type { Digest } from '../lib/digest.js';
import { magnetLink, renderTorrentFile, TorrentPieceStream } from '../lib/torrent.js';
import { createEmbeddedTracker, type EmbeddedTracker } from '../tracker/embedded.js';
import { packageVersion } from '../lib/package-version.js';
import { webRoot } from './assets.js';
import { announceUrls, publicUrlFor, type RegistryConfig } from './config.js';
import { createApp } from './http/app.js';
import type { BlobRecord } from './metadata/blobs.js';
import { Metadata } from './metadata/metadata.js';
import { createMetrics } from './metrics.js';
import { type SeedableBlob, Seeder } from './p2p/seeder.js';
import { BlobService, type TorrentPieceHashers } from './services/blobs.js';
import { GcService } from './services/gc.js';
import { HealthService } from './services/health.js';
import { EventPublisher } from './services/events.js';
import { ImageService } from './services/images.js';
import { ImportService, type ReadImageArchive } from './services/import.js';
import { ManifestService } from './services/manifests.js';
import { SwarmService } from './services/swarm.js';
import { DirectGate } from './services/direct-gate.js';
import { TagService } from './services/tags.js';
import { TokenService } from './services/tokens.js';
import { SweepGate } from './services/sweep-gate.js';
import { TorrentService } from './services/torrents.js';
import { UploadService } from './services/uploads.js';
import { WebFiles } from './services/web-files.js';
import { WebhookSender } from './services/webhooks.js';
import type { LocalBlobFiles } from './storage/blob-store.js';
import { FsBlobStore } from './storage/fs-blob-store.js';
import { PrivateAccess } from './private/private-access.js';
import { ensureServerSecret } from './private/server-secret.js';

/** What a caller may inject instead of the defaults (tests pass a quiet logger, say). */
export interface RegistryDeps {
  logger?: Logger;
  /** Metrics are registered here; a fresh Registry when absent (never the global one). */
  metricsRegistry?: Registry;
  pieceHashers?: TorrentPieceHashers;
  readImageArchive?: ReadImageArchive;
}

export interface RunningRegistry {
  /** Where this process listens, e.g. http://127.0.0.1:5000 (loopback for a wildcard host). */
  url: string;
  port: number;
  /** The URL written into torrents (web seed, embedded tracker). */
  publicUrl: string;
  dataDir: string;
  /** The admin token's value and the file that holds it. */
  adminToken: string;
  adminTokenPath: string;
  logger: Logger;
  metricsRegistry: Registry;
  /** Stops accepting requests, then closes tracker, seeder and database. */
  close(): Promise<void>;
}

/**
 * The registry's composition root:
 *
 *   <dataDir>/
 *     blobs/        FsBlobStore (see storage/fs-blob-store.ts)
 *     docket.db     SQLite metadata (WAL)
 *     admin-token   the admin token, mode 0600, created at first start
 *     server-secret the key of passkeys and signed URLs, mode 0600 (with --auth-reads)
 */
/** SQLite creates its files with the process umask: the metadata holds token hashes. */
async function makePrivate(paths: string[]): Promise<void> {
  for (const path of paths) {
    await chmod(path, 0o600).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }
}

export async function startRegistry(
  config: RegistryConfig,
  deps: RegistryDeps = {},
): Promise<RunningRegistry> {
  const startedAt = Date.now();
  const logger = deps.logger ?? pino({ level: config.logLevel });
  const metricsRegistry = deps.metricsRegistry ?? new Registry();
  const dataDir = resolve(config.dataDir);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const store = new FsBlobStore(join(dataDir, 'blobs'));
  await store.init();
  /** The seeder reads pieces from files: the one user of the store's local paths. */
  const localFiles: LocalBlobFiles = store;
  const metadata = Metadata.open(join(dataDir, 'docket.db'));
  await makePrivate(['docket.db', 'docket.db-wal', 'docket.db-shm'].map((f) => join(dataDir, f)));

  let publicUrl = '';
  let seeder: Seeder | undefined;
  const seedable = (blob: BlobRecord): SeedableBlob => ({
    digest: blob.digest,
    path: localFiles.localPath(blob.digest),
    size: blob.size,
    info: blob.torrentInfo,
  });
  const privateAccess = config.authReads
    ? new PrivateAccess({
        secret: await ensureServerSecret(join(dataDir, 'server-secret')),
        tokens: {
          idOf: (name) => metadata.tokens.findByName(name)?.id,
          exists: (id) => metadata.tokens.findById(id) !== undefined,
        },
        signedUrlTtlSeconds: config.signedUrlTtlSeconds,
      })
    : undefined;
  const webSeedUrl = (digest: Digest) => {
    const url = `${publicUrl}${paths.docketBlob(digest)}`;
    return privateAccess ? privateAccess.signBlobUrl(url, digest) : url;
  };
  /**
   * The announce list of served torrents (`viewer`: the token's name) and of the seeder
   * (`seeder`): in a private registry the embedded tracker's URL carries a passkey.
   */
  const announceFor = (who: { viewer: string | null } | 'seeder'): string[] => {
    const urls = announceUrls(config, publicUrl);
    if (!privateAccess || !config.embeddedTracker) return urls;
    const [embedded = '', ...external] = urls;
    const keyed =
      who === 'seeder'
        ? privateAccess.seederAnnounceUrl(embedded)
        : who.viewer !== null
          ? privateAccess.announceUrlFor(embedded, who.viewer)
          : undefined;
    return [keyed ?? embedded, ...external];
  };

  const gate = new SweepGate();
  const blobs = new BlobService(
    store,
    metadata,
    deps.pieceHashers ?? ((size) => new TorrentPieceStream(size)),
    gate,
    // Its bytes were just hashed on the way in: the seeder need not read it back to check.
    (blob) =>
      seeder
        ?.vouch(seedable(blob))
        .catch((err: unknown) => logger.warn({ err, digest: blob.digest }, 'blob not vouched')),
  );
  const gc = new GcService(metadata, store, gate, (infoHashes) => {
    for (const infoHash of infoHashes) seeder?.stop(infoHash);
    logger.info({ blobs: infoHashes.length }, 'gc swept blobs: no longer seeded');
  });
  const gunzip = { maxBytes: config.maxLayerBytes, maxRatio: config.maxGzipRatio };
  const events = new EventPublisher((err) => logger.error({ err }, 'event listener failed'));
  const webhooks =
    config.webhookUrls.length > 0
      ? new WebhookSender({
          urls: config.webhookUrls,
          attempts: config.webhookAttempts,
          backoffMs: config.webhookBackoffMs,
          maxQueue: 1000,
          timeoutMs: 10_000,
          logger: logger.child({ component: 'webhooks' }),
        })
      : undefined;
  if (webhooks) events.subscribe((event) => webhooks.enqueue(event));
  const manifests = new ManifestService(metadata, blobs, gunzip, events, gate);
  const torrents = new TorrentService(
    blobs,
    { renderTorrentFile, magnetLink },
    { announce: (viewer) => announceFor({ viewer }), webSeedUrl },
  );
  const tokens = new TokenService(metadata);
  const adminTokenPath = join(dataDir, 'admin-token');
  const admin = await tokens.ensureAdminToken(adminTokenPath);
  logger.info({ path: adminTokenPath, created: admin.created }, 'admin token');

  const direct = config.directDownloads
    ? new DirectGate({
        hostsInSwarm: (infoHash) => tracker?.hostsIn(infoHash) ?? 0,
        leechers: () => tracker?.leechers() ?? 0,
        onOutcome: (outcome) => metrics.directDownloads.inc({ outcome }),
      })
    : undefined;
  const tracker: EmbeddedTracker | undefined = config.embeddedTracker
    ? createEmbeddedTracker({
        filter: (infoHash) => metadata.blobs.findByInfoHash(infoHash) !== undefined,
        onAnnounce: (infoHash, peer) => {
          privateAccess?.admit({ infoHash, ...peer });
          seeder?.onAnnounce(infoHash);
          direct?.announced(infoHash, peer.left > 0);
        },
        maxPeersPerIp: config.maxPeersPerIp,
        acceptsPasskey: privateAccess && ((passkey) => privateAccess.acceptsPasskey(passkey)),
        logger: logger.child({ component: 'tracker' }),
      })
    : undefined;

  const uploads = new UploadService(store, blobs, config.maxUploadBytes, config.uploadTtlMs);
  const sweeping = setInterval(
    () =>
      void uploads
        .sweep()
        .catch((err: unknown) => logger.error({ err }, 'upload session sweep failed')),
    Math.min(config.uploadTtlMs, 60_000),
  );
  sweeping.unref();

  const metrics = createMetrics(metricsRegistry, {
    blobsStored: () => metadata.blobs.count(),
    seeder: () => seeder?.stats() ?? { activeTorrents: 0, peers: 0, uploadedBytes: 0 },
    tracker: tracker ? () => tracker.stats() : undefined,
  });
  const blobRef = (blob: BlobRecord | undefined) =>
    blob && { digest: blob.digest, infoHash: blob.infoHash, size: blob.size };
  const swarm = new SwarmService({
    swarms: () => tracker?.swarms() ?? [],
    seedBytes: () => seeder?.uploadedByInfoHash() ?? new Map(),
    webSeedBytes: () => metrics.webSeedBytes.snapshot(),
    blobByInfoHash: (infoHash) => blobRef(metadata.blobs.findByInfoHash(infoHash)),
    blobByDigest: (digest) => blobRef(metadata.blobs.get(digest)),
  });
  const health = new HealthService({
    version: packageVersion(),
    startedAt,
    authReads: config.authReads,
    storageBytes: () => blobs.totalSize(),
    blobs: () => blobs.count(),
    activeTorrents: () => seeder?.stats().activeTorrents ?? 0,
    trackedSwarms: () => tracker?.stats().torrents ?? 0,
  });
  const web = webRoot();
  if (!web) logger.warn('web page not built (npm run build): / answers 404');
  const app = createApp(
    {
      logger,
      metricsRegistry,
      blobs,
      uploads,
      manifests,
      tags: new TagService(metadata),
      images: new ImageService(metadata, blobs, torrents),
      imports: new ImportService(
        store,
        blobs,
        manifests,
        deps.readImageArchive ?? readImageArchive,
        config.maxUploadBytes,
        gunzip,
      ),
      torrents,
      tokens,
      gc,
      gcGraceMs: config.gcGraceSeconds * 1000,
      swarm,
      health,
      webFiles: new WebFiles(web),
      events,
      seed: (blob) =>
        void seeder
          ?.seed(seedable(blob))
          .catch((err: unknown) => logger.error({ err, digest: blob.digest }, 'seeding failed')),
      tracker: tracker && ((req, res) => tracker.handle(req, res)),
      publicUrl: () => publicUrl,
      authReads: config.authReads,
      signedUrls: privateAccess,
      direct,
      maxUploadBytes: config.maxUploadBytes,
    },
    metrics,
  );

  const version = packageVersion();
  const handle = app.callback();
  const server = createServer((req, res) => {
    res.setHeader(Header.docketVersion, version);
    return handle(req, res);
  });
  const port = await listen(server, config.port, config.host);
  publicUrl = publicUrlFor(config, port);
  seeder = new Seeder({
    findByInfoHash: (infoHash) => {
      const blob = metadata.blobs.findByInfoHash(infoHash);
      return blob && seedable(blob);
    },
    announce: announceFor('seeder'),
    webSeedUrl,
    admitPeer: privateAccess && ((peer) => privateAccess.admits(peer)),
    idleMs: config.seedIdleMs,
    maxActive: config.seedMaxActive,
    rationPieces: config.rationPieces,
    logger: logger.child({ component: 'seeder' }),
  });
  const gcTimer =
    config.gcIntervalSeconds > 0
      ? setInterval(() => {
          gc.collect({ dryRun: false, graceMs: config.gcGraceSeconds * 1000 })
            .then((r) =>
              logger.info(
                { manifests: r.manifests.length, blobs: r.blobs.length, bytesFreed: r.bytesFreed },
                'scheduled gc',
              ),
            )
            .catch((err: unknown) => logger.error({ err }, 'scheduled gc failed'));
        }, config.gcIntervalSeconds * 1000)
      : undefined;
  gcTimer?.unref();
  const url = publicUrlFor({ ...config, publicUrl: undefined }, port);
  logger.info({ url, publicUrl, dataDir }, 'registry listening');

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      clearInterval(gcTimer);
      clearInterval(sweeping);
      const stopped = new Promise<void>((done) => server.close(() => done()));
      server.closeAllConnections();
      await stopped;
      await Promise.allSettled([tracker?.close(), seeder?.close(), webhooks?.close()]);
      metadata.close();
    })();
    return closing;
  };
  return {
    url,
    port,
    publicUrl,
    dataDir,
    adminToken: admin.token,
    adminTokenPath,
    logger,
    metricsRegistry,
    close,
  };
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      done((server.address() as AddressInfo).port);
    });
  });
}
