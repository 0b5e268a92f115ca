import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import { Registry } from 'prom-client';
import { readImageArchive } from '../lib/archive/reader.js';
import { RateLimit } from '../lib/bandwidth.js';
import { readsBlob } from '../lib/api/scopes.js';
import type { Digest } from '../lib/digest.js';
import { listen } from '../lib/http/listen.js';
import { packageVersion } from '../lib/package-version.js';
import { magnetLink, renderTorrentFile, TorrentPieceStream } from '../lib/torrent.js';
import { createEmbeddedTracker } from '../tracker/embedded.js';
import { AnnounceListeners } from './announces.js';
import { webRoot } from './assets.js';
import { publicUrlFor, type RegistryConfig } from './config.js';
import { lockDataDir } from './data-lock.js';
import { createApp } from './http/app.js';
import type { BlobRecord } from './metadata/blobs.js';
import { createMetrics } from './metrics.js';
import { openMetadata } from './open-metadata.js';
import { openBlobStorage } from './open-storage.js';
import { type SeedableBlob, Seeder } from './p2p/seeder.js';
import { PrivateAccess } from './private/private-access.js';
import { ensureServerSecret } from './private/server-secret.js';
import { BlobService, type TorrentPieceHashers } from './services/blobs.js';
import { DirectGate } from './services/direct-gate.js';
import { EventPublisher } from './services/events.js';
import { GcService } from './services/gc.js';
import { HealthService } from './services/health.js';
import { ImageService } from './services/images.js';
import { ImportService, type ReadImageArchive } from './services/import.js';
import { ManifestService } from './services/manifests.js';
import { ReferrerService } from './services/referrers.js';
import { SweepGate } from './services/sweep-gate.js';
import { SwarmService } from './services/swarm.js';
import { TagService } from './services/tags.js';
import { TokenService } from './services/tokens.js';
import { TorrentService } from './services/torrents.js';
import { UploadService } from './services/uploads.js';
import { WebFiles } from './services/web-files.js';
import { WebhookSender } from './services/webhooks.js';
import { Shutdown } from './shutdown.js';
import { closeHttpServer, createHttpServer } from './start-http.js';
import { RegistryUrls } from './urls.js';

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
  /**
   * The admin token's value and the file that holds it. Undefined when the database
   * holds another registry's admin token (a replica) and this data directory has no
   * admin-token file: the value is in that registry's file.
   */
  adminToken: string | undefined;
  adminTokenPath: string;
  logger: Logger;
  metricsRegistry: Registry;
  /**
   * Closes what start opened, in reverse: the HTTP server (no more requests), the tracker,
   * the services' background jobs (upload expiry, scheduled gc, webhooks), the seeder, the
   * database. Each step is bounded (shutdown.ts); never rejects.
   */
  close(): Promise<void>;
}

/**
 * Starts the registry on `config.port` (0: any free port). When start fails half-way,
 * what was opened so far is closed again before the error is thrown.
 */
export async function startRegistry(
  config: RegistryConfig,
  deps: RegistryDeps = {},
): Promise<RunningRegistry> {
  const logger = deps.logger ?? pino({ level: config.logLevel });
  const shutdown = new Shutdown(logger);
  try {
    return await compose(config, deps, logger, shutdown);
  } catch (err) {
    await shutdown.close();
    throw err;
  }
}

/**
 * The registry's composition root: builds each part after the parts it uses (database,
 * stores, URLs, seeder, services, tracker, HTTP app), registers each with `shutdown`
 * as it is built, then listens.
 *
 *   <dataDir>/
 *     registry.lock the running registry's pid (data-lock.ts): one registry per directory
 *     blobs/        FsBlobStore (see storage/fs-blob-store.ts), unless --storage names another
 *     storage-cache/ with s3:// storage: blob files for the seeder (storage/blob-file-cache.ts)
 *     docket.db     SQLite metadata (WAL), unless --database names a PostgreSQL database
 *     admin-token   the admin token, mode 0600, created at first start (not when the
 *                   database holds another registry's: a replica)
 *     server-secret the key of passkeys and signed URLs, mode 0600 (with --auth-reads)
 */
