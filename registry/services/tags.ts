import type { Digest } from '../../lib/digest.js';
import { NameUnknownError } from '../errors.js';
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
