import { Readable } from 'node:stream';
import {
  type CreatedToken,
  type TokenCreateRequest,
  type TokenInfo,
  type GcResult,
  type AgentStatus,
  Header,
  type ImageList,
  type ImageSummary,
  type LayerLookup,
  type PreheatResult,
  paths,
  type RollbackResult,
  type TagHistory,
} from '../lib/api/index.js';
import { type Digest, DigestStream, parseDigest, sha256Digest } from '../lib/digest.js';
import { readBounded, readBoundedJson } from './bounded-body.js';
import { DigestMismatchError, ManifestInvalidError } from '../lib/errors.js';
import { type Descriptor, parseManifest } from '../lib/manifest/index.js';
import { MANIFEST_MEDIA_TYPES, MediaType } from '../lib/media-types.js';
import { NotFoundError, RegistryError } from './errors.js';
import type { HttpAnswer } from './http-fetch.js';
import { RegistryTransport, type RegistryTransportOptions } from './registry-transport.js';

/**
 * The most the client reads into memory of each kind of answer. Manifests: 4 MiB, as
 * the registry accepts (and distribution); the rest well above what a real one sends.
 */
export const RESPONSE_LIMITS = {
  manifest: 4 * 1024 * 1024,
  /** Each page of a referrers list (an image index, like a manifest). */
  referrers: 4 * 1024 * 1024,
  config: 16 * 1024 * 1024,
  torrent: 16 * 1024 * 1024,
  /** Also tag lists and an agent's answers. */
  imageList: 64 * 1024 * 1024,
  /** A tag's history, every push of it (`docket history`). */
  history: 64 * 1024 * 1024,
  /** What gc swept or would sweep (`docket gc`), a line per manifest and blob. */
  gcResult: 64 * 1024 * 1024,
  /** A rollback's answer and a layer lookup: a few digests. */
  rollback: 64 * 1024,
  layerLookup: 64 * 1024,
  /** The token list (`docket token ls`) and one created or rotated token. */
  tokens: 16 * 1024 * 1024,
} as const;

export type RegistryClientOptions = RegistryTransportOptions;

/** The pages of a referrers list the client follows (`Link: <...>; rel="next"`). */
export const MAX_REFERRER_PAGES = 8;

export interface FetchedManifest {
  body: Buffer;
  mediaType: string;
  digest: Digest;
}

/**
 * A typed client of one docket registry: the OCI distribution API (distribution-spec
 * v1.1, "Pull", "Push", "Content Discovery") and docket's `/docket/v1` endpoints.
 * Every method throws UnauthorizedError (401/403), NotFoundError (404), RegistryError
 * (any other error status, with the envelope's code), RegistryUnreachableError, or
 * ResponseTooLargeError for an answer beyond RESPONSE_LIMITS.
 */
export class RegistryClient {
  readonly url: URL;
  private readonly http: RegistryTransport;

  constructor(opts: RegistryClientOptions) {
    this.http = new RegistryTransport(opts);
    this.url = this.http.url;
  }

  /** `host:port` as it goes in front of a repository name in a Docker reference. */
  get host(): string {
    return this.url.host;
  }

  /** `GET /v2/`: the registry answers the distribution API (and accepts the token, if any). */
  async ping(): Promise<void> {
    await this.http.request('GET', paths.base());
  }

  /**
   * The registry's docket version, from the Header.docketVersion of its `GET /v2/` answer
   * (sent even with a 401); undefined for a registry that does not send it.
   */
  async version(): Promise<string | undefined> {
    const res = await this.http.request('GET', paths.base(), { anyStatus: true });
    await res.body?.cancel();
    return res.headers.get(Header.docketVersion) ?? undefined;
  }

  /** `HEAD /v2/<name>/blobs/<digest>` */
  async hasBlob(name: string, digest: Digest): Promise<boolean> {
    try {
      await this.http.request('HEAD', paths.blob(name, digest));
      return true;
    } catch (err) {
      if (err instanceof NotFoundError) return false;
      throw err;
    }
  }

