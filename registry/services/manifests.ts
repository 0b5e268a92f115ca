import type { GunzipBounds } from '../../lib/archive/gzip.js';
import { type Digest, isDigest, sha256Digest } from '../../lib/digest.js';
import { DigestMismatchError } from '../../lib/errors.js';
import {
  accepts,
  DEFAULT_PLATFORM,
  type Descriptor,
  isForeignLayer,
  MAX_INDEX_DEPTH,
  type ParsedManifest,
  parseManifest,
  selectPlatform,
} from '../../lib/manifest/index.js';
import { parseTag } from '../../lib/reference.js';
import {
  ManifestBlobUnknownError,
  ManifestInvalidError,
  ManifestUnknownError,
  NameUnknownError,
  TagInvalidError,
} from '../errors.js';
import type { ManifestRecord, ManifestRef, ManifestSubject } from '../metadata/manifests.js';
import type { Metadata } from '../metadata/metadata.js';
import type { BlobService } from './blobs.js';
import type { EventPublisher } from './events.js';
import { layerDiffId } from './diff-id.js';
import { readConfig } from './image-config.js';
import { SweepGate } from './sweep-gate.js';

/**
 * Manifests by repository and reference (tag or digest), with tags and tag history. A put
 * holds `gate` shared from its refs check to its commit, so garbage collection cannot
 * sweep what the manifest names in between.
 */
export class ManifestService {
  /** diff_id computations in progress, by layer blob digest. */
  private readonly diffIdRuns = new Map<Digest, Promise<Digest | undefined>>();
  /**
   * diff_ids computed but not recorded (no config claimed them yet), null beyond the
   * gunzip bounds, by layer blob digest; at most COMPUTED_KEPT, the oldest forgotten.
   */
  private readonly computed = new BoundedMap<Digest, Digest | null>(COMPUTED_KEPT);

  constructor(
    private readonly metadata: Metadata,
    private readonly blobs: BlobService,
    private readonly gunzip: GunzipBounds,
    private readonly events?: EventPublisher,
    private readonly gate: SweepGate = new SweepGate(),
  ) {}

  /**
   * Stores a manifest byte for byte under `reference` (a tag, or the manifest's own
   * digest). Everything it names must be held by `repository` (distribution's
   * `registry/storage/manifeststore` checks each against the repository's links): a
   * config or layer blob uploaded to or mounted into it, or named by one of its
   * manifests; for an index, manifests of `repository`. `uploaded`: blobs the caller
   * stored for this put itself (tarball import), linked to `repository` in the manifest's
   * transaction. Throws ManifestInvalidError (also for a descriptor size that is not the
   * stored size, or indexes nested deeper than MAX_INDEX_DEPTH), ManifestBlobUnknownError
   * (stored or not, so a put does not tell whether another repository holds the blob),
   * TagInvalidError, DigestMismatchError. A manifest with a `subject` is recorded as its
   * referrer in the same transaction (the subject need not exist, distribution-spec v1.1
   * "Pushing Manifests with Subject"); `subject` is returned for the OCI-Subject header.
   */
  async put(
    repository: string,
    reference: string,
    body: Buffer,
    contentType: string | undefined,
    pushedBy: string | null,
    uploaded: readonly Digest[] = [],
  ): Promise<PutManifestResult> {
    return this.gate.shared(() =>
      this.putNow(repository, reference, body, contentType, pushedBy, new Set(uploaded)),
    );
  }

  private async putNow(
    repository: string,
    reference: string,
    body: Buffer,
    contentType: string | undefined,
    pushedBy: string | null,
    uploaded: ReadonlySet<Digest>,
  ): Promise<PutManifestResult> {
    const digest = sha256Digest(body);
    const tag = isDigest(reference) ? undefined : checkTag(reference);
    if (!tag && reference !== digest) throw new DigestMismatchError(reference, digest);
    const doc = parseManifest(body, contentType);
    const parsed = contentsOf(doc);
    const subject = subjectOf(doc);
    this.checkRefs(repository, parsed, uploaded);
    const claimed = parsed.config ? await this.diffIds(parsed.config) : undefined;
    const diffIds = claimed && (await this.verifiedDiffIds(parsed, claimed));
    this.metadata.transaction(() => {
      for (const blob of uploaded) this.blobs.link(repository, blob);
      this.metadata.manifests.insert(
        repository,
        {
          digest,
          mediaType: parsed.mediaType,
          content: body,
          configDigest: (parsed.config?.digest as Digest | undefined) ?? null,
        },
        parsed.refs,
        subject,
      );
      this.describeBlobs(parsed, diffIds);
      if (tag) this.metadata.tags.set(repository, tag, digest, pushedBy);
    });
    if (tag)
      this.events?.pushed(
        repository,
        tag,
        { digest, mediaType: parsed.mediaType, size: body.length },
        pushedBy,
      );
    return {
      digest,
      mediaType: parsed.mediaType,
      ...(subject ? { subject: subject.digest } : {}),
    };
  }