async function compose(
  config: RegistryConfig,
  deps: RegistryDeps,
  logger: Logger,
  shutdown: Shutdown,
): Promise<RunningRegistry> {
  const startedAt = Date.now();
  const version = packageVersion();
  const metricsRegistry = deps.metricsRegistry ?? new Registry();
  const dataDir = resolve(config.dataDir);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const dataLock = await lockDataDir(dataDir);
  shutdown.add('data directory lock', () => dataLock.release());

  const metadata = await openMetadata(dataDir, config.database, logger);
  shutdown.add('database', () => metadata.close());

  const storage = await openBlobStorage(config, dataDir, logger);
  if (!storage.inPlace) shutdown.add('blob storage', () => storage.close());
  const { store } = storage;
  /** The seeder reads pieces from files: the one user of local blob files. */
  const localFiles = storage.files;
  const seedable = (blob: BlobRecord): SeedableBlob => ({
    digest: blob.digest,
    path: localFiles.localPath(blob.digest),
    size: blob.size,
    info: blob.torrentInfo,
  });

  // The key of access tokens (/v2/token) in both modes, and of passkeys and signed URLs.
  const serverSecret = await ensureServerSecret(join(dataDir, 'server-secret'));
  // Its periodic check runs only while a request of some token is open (unref'd).
  const tokens = new TokenService(metadata, { accessTokenKey: serverSecret });
  const privateAccess = config.authReads
    ? new PrivateAccess({
        secret: serverSecret,
        tokens,
        signedUrlTtlSeconds: config.signedUrlTtlSeconds,
        mayRead: (tokenId, infoHash) => {
          const token = tokens.byId(tokenId);
          const blob = token && metadata.blobs.findByInfoHash(infoHash);
          return !!blob && !!token && readsBlob(token.scopes, metadata.blobs.holders(blob.digest));
        },
      })
    : undefined;
  const urls = new RegistryUrls(config, privateAccess);
  const webSeedUrl = (digest: Digest) => urls.webSeed(digest);

  // One egress budget: the seeder's uploads and the blob bytes sent over HTTP.
  const egress = config.maxUploadRate > 0 ? new RateLimit(config.maxUploadRate) : undefined;
  const seeder = new Seeder({
    findByInfoHash: (infoHash) => {
      const blob = metadata.blobs.findByInfoHash(infoHash);
      return blob && seedable(blob);
    },
    announce: () => urls.announce('seeder'),
    webSeedUrl,
    ...(storage.inPlace
      ? {}
      : { ensureLocal: (digest) => localFiles.ensureLocal(digest as Digest) }),
    admitPeer: privateAccess && ((peer) => privateAccess.admits(peer)),
    idleMs: config.seedIdleMs,
    maxActive: config.seedMaxActive,
    rationPieces: config.rationPieces,
    ...(egress ? { upload: egress } : {}),
    logger: logger.child({ component: 'seeder' }),
  });
  shutdown.add('seeder', () => seeder.close());
  // A revoke or rotation through the API closes that token's open wires at once.
  if (privateAccess) tokens.onEnded(() => seeder.recheckWires());

  const gate = new SweepGate();
  const blobs = new BlobService(
    store,
    metadata,
    deps.pieceHashers ?? ((size) => new TorrentPieceStream(size)),
    gate,
    // Its bytes were just hashed on the way in: the seeder need not read it back to check.
    // (A file of the seed cache is verified while it is copied in.)
    storage.inPlace
      ? (blob) =>
          seeder
            .vouch(seedable(blob))
            .catch((err: unknown) => logger.warn({ err, digest: blob.digest }, 'blob not vouched'))
      : undefined,
  );
  const gcGraceMs = config.gcGraceSeconds * 1000;
  const gc = new GcService(metadata, store, gate, (infoHashes) => {
    for (const infoHash of infoHashes) seeder.stop(infoHash);
    logger.info({ blobs: infoHashes.length }, 'gc swept blobs: no longer seeded');
  });
  if (config.gcIntervalSeconds > 0)
    gc.collectEvery(config.gcIntervalSeconds * 1000, gcGraceMs, logger);
  shutdown.add('scheduled gc', () => gc.close());

  const events = new EventPublisher((err) => logger.error({ err }, 'event listener failed'));
  if (config.webhookUrls.length > 0) {
    const webhooks = new WebhookSender({
      urls: config.webhookUrls,
      attempts: config.webhookAttempts,
      backoffMs: config.webhookBackoffMs,
      maxQueue: 1000,
      timeoutMs: 10_000,
      ...(config.webhookSecret ? { secret: config.webhookSecret } : {}),
      logger: logger.child({ component: 'webhooks' }),
    });
    events.subscribe((event) => webhooks.enqueue(event));
    shutdown.add('webhooks', () => webhooks.close());
  }
  const gunzip = { maxBytes: config.maxLayerBytes, maxRatio: config.maxGzipRatio };
  const manifests = new ManifestService(metadata, blobs, gunzip, events, gate);
  const torrents = new TorrentService(
    blobs,
    { renderTorrentFile, magnetLink },
    {
      announce: (viewer) => urls.announce({ viewer }),
      webSeedUrl: (digest, viewer) => urls.webSeed(digest, viewer),
    },
  );
  const adminTokenPath = join(dataDir, 'admin-token');
  const admin = await tokens.ensureAdminToken(adminTokenPath);
  if (admin.token !== undefined)
    logger.info({ path: adminTokenPath, created: admin.created }, 'admin token');
  else
    logger.warn(
      { path: adminTokenPath },
      "admin token kept: the database holds the admin token of another registry sharing it; its value is in that registry's admin-token file (copy it to this path to log in with it here)",
    );
  const uploads = new UploadService(
    store,
    blobs,
    config.maxUploadBytes,
    config.uploadTtlMs,
    metadata.uploadSessions,
  );
  uploads.startSweeping(logger);
  shutdown.add('upload sessions', () => uploads.close());

  const announced = new AnnounceListeners();
  announced.add((infoHash, peer) => {
    privateAccess?.admit({ infoHash, peerId: peer.peerId, ip: peer.ip }, peer.passkey);
    seeder.onAnnounce(infoHash);
  });
  const tracker = config.embeddedTracker
    ? createEmbeddedTracker({
        filter: (infoHash) => metadata.blobs.findByInfoHash(infoHash) !== undefined,
        onAnnounce: (infoHash, peer) => announced.emit(infoHash, peer),
        maxPeersPerIp: config.maxPeersPerIp,
        acceptsPasskey:
          privateAccess &&
          ((passkey, infoHashes) => privateAccess.acceptsPasskey(passkey, infoHashes)),
        logger: logger.child({ component: 'tracker' }),
      })
    : undefined;
  if (tracker) shutdown.add('tracker', () => tracker.close());

  const metrics = createMetrics(metricsRegistry, {
    blobsStored: () => metadata.blobs.count(),
    seeder: () => seeder.stats(),
    tracker: tracker && (() => tracker.stats()),
    blobStored: (digest) => metadata.blobs.get(digest) !== undefined,
  });
  const direct = config.directDownloads
    ? new DirectGate({
        hostsInSwarm: (infoHash) => tracker?.hostsIn(infoHash) ?? 0,
        leechers: () => tracker?.leechers() ?? 0,
        onOutcome: (outcome) => metrics.directDownloads.inc({ outcome }),
      })
    : undefined;
  if (direct) announced.add((infoHash, peer) => direct.announced(infoHash, peer.left > 0));
  const blobRef = (blob: BlobRecord | undefined) =>
    blob && { digest: blob.digest, infoHash: blob.infoHash, size: blob.size };
  const swarm = new SwarmService({
    swarms: () => tracker?.swarms() ?? [],
    seedBytes: () => seeder.uploadedByInfoHash(),
    webSeedBytes: () => metrics.webSeedBytes.snapshot(),
    blobByInfoHash: (infoHash) => blobRef(metadata.blobs.findByInfoHash(infoHash)),
    blobByDigest: (digest) => blobRef(metadata.blobs.get(digest)),
  });
  const health = new HealthService({
    version,
    startedAt,
    authReads: config.authReads,
    storageBytes: () => blobs.totalSize(),
    blobs: () => blobs.count(),
    activeTorrents: () => seeder.stats().activeTorrents,
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
      referrers: new ReferrerService(metadata),
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
      gcGraceMs,
      swarm,
      health,
      webFiles: new WebFiles(web),
      events,
      seed: (blob) =>
        void seeder
          .seed(seedable(blob))
          .catch((err: unknown) => logger.error({ err, digest: blob.digest }, 'seeding failed')),
      tracker: tracker && ((req, res) => tracker.handle(req, res)),
      publicUrl: () => urls.publicUrl(),
      authReads: config.authReads,
      signedUrls: privateAccess,
      direct,
      egress,
      maxUploadBytes: config.maxUploadBytes,
    },
    metrics,
  );
  const server = createHttpServer(app, version);
  const port = await listen(server, config.port, config.host);
  shutdown.add('http server', () => closeHttpServer(server));

  const publicUrl = urls.listening(port);
  const url = publicUrlFor({ ...config, publicUrl: undefined }, port);
  logger.info({ url, publicUrl, dataDir }, 'registry listening');
  return {
    url,
    port,
    publicUrl,
    dataDir,
    adminToken: admin.token,
    adminTokenPath,
    logger,
    metricsRegistry,
    close: () => shutdown.close(),
  };
}