  /** `HEAD /v2/<name>/blobs/<digest>`: the blob's size; NotFoundError when it is not there. */
  async blobSize(name: string, digest: Digest): Promise<number> {
    const res = await this.http.request('HEAD', paths.blob(name, digest));
    const size = Number(res.headers.get('content-length'));
    if (!Number.isSafeInteger(size) || size < 0)
      throw new RegistryError(res.status, undefined, `no Content-Length for ${digest}`);
    return size;
  }

  /** `GET /v2/<name>/tags/list` (first page). */
  async listTags(name: string): Promise<{ name: string; tags: string[] }> {
    const res = await this.http.request('GET', paths.tags(name));
    return readBoundedJson<{ name: string; tags: string[] }>(
      res,
      RESPONSE_LIMITS.imageList,
      'tag list',
    );
  }

  /** `GET /docket/v1/events`: the registry's server-sent event stream, until `signal` aborts. */
  async openEvents(signal: AbortSignal): Promise<Readable> {
    const res = await this.http.request('GET', paths.events(), {
      headers: { accept: 'text/event-stream' },
      signal,
    });
    if (!res.body) throw new RegistryError(res.status, 'UNKNOWN', 'empty event stream');
    return Readable.fromWeb(res.body as import('node:stream/web').ReadableStream);
  }

  /**
   * `GET /v2/<name>/blobs/<digest>`, whole in memory (configs, at most
   * RESPONSE_LIMITS.config): verified against `digest`.
   */
  async getBlob(name: string, digest: Digest): Promise<Buffer> {
    const res = await this.http.request('GET', paths.blob(name, digest));
    const body = await readBounded(res, RESPONSE_LIMITS.config, 'blob');
    const actual = sha256Digest(body);
    if (actual !== digest) throw new DigestMismatchError(digest, actual);
    return body;
  }

  /**
   * `GET /v2/<name>/blobs/<digest>` as a stream (not verified here: the caller hashes it
   * while storing it). `signal` aborts the transfer.
   */
  async openBlob(name: string, digest: Digest, signal?: AbortSignal): Promise<Readable> {
    const res = await this.http.request('GET', paths.blob(name, digest), {
      nodeBody: true,
      ...(signal ? { signal } : {}),
    });
    return blobStream(res, digest);
  }