  /**
   * The manifest `reference` names in `repository`. When its media type is not in
   * `accept` and it is an index, the linux/amd64 (else first) image in it is returned
   * if acceptable; otherwise ManifestUnknownError, also for a reference that is neither a
   * tag nor a digest (distribution-spec v1.1.1: 404 on pull, 400 only on push).
   */
  get(repository: string, reference: string, accept: readonly string[] = []): ManifestRecord {
    const record = this.resolve(repository, reference);
    if (accepts(accept, record.mediaType)) return record;
    const child = this.platformChild(record);
    if (child && accepts(accept, child.mediaType)) return child;
    throw new ManifestUnknownError(repository, reference);
  }

  /**
   * Deletes a tag, or (by digest) unlinks the manifest from the repository and its tags;
   * each deleted tag keeps its history, the delete appended. Garbage collection frees
   * what nothing else holds. Throws ManifestUnknownError.
   */
  delete(repository: string, reference: string, deletedBy: string | null = null): void {
    this.metadata.transaction(() => {
      if (!isDigest(reference)) {
        if (!this.metadata.tags.delete(repository, checkTag(reference), deletedBy))
          throw new ManifestUnknownError(repository, reference);
        return;
      }
      if (!this.metadata.manifests.unlink(repository, reference))
        throw new ManifestUnknownError(repository, reference);
      this.metadata.tags.deleteByDigest(repository, reference, deletedBy);
    });
    this.events?.deleted(repository, reference);
  }

  private resolve(repository: string, reference: string): ManifestRecord {
    let digest = reference;
    if (!isDigest(reference)) {
      if (!isTag(reference)) throw new ManifestUnknownError(repository, reference);
      const tag = this.metadata.tags.get(repository, reference);
      if (!tag) {
        if (!this.metadata.manifests.hasRepository(repository))
          throw new NameUnknownError(repository);
        throw new ManifestUnknownError(repository, reference);
      }
      digest = tag.manifestDigest;
    }
    const record = this.metadata.manifests.getInRepository(repository, digest);
    if (!record) throw new ManifestUnknownError(repository, reference);
    return record;
  }

  private platformChild(index: ManifestRecord): ManifestRecord | undefined {
    const refs = this.metadata.manifests.refs(index.digest);
    if (refs.length === 0 || refs[0]!.kind !== 'manifest') return undefined;
    const parsed = parseManifest(index.content, index.mediaType);
    if (parsed.kind !== 'index') return undefined;
    const pick = selectPlatform(parsed.index, DEFAULT_PLATFORM, false) ?? parsed.index.manifests[0];
    return pick && this.metadata.manifests.get(pick.digest);
  }

  /**
   * Everything named must be held by `repository` (or be among `uploaded`), with the size
   * its descriptor says (a client trusts that size to allocate and to stop reading), and
   * an index must stay within MAX_INDEX_DEPTH once it is added on top of its children. A
   * blob stored for another repository only is unknown here, as one never stored: a push
   * token cannot make its repository hold a blob it only knows the digest of.
   */
  private checkRefs(
    repository: string,
    parsed: ManifestContents,
    uploaded: ReadonlySet<Digest>,
  ): void {
    const children = new Set<string>();
    for (const m of parsed.manifests) {
      const size = this.metadata.manifests.sizeInRepository(repository, m.digest);
      if (size === undefined) throw new ManifestBlobUnknownError(m.digest);
      checkSize(m, size);
      children.add(m.digest);
    }
    for (const child of children) {
      if (this.indexDepth(child, MAX_INDEX_DEPTH - 1) > MAX_INDEX_DEPTH - 1)
        throw new ManifestInvalidError(`indexes nest at most ${MAX_INDEX_DEPTH} deep`, {
          digest: child,
          maxDepth: MAX_INDEX_DEPTH,
        });
    }
    for (const d of [...(parsed.config ? [parsed.config] : []), ...parsed.layers]) {
      if (isForeignLayer(d)) continue;
      const digest = d.digest as Digest;
      const blob = this.blobs.find(digest);
      if (!blob || !(uploaded.has(digest) || this.blobs.heldBy(repository, digest)))
        throw new ManifestBlobUnknownError(d.digest);
      checkSize(d, blob.size);
    }
  }

  /**
   * How deep the stored manifest `digest` nests indexes (0: an image manifest), looking
   * at most `limit` levels down: anything deeper answers limit + 1.
   */
  private indexDepth(digest: string, limit: number): number {
    const children = new Set(
      this.metadata.manifests
        .refs(digest)
        .filter((r) => r.kind === 'manifest')
        .map((r) => r.digest),
    );
    if (children.size === 0) return 0;
    if (limit === 0) return 1;
    let deepest = 0;
    for (const child of children) {
      deepest = Math.max(deepest, this.indexDepth(child, limit - 1));
      if (deepest >= limit) break;
    }
    return 1 + deepest;
  }

  /** The config's rootfs.diff_ids, when the config is a readable image config. */
  private async diffIds(config: Descriptor): Promise<Digest[] | undefined> {
    const parsed = await readConfig(this.blobs, config.digest as Digest);
    return parsed?.diffIds;
  }

