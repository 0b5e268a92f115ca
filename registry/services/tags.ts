import type { Digest } from '../../lib/digest.js';
import { DigestInvalidError } from '../../lib/errors.js';
import { ManifestUnknownError, NameUnknownError } from '../errors.js';
import type { TagHistoryEntry } from '../metadata/tags.js';
import type { Metadata } from '../metadata/metadata.js';

/** Listing page size when the client gives no `n` (distribution-spec "Listing tags"). */
export const DEFAULT_PAGE_SIZE = 1000;

export interface Page<T> {
  items: T[];
  /** The `last` to ask for the next page with; undefined on the last page. */
  next?: string;
}

/** Tag and repository listings with `n`/`last` pagination, and tag history. */
export class TagService {
  constructor(private readonly metadata: Metadata) {}

  /** Tags of `repository`; throws NameUnknownError when it holds nothing. */
  list(repository: string, n: number | undefined, last: string | undefined): Page<string> {
    if (!this.metadata.manifests.hasRepository(repository)) throw new NameUnknownError(repository);
    return page(n, (limit) => this.metadata.tags.list(repository, limit, last));
  }

  catalog(n: number | undefined, last: string | undefined): Page<string> {
    return page(n, (limit) => this.metadata.manifests.repositories(limit, last));
  }

  /** Every manifest the tag pointed to, newest first; throws NameUnknownError. */
  history(repository: string, tag: string): TagHistoryEntry[] {
    const entries = this.metadata.tags.history(repository, tag);
    if (entries.length === 0) throw new NameUnknownError(`${repository}:${tag}`);
    return entries;
  }

  /**
   * Moves a tag back: to `to` (a manifest digest the repository holds, or a unique prefix
   * of one in the tag's history, with or without `sha256:`: the 12 hex digits `docket
   * history` prints), or to the manifest it pointed at `steps` moves ago (default 1;
   * pushes and rollbacks are moves, deletes are not). The rollback is itself appended to
   * the history. Throws NameUnknownError (no history), DigestInvalidError (`to` is not hex,
   * or a prefix of several manifests), ManifestUnknownError (no such move or prefix, or the
   * manifest is not held any more), each saying which and what to do.
   */
  rollback(
    repository: string,
    tag: string,
    target: { to?: string; steps?: number },
    by: string | null,
  ): { from: Digest | null; to: Digest } {
    return this.metadata.transaction(() => {
      const ref = `${repository}:${tag}`;
      const history = this.history(repository, tag);
      const to =
        target.to === undefined
          ? stepsBack(ref, history, target.steps ?? 1)
          : inHistory(ref, history, target.to);
      if (!this.metadata.manifests.getInRepository(repository, to))
        throw new ManifestUnknownError(
          repository,
          to,
          `manifest ${to} of ${ref} is not held any more (swept by docket gc)`,
        );
      const from = this.metadata.tags.get(repository, tag)?.manifestDigest ?? null;
      this.metadata.tags.set(repository, tag, to, by, 'rollback');
      return { from, to };
    });
  }

  resolve(repository: string, tag: string): Digest | undefined {
    return this.metadata.tags.get(repository, tag)?.manifestDigest;
  }
}

function page(n: number | undefined, fetch: (limit: number) => string[]): Page<string> {
  const size = n ?? DEFAULT_PAGE_SIZE;
  if (size === 0) return { items: [] };
  const rows = fetch(size + 1);
  const items = rows.slice(0, size);
  return rows.length > size ? { items, next: items[items.length - 1] } : { items };
}

/** The manifest `steps` moves before the current one (deletes are not moves). */
function stepsBack(ref: string, history: TagHistoryEntry[], steps: number): Digest {
  const moves = history.filter((e) => e.action !== 'delete');
  const to = moves[steps]?.manifestDigest;
  if (to === undefined)
    throw new ManifestUnknownError(
      ref.slice(0, ref.lastIndexOf(':')),
      ref,
      `${ref} has ${moves.length - 1} earlier ${moves.length - 1 === 1 ? 'move' : 'moves'}: ` +
        `${steps} back goes past the oldest (\`docket history ${ref}\` lists them)`,
    );
  return to as Digest;
}

/** A full digest as it is, or the one manifest of the tag's history a hex prefix names. */
function inHistory(ref: string, history: TagHistoryEntry[], to: string): Digest {
  const hex = to.startsWith('sha256:') ? to.slice('sha256:'.length) : to;
  if (!/^[0-9a-f]{1,64}$/.test(hex))
    throw new DigestInvalidError(`"${to}" is not a digest or a prefix of one (hex digits)`);
  if (hex.length === 64) return `sha256:${hex}` as Digest;
  const found = [...new Set(history.map((e) => e.manifestDigest))].filter((d) =>
    d.startsWith(`sha256:${hex}`),
  );
  if (found.length === 0)
    throw new ManifestUnknownError(
      ref.slice(0, ref.lastIndexOf(':')),
      to,
      `no manifest in the history of ${ref} starts with ${hex} (\`docket history ${ref}\` lists them)`,
    );
  if (found.length > 1)
    throw new DigestInvalidError(
      `${hex} is the start of ${found.length} manifests in the history of ${ref}: give more of the digest`,
    );
  return found[0] as Digest;
}