  /**
   * A direct download (Header.direct on the blob GET): the blob's bytes as a stream, or
   * undefined when the registry answers 409 DIRECT_DENIED (other hosts are on the blob:
   * take the swarm). The registry may end the body early when another host starts.
   */
  async openDirect(
    name: string,
    digest: Digest,
    signal?: AbortSignal,
  ): Promise<Readable | undefined> {
    let res: HttpAnswer;
    try {
      res = await this.http.request('GET', paths.blob(name, digest), {
        headers: { [Header.direct]: '1' },
        nodeBody: true,
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      if (err instanceof RegistryError && err.code === 'DIRECT_DENIED') return undefined;
      throw err;
    }
    return blobStream(res, digest);
  }

  /** `POST /v2/<name>/blobs/uploads/`: opens an upload session; resolves with its URL. */
  async startUpload(name: string): Promise<URL> {
    const res = await this.http.request('POST', paths.uploads(name));
    await res.body?.cancel();
    const location = res.headers.get(Header.location);
    if (!location) throw new RegistryError(res.status, undefined, 'upload opened without Location');
    return new URL(location, this.url);
  }

  /**
   * Cross-repository mount (distribution-spec "Mounting a blob from another repository"):
   * `POST /v2/<name>/blobs/uploads/?mount=<digest>&from=<from>`. True when the blob was
   * mounted (201); false when the registry opened an upload instead (202: `from` does not
   * hold the blob, or the token may not pull it), which is cancelled.
   */
  async mountBlob(name: string, digest: Digest, from: string): Promise<boolean> {
    const url = new URL(`.${paths.uploads(name)}`, this.url);
    url.searchParams.set('mount', digest);
    url.searchParams.set('from', from);
    const res = await this.http.request('POST', url);
    await res.body?.cancel();
    if (res.status === 201) return true;
    const location = res.headers.get(Header.location);
    if (location) await this.cancelUpload(new URL(location, this.url)).catch(() => {});
    return false;
  }

  /** `DELETE <upload URL>`: abandons an upload session. */
  async cancelUpload(location: URL): Promise<void> {
    await this.http.request('DELETE', location);
  }

  /**
   * Monolithic upload (distribution-spec "POST then PUT"): opens an upload, then
   * PUTs the whole body with `?digest=`. `open` is called once and must yield exactly
   * `size` bytes hashing to `digest`.
   */
  async uploadBlob(
    name: string,
    digest: Digest,
    size: number,
    open: () => Readable,
  ): Promise<void> {
    const location = await this.startUpload(name);
    location.searchParams.set('digest', digest);
    const body = open().pipe(new DigestStream({ digest, size }));
    await this.http.stream('PUT', location, body, {
      'content-type': 'application/octet-stream',
      'content-length': String(size),
    });
  }

  /** `PUT /v2/<name>/manifests/<tag>`; resolves with the manifest digest. */
  async putManifest(name: string, tag: string, body: Buffer, mediaType: string): Promise<Digest> {
    const res = await this.http.request('PUT', paths.manifest(name, tag), {
      body,
      headers: { 'content-type': mediaType },
    });
    await res.body?.cancel();
    const local = sha256Digest(body);
    const announced = res.headers.get(Header.contentDigest);
    if (announced && announced !== local) throw new DigestMismatchError(local, announced);
    return local;
  }

  /**
   * `GET /v2/<name>/manifests/<reference>` accepting Docker schema2, OCI manifests
   * and indexes (or the media types of `accept`, as a runtime asked an agent for them),
   * of at most RESPONSE_LIMITS.manifest. When `reference` is a digest the body is
   * verified against it.
   */
  async getManifest(name: string, reference: string, accept?: string): Promise<FetchedManifest> {
    const res = await this.http.request('GET', paths.manifest(name, reference), {
      headers: { accept: accept || MANIFEST_MEDIA_TYPES.join(', ') },
    });
    const body = await readBounded(res, RESPONSE_LIMITS.manifest, 'manifest');
    const digest = sha256Digest(body);
    if (reference.startsWith('sha256:') && digest !== reference)
      throw new DigestMismatchError(reference, digest);
    const mediaType =
      res.headers.get('content-type')?.split(';')[0]?.trim() ||
      (JSON.parse(body.toString()) as { mediaType?: string }).mediaType ||
      '';
    return { body, mediaType, digest };
  }

  /**
   * `GET /v2/<name>/referrers/<digest>` (distribution-spec v1.1 "Listing Referrers"): the
   * descriptors of the manifests whose `subject` is `digest` (signatures, SBOMs), each
   * page read within RESPONSE_LIMITS.referrers and validated as an image index
   * (lib/manifest), `Link: <...>; rel="next"` followed for at most MAX_REFERRER_PAGES
   * pages (of this registry's origin). With `artifactType`, only the manifests of that type: the registry's filter, or
   * the client's when the answer lacks `OCI-Filters-Applied: artifactType`. A registry
   * without the API answers 404: the list is then read through the referrers tag schema
   * (the index tagged `sha256-<hex>`; no such tag: no referrers). Also throws RegistryError
   * MANIFEST_INVALID for an answer that is not an image index.
   */
  async getReferrers(name: string, digest: Digest, artifactType?: string): Promise<Descriptor[]> {
    const found: Descriptor[] = [];
    let next: string | URL | undefined = paths.referrers(name, digest, artifactType);
    let filtered = true;
    for (let page = 0; next !== undefined && page < MAX_REFERRER_PAGES; page++) {
      let res: HttpAnswer;
      try {
        res = await this.http.request('GET', next, {
          headers: { accept: MediaType.ociIndex },
        });
      } catch (err) {
        if (page === 0 && err instanceof NotFoundError)
          return this.referrersByTag(name, digest, artifactType);
        throw err;
      }
      const applied =
        res.headers
          .get(Header.ociFiltersApplied)
          ?.split(',')
          .map((f) => f.trim()) ?? [];
      filtered &&= applied.includes('artifactType');
      const body = await readBounded(res, RESPONSE_LIMITS.referrers, 'referrers');
      found.push(...referrersIndex(body, res.headers.get('content-type'), name, digest));
      // The token goes to this registry only: a next page elsewhere is not followed.
      const link = nextLink(res.headers.get('link'));
      const url = link === undefined ? undefined : new URL(link, this.url);
      next = url?.origin === this.url.origin ? url : undefined;
    }
    return artifactType === undefined || filtered
      ? found
      : found.filter((d) => d.artifactType === artifactType);
  }

  /** distribution-spec v1.1 "Referrers Tag Schema": the index tagged `sha256-<hex>`. */
  private async referrersByTag(
    name: string,
    digest: Digest,
    artifactType: string | undefined,
  ): Promise<Descriptor[]> {
    let fetched: FetchedManifest;
    try {
      fetched = await this.getManifest(name, digest.replace(':', '-'), MediaType.ociIndex);
    } catch (err) {
      if (err instanceof NotFoundError) return [];
      throw err;
    }
    const found = referrersIndex(fetched.body, fetched.mediaType, name, digest);
    return artifactType === undefined
      ? found
      : found.filter((d) => d.artifactType === artifactType);
  }

  /** `GET /docket/v1/images` */
  async listImages(): Promise<ImageSummary[]> {
    const res = await this.http.request('GET', paths.images());
    const body = await readBoundedJson<ImageList | ImageSummary[]>(
      res,
      RESPONSE_LIMITS.imageList,
      'image list',
    );
    return Array.isArray(body) ? body : body.images;
  }

  /** `GET /docket/v1/images?all=1`: tagged images and the untagged manifests still held. */
  async listAllImages(): Promise<Required<ImageList>> {
    const res = await this.http.request('GET', `${paths.images()}?all=1`);
    const body = await readBoundedJson<ImageList>(res, RESPONSE_LIMITS.imageList, 'image list');
    return { images: body.images, untagged: body.untagged ?? [] };
  }

  /**
   * `DELETE /v2/<name>/manifests/<reference>`: a tag (untag; its history stays), or a
   * manifest digest (the repository lets go of it and every tag on it).
   */
  async deleteManifest(name: string, reference: string): Promise<void> {
    const res = await this.http.request('DELETE', paths.manifest(name, reference));
    await res.body?.cancel();
  }

  /** `GET /docket/v1/images/<name>/<tag>/history`: every move of the tag, newest first. */
  async tagHistory(name: string, tag: string): Promise<TagHistory> {
    const res = await this.http.request('GET', paths.history(name, tag));
    return readBoundedJson<TagHistory>(res, RESPONSE_LIMITS.history, 'tag history');
  }

  /**
   * `POST /docket/v1/images/<name>/<tag>/rollback`: `to` a digest (or a unique prefix of
   * one in the tag's history), or `steps` moves back.
   */
  async rollback(
    name: string,
    tag: string,
    target: { to?: string; steps?: number },
  ): Promise<RollbackResult> {
    const query = new URLSearchParams();
    if (target.to) query.set('to', target.to);
    if (target.steps !== undefined) query.set('steps', String(target.steps));
    const res = await this.http.request('POST', `${paths.rollback(name, tag)}?${query}`);
    return readBoundedJson<RollbackResult>(res, RESPONSE_LIMITS.rollback, 'rollback result');
  }

  /** `POST /docket/v1/gc`: sweep (or with dryRun list) what no tag reaches. */
  async collectGarbage(opts: {
    dryRun: boolean;
    graceSeconds?: number;
    /** Allow a grace period below the registry's floor (5 minutes). */
    force?: boolean;
  }): Promise<GcResult> {
    const query = new URLSearchParams();
    if (opts.dryRun) query.set('dryRun', '1');
    if (opts.graceSeconds !== undefined) query.set('graceSeconds', String(opts.graceSeconds));
    if (opts.force) query.set('force', '1');
    const res = await this.http.request('POST', `${paths.gc()}?${query}`);
    return readBoundedJson<GcResult>(res, RESPONSE_LIMITS.gcResult, 'gc result');
  }

  /** `GET /docket/v1/tokens` (admin): every token, without secrets. */
  async listTokens(): Promise<TokenInfo[]> {
    const res = await this.http.request('GET', paths.docketTokens());
    return readBoundedJson<TokenInfo[]>(res, RESPONSE_LIMITS.tokens, 'token list');
  }

  /** `POST /docket/v1/tokens` (admin): a new token, with its secret (shown this once). */
  async createToken(req: TokenCreateRequest): Promise<CreatedToken> {
    const res = await this.http.request('POST', paths.docketTokens(), {
      body: Buffer.from(JSON.stringify(req)),
      headers: { 'Content-Type': 'application/json' },
    });
    return readBoundedJson<CreatedToken>(res, RESPONSE_LIMITS.tokens, 'created token');
  }

  /** `DELETE /docket/v1/tokens/<name>` (admin): the token stops working. */
  async revokeToken(name: string): Promise<void> {
    const res = await this.http.request('DELETE', paths.docketToken(name));
    await res.body?.cancel();
  }

  /** `POST /docket/v1/tokens/<name>/rotate` (admin): a new secret for the token. */
  async rotateToken(name: string): Promise<CreatedToken> {
    const res = await this.http.request('POST', paths.docketTokenRotate(name));
    return readBoundedJson<CreatedToken>(res, RESPONSE_LIMITS.tokens, 'rotated token');
  }

  /** `GET /docket/v1/blobs/<digest>/torrent`: the blob's .torrent file (bencoded). */
  async getTorrent(digest: Digest): Promise<Buffer> {
    const res = await this.http.request('GET', paths.torrent(digest));
    return readBounded(res, RESPONSE_LIMITS.torrent, 'torrent');
  }

  /**
   * `POST /docket/v1/agent/preheat/<name>/<reference>`: answered by a `docket agent` (this
   * client pointed at it), once the image's blobs are in its cache.
   */
  async preheat(name: string, reference: string): Promise<PreheatResult> {
    const res = await this.http.request('POST', paths.agentPreheat(name, reference));
    return readBoundedJson<PreheatResult>(res, RESPONSE_LIMITS.imageList, 'preheat result');
  }

  /** `GET /docket/v1/agent`: what a `docket agent` holds. */
  async agentStatus(): Promise<AgentStatus> {
    const res = await this.http.request('GET', paths.agentStatus());
    return readBoundedJson<AgentStatus>(res, RESPONSE_LIMITS.imageList, 'agent status');
  }

  /** `GET /docket/v1/layers/<diffId>`: a compressed blob already stored for that diffId. */
  async findLayer(diffId: Digest): Promise<LayerLookup | undefined> {
    try {
      const res = await this.http.request('GET', paths.layer(diffId));
      const found = await readBoundedJson<LayerLookup>(
        res,
        RESPONSE_LIMITS.layerLookup,
        'layer lookup',
      );
      parseDigest(found.digest);
      return found;
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }
}

/** The descriptors of a referrers answer, validated as an image index. */
function referrersIndex(
  body: Buffer,
  contentType: string | null,
  name: string,
  subject: Digest,
): Descriptor[] {
  let parsed: ReturnType<typeof parseManifest>;
  try {
    parsed = parseManifest(body, contentType ?? MediaType.ociIndex);
  } catch (err) {
    if (!(err instanceof ManifestInvalidError)) throw err;
    throw new RegistryError(
      200,
      'MANIFEST_INVALID',
      `${name}@${subject}: the registry sent an invalid referrers list: ${err.message}`,
    );
  }
  if (parsed.kind !== 'index')
    throw new RegistryError(
      200,
      'MANIFEST_INVALID',
      `${name}@${subject}: the referrers list is a ${parsed.mediaType}, not an image index`,
    );
  return parsed.index.manifests;
}

/** The `rel="next"` target of a Link header (RFC 8288), if any. */
export function nextLink(header: string | null): string | undefined {
  for (const part of header?.split(',') ?? []) {
    const m = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (m && /(^|;)\s*rel\s*=\s*"?next"?\s*(;|$)/i.test(m[2] ?? '')) return m[1];
  }
  return undefined;
}

/** A blob GET's body as a Node stream: straight off the socket when the transport can. */
function blobStream(res: HttpAnswer, digest: Digest): Readable {
  const raw = res.nodeBody?.();
  if (raw) return raw;
  if (!res.body) throw new RegistryError(res.status, 'UNKNOWN', `empty body for ${digest}`);
  return Readable.fromWeb(res.body as import('node:stream/web').ReadableStream);
}