  /**
   * The config's diff_ids where the layer blob really has them, undefined elsewhere: a
   * layer blob's diff_id is computed (diff-id.ts) from the blob itself, never taken from
   * the config, so one uploader cannot make another's import or push reuse its layer. A
   * blob already indexed keeps its diff_id (checked when recorded). Each blob's diff_id is
   * computed once (`diffIdOf`), however many times manifests name it.
   */
  private async verifiedDiffIds(
    parsed: ManifestContents,
    claimed: Digest[],
  ): Promise<(Digest | undefined)[] | undefined> {
    if (claimed.length !== parsed.layers.length) return undefined;
    const out: (Digest | undefined)[] = [];
    for (const [i, layer] of parsed.layers.entries()) {
      const digest = layer.digest as Digest;
      const known = this.blobs.find(digest);
      if (isForeignLayer(layer) || !known || known.diffId) {
        out.push(undefined);
        continue;
      }
      const actual = await this.diffIdOf(digest, known.size);
      out.push(actual === claimed[i] ? actual : undefined);
    }
    return out;
  }

  /**
   * The diff_id of a stored layer blob without one recorded, computed at most once per
   * blob: puts at once share one computation, and its result (undefined beyond the gunzip
   * bounds) is kept in `computed` until a put records it (its config claims it).
   */
  private diffIdOf(digest: Digest, size: number): Promise<Digest | undefined> {
    if (this.computed.has(digest)) return Promise.resolve(this.computed.get(digest) ?? undefined);
    const running = this.diffIdRuns.get(digest);
    if (running) return running;
    const run = (async () => {
      const actual = await layerDiffId(
        { digest, size },
        (range) => this.blobs.open(digest, range),
        this.gunzip,
      );
      this.computed.set(digest, actual ?? null);
      return actual;
    })().finally(() => this.diffIdRuns.delete(digest));
    this.diffIdRuns.set(digest, run);
    return run;
  }

  private describeBlobs(
    parsed: ManifestContents,
    diffIds: (Digest | undefined)[] | undefined,
  ): void {
    if (parsed.config)
      this.blobs.describe(parsed.config.digest as Digest, { mediaType: parsed.config.mediaType });
    parsed.layers.forEach((layer, i) => {
      if (isForeignLayer(layer)) return;
      const diffId = diffIds?.[i];
      this.blobs.describe(layer.digest as Digest, { mediaType: layer.mediaType, diffId });
      if (diffId) this.computed.delete(layer.digest as Digest);
    });
  }
}

/** diff_ids kept in memory while no put records them (a gzip bomb's "none" among them). */
const COMPUTED_KEPT = 4096;

/** A map that forgets its oldest entry beyond `max` entries. */
class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly max: number) {
    super();
  }
  override set(key: K, value: V): this {
    super.set(key, value);
    if (this.size > this.max) this.delete(this.keys().next().value as K);
    return this;
  }
}

export interface PutManifestResult {
  digest: Digest;
  mediaType: string;
  /** The digest of the manifest's `subject`, when it names one. */
  subject?: Digest;
}

/** What a put records of a manifest's `subject` (undefined when it names none). */
function subjectOf(parsed: ParsedManifest): ManifestSubject | undefined {
  const doc = parsed.kind === 'index' ? parsed.index : parsed.manifest;
  if (!doc.subject) return undefined;
  const configType = parsed.kind === 'image' ? parsed.manifest.config.mediaType : undefined;
  return {
    digest: doc.subject.digest as Digest,
    artifactType: doc.artifactType ?? configType ?? null,
    ...(doc.annotations ? { annotations: doc.annotations } : {}),
  };
}

/** What a put checks and records of a manifest: the descriptors it names, and its refs. */
interface ManifestContents {
  mediaType: string;
  /** Set for image manifests. */
  config?: Descriptor;
  layers: Descriptor[];
  /** Set for indexes / manifest lists. */
  manifests: Descriptor[];
  /** What must exist before the manifest is accepted, in document order. */
  refs: ManifestRef[];
}

function contentsOf(parsed: ParsedManifest): ManifestContents {
  if (parsed.kind === 'index') {
    const { manifests } = parsed.index;
    return {
      mediaType: parsed.mediaType,
      layers: [],
      manifests,
      refs: manifests.map((d) => ({ kind: 'manifest', digest: d.digest })),
    };
  }
  const { config, layers } = parsed.manifest;
  return {
    mediaType: parsed.mediaType,
    config,
    layers,
    manifests: [],
    refs: [
      { kind: 'config', digest: config.digest },
      ...layers.map((d) => ({ kind: 'layer' as const, digest: d.digest })),
    ],
  };
}

function checkSize(d: Descriptor, actual: number): void {
  if (d.size !== actual)
    throw new ManifestInvalidError(
      `descriptor of ${d.digest} says ${d.size} bytes, the registry holds ${actual}`,
      { digest: d.digest, size: d.size, actual },
    );
}

function isTag(reference: string): boolean {
  try {
    parseTag(reference);
    return true;
  } catch {
    return false;
  }
}

function checkTag(tag: string): string {
  try {
    return parseTag(tag);
  } catch {
    throw new TagInvalidError(tag, 'tag must match [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}');
  }
}
