import type { Digest } from '../lib/digest.js';
import type { BlobCache, CachedBlob } from '../client/p2p/blob-cache.js';

/**
 * The agent's size bound over a BlobCache (client/p2p/blob-cache.ts; its own bound is left
 * unlimited so only this one evicts): least recently used blobs go first, but never a blob
 * in use (being served to a runtime, or being fetched). A blob is unseeded before its file
 * is removed (`beforeEvict`).
 */
export class AgentCache {
  private readonly pins = new Map<string, number>();
  private trimming: Promise<Digest[]> | undefined;

  constructor(
    readonly blobs: BlobCache,
    readonly maxBytes: number,
    private readonly beforeEvict: (digest: Digest) => Promise<void>,
  ) {}

  /** Marks a blob in use until the returned function is called (once). */
  pin(digest: string): () => void {
    this.pins.set(digest, (this.pins.get(digest) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (this.pins.get(digest) ?? 1) - 1;
      if (n <= 0) this.pins.delete(digest);
      else this.pins.set(digest, n);
    };
  }

  inUse(digest: string): boolean {
    return this.pins.has(digest);
  }

  /** Evicts least recently used blobs not in use until the total fits `maxBytes`. */
  trim(): Promise<Digest[]> {
    // One trim at a time: two would both count the same blobs as still there.
    const run = (this.trimming ?? Promise.resolve([])).then(() => this.trimOnce());
    this.trimming = run.catch(() => []);
    return run;
  }

  async usage(): Promise<{ blobs: number; bytes: number }> {
    const list = await this.blobs.list();
    return { blobs: list.length, bytes: list.reduce((sum, b) => sum + b.size, 0) };
  }

  private async trimOnce(): Promise<Digest[]> {
    const list = await this.blobs.list();
    let total = list.reduce((sum, b) => sum + b.size, 0);
    const evicted: Digest[] = [];
    for (const blob of lruFirst(list)) {
      if (total <= this.maxBytes) break;
      if (this.inUse(blob.digest)) continue;
      await this.beforeEvict(blob.digest);
      await this.blobs.remove(blob.digest);
      total -= blob.size;
      evicted.push(blob.digest);
    }
    return evicted;
  }
}

function lruFirst(list: CachedBlob[]): CachedBlob[] {
  return [...list].sort((a, b) => a.lastUsed.getTime() - b.lastUsed.getTime());
}
