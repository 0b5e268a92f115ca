import type { Logger } from 'pino';
import type { GcResult } from '../../lib/api/index.js';
import type { Digest } from '../../lib/digest.js';
import {
  BlobInUseError,
  BlobUnknownError,
  GcRunningError,
  ParameterInvalidError,
} from '../errors.js';
import type { Metadata } from '../metadata/metadata.js';
import { PeriodicJob } from '../background.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { SweepGate } from './sweep-gate.js';

/**
 * The least grace period a gc request may ask for without `force`: pushes in progress
 * (their blobs uploaded, their manifest not put yet) survive a gc asked for while they run.
 */
export const GC_GRACE_FLOOR_MS = 5 * 60_000;

/** The database lock a gc run holds, so one registry sharing the database collects at a time. */
export const GC_LOCK_KEY = 'docket.gc';

/** A gc request asked for less grace than GC_GRACE_FLOOR_MS without forcing it. */
export class GraceBelowFloorError extends ParameterInvalidError {
  constructor(graceSeconds: number) {
    super('graceSeconds', String(graceSeconds));
    this.message = `a grace period of ${graceSeconds}s is below the floor of ${GC_GRACE_FLOOR_MS / 1000}s: pushes in progress could lose their blobs; force it (docket gc --force) to go lower`;
  }
}

/** Throws GraceBelowFloorError for a requested grace below the floor unless `force`. */
export function checkRequestedGrace(graceMs: number, force: boolean): void {
  if (graceMs < GC_GRACE_FLOOR_MS && !force) throw new GraceBelowFloorError(graceMs / 1000);
}

export interface GcOptions {
  /** Manifests and blobs used (pushed, re-pushed, mounted, checked) within this are kept. */
  graceMs: number;
  /** Only report what would go. */
  dryRun: boolean;
}

/** What the collector plans to sweep. */
interface Plan {
  manifests: Digest[];
  blobs: { digest: Digest; size: number; infoHash: string }[];
}

/**
 * Garbage collection, mark and sweep. Live: every tagged manifest, every manifest used
 * (pushed, re-pushed) within the grace period, the children of a live index, the
 * referrers of a live manifest (manifests whose `subject` it is: signatures, SBOMs,
 * attestations live as long as what they describe, as in Distribution and zot; a referrer
 * of a subject that is not live goes once its own grace period is past);
 * the blobs live manifests name, and every blob used within the grace period (so a blob
 * uploaded by a push whose manifest is not put yet survives). Everything else is swept
 * from SQLite (one transaction) and then from the store, and `onSwept` gets the
 * infohashes so the seeder stops seeding them; the embedded tracker and the tracker
 * whitelist read the blob table, so they drop them too.
 *
 * Blob commits and manifest puts hold the SweepGate shared: the whole run is exclusive,
 * so no blob file is renamed into place or manifest recorded between mark and sweep.
 * Registries sharing a database (replicas) collect one at a time: a run holds the
 * database lock GC_LOCK_KEY (Db.tryLock), and a run asked for while another registry
 * holds it throws GcRunningError. The gate does not reach another registry's pushes; the
 * grace period protects them: a blob is swept only when no manifest names it and it was
 * not stored, mounted or checked within the grace, and upload sessions (the store's, not
 * rows) are never swept.
 */
export class GcService {
  private schedule: PeriodicJob | undefined;

  constructor(
    private readonly metadata: Metadata,
    private readonly store: BlobStore,
    private readonly gate: SweepGate,
    private readonly onSwept: (infoHashes: string[]) => void,
  ) {}

  /** Collects every `everyMs` with grace `graceMs` until `close`, logging what went. */
  collectEvery(everyMs: number, graceMs: number, logger: Logger): void {
    this.schedule ??= new PeriodicJob(
      everyMs,
      async () => {
        const r = await this.collect({ dryRun: false, graceMs });
        logger.info(
          { manifests: r.manifests.length, blobs: r.blobs.length, bytesFreed: r.bytesFreed },
          'scheduled gc',
        );
      },
      (err) =>
        err instanceof GcRunningError
          ? logger.info('scheduled gc skipped: another registry sharing the database is collecting')
          : logger.error({ err }, 'scheduled gc failed'),
    );
    this.schedule.start();
  }

  /** Stops scheduled collection; resolves once a scheduled collection in progress is done. */
  async close(): Promise<void> {
    await this.schedule?.stop();
  }

