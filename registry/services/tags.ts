import type { Digest } from '../../lib/digest.js';
import { isDigest } from '../../lib/digest.js';
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
   * Moves a tag back: to `to` (a manifest the repository holds), or to the manifest it
   * pointed at `steps` moves ago (default 1; pushes and rollbacks are moves, deletes are
   * not). The rollback is itself appended to the history. Throws NameUnknownError (no
   * history), ManifestUnknownError (no such move, or the manifest is not held any more).
   */
  rollback(
    repository: string,
    tag: string,
    target: { to?: Digest; steps?: number },
    by: string | null,
  ): { from: Digest | null; to: Digest } {
    return this.metadata.transaction(() => {
      const moves = this.history(repository, tag).filter((e) => e.action !== 'delete');
      const steps = target.steps ?? 1;
      const to = target.to ?? moves[steps]?.manifestDigest;
      if (!to || !isDigest(to) || !this.metadata.manifests.getInRepository(repository, to))
        throw new ManifestUnknownError(repository, target.to ?? `${tag}~${steps}`);
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