  /** Throws GcRunningError while a registry sharing the database collects. */
  collect(opts: GcOptions): Promise<GcResult> {
    return this.gate.exclusive(async () => {
      const { db } = this.metadata;
      if (!db.tryLock(GC_LOCK_KEY)) throw new GcRunningError();
      try {
        return await this.collectLocked(opts);
      } finally {
        db.unlock(GC_LOCK_KEY);
      }
    });
  }

  private async collectLocked(opts: GcOptions): Promise<GcResult> {
    const now = Date.now();
    // Mark and the rows' sweep in one transaction: a registry sharing the database cannot
    // tag or use what was marked between the two (its changes are not behind our gate).
    const { plan, graceless } = this.metadata.transaction(() => {
      const plan = this.mark(new Date(now - opts.graceMs).toISOString());
      const graceless = opts.graceMs > 0 ? this.mark(new Date(now).toISOString()) : plan;
      if (!opts.dryRun) this.sweepRows(plan);
      return { plan, graceless };
    });
    if (!opts.dryRun) await this.sweepFiles(plan);
    const bytes = (blobs: Plan['blobs']) => blobs.reduce((n, b) => n + b.size, 0);
    return {
      dryRun: opts.dryRun,
      manifests: plan.manifests,
      blobs: plan.blobs.map(({ digest, size }) => ({ digest, size })),
      bytesFreed: bytes(plan.blobs),
      graceSeconds: Math.round(opts.graceMs / 1000),
      keptByGrace: {
        manifests: graceless.manifests.length - plan.manifests.length,
        blobs: graceless.blobs.length - plan.blobs.length,
        bytes: bytes(graceless.blobs) - bytes(plan.blobs),
      },
    };
  }

  /**
   * DELETE of one blob (distribution-spec "Deleting blobs"). Blobs are shared by every
   * repository: one a stored manifest names is refused (BlobInUseError); BlobUnknownError.
   */
  deleteBlob(digest: Digest): Promise<void> {
    return this.gate.exclusive(async () => {
      const blob = this.metadata.blobs.get(digest);
      if (!blob) throw new BlobUnknownError(digest);
      if (this.metadata.blobs.isReferenced(digest)) throw new BlobInUseError(digest);
      await this.sweep({
        manifests: [],
        blobs: [{ digest, size: blob.size, infoHash: blob.infoHash }],
      });
    });
  }

  private mark(cutoff: string): Plan {
    const { manifests, blobs, tags } = this.metadata;
    const liveManifests = new Set<string>(tags.all().map((t) => t.manifestDigest));
    const all = manifests.ages();
    for (const m of all) if (m.usedAt >= cutoff) liveManifests.add(m.digest);
    const liveBlobs = new Set<string>();
    const queue = [...liveManifests];
    // Each manifest is queued at most once, so this ends after |manifests| steps.
    while (queue.length > 0) {
      const digest = queue.pop()!;
      const reached = [] as string[];
      for (const ref of manifests.refs(digest)) {
        if (ref.kind !== 'manifest') liveBlobs.add(ref.digest);
        else reached.push(ref.digest);
      }
      reached.push(...manifests.referrersOf(digest));
      for (const next of reached) {
        if (liveManifests.has(next)) continue;
        liveManifests.add(next);
        queue.push(next);
      }
    }
    return {
      manifests: all.filter((m) => !liveManifests.has(m.digest)).map((m) => m.digest),
      blobs: blobs
        .ages()
        .filter((b) => !liveBlobs.has(b.digest) && b.usedAt < cutoff)
        .map(({ digest, size, infoHash }) => ({ digest, size, infoHash })),
    };
  }

  /** Rows first (in one transaction), then files: a blob without a row is never served. */
  private async sweep(plan: Plan): Promise<void> {
    this.metadata.transaction(() => this.sweepRows(plan));
    await this.sweepFiles(plan);
  }

  private sweepRows(plan: Plan): void {
    for (const digest of plan.manifests) this.metadata.manifests.delete(digest);
    for (const b of plan.blobs) this.metadata.blobs.delete(b.digest);
  }

  private async sweepFiles(plan: Plan): Promise<void> {
    for (const b of plan.blobs) await this.store.delete(b.digest);
    if (plan.blobs.length > 0) this.onSwept(plan.blobs.map((b) => b.infoHash));
  }
}
