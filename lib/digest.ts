import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { DigestInvalidError, DigestMismatchError, SizeMismatchError } from './errors.js';

/** A content digest `sha256:<64 lowercase hex>` (OCI image-spec, descriptor.md#digests). */
export type Digest = string & { readonly __brand: 'Digest' };

const SHA256_RE = /^sha256:[a-f0-9]{64}$/;
/** Any algorithm the grammar allows; only sha256 is supported for content. */
const DIGEST_GRAMMAR_RE = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

export function isDigest(value: string): value is Digest {
  return SHA256_RE.test(value);
}

/** Parses a digest string; throws DigestInvalidError for anything but a well-formed sha256. */
export function parseDigest(value: string): Digest {
  if (SHA256_RE.test(value)) return value as Digest;
  if (DIGEST_GRAMMAR_RE.test(value) && !value.startsWith('sha256:')) {
    throw new DigestInvalidError(
      `unsupported digest algorithm in "${value}": only sha256 is supported`,
    );
  }
  throw new DigestInvalidError(`invalid digest "${value}": expected sha256:<64 hex characters>`);
}

export function digestHex(digest: Digest): string {
  return digest.slice('sha256:'.length);
}

export function sha256Digest(data: Buffer | string): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}` as Digest;
}

export interface HashResult {
  digest: Digest;
  size: number;
}

/**
 * A pass-through stream that hashes what flows through it. When `expect` is given,
 * the stream fails at its end with DigestMismatchError / SizeMismatchError instead
 * of finishing, so a pipeline writing to a temp file rejects before any rename.
 */
export class DigestStream extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private bytes = 0;
  private done: HashResult | undefined;

  constructor(private readonly expect: { digest?: Digest; size?: number } = {}) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    if (this.expect.size !== undefined && this.bytes > this.expect.size) {
      cb(new SizeMismatchError(this.expect.size, this.bytes));
      return;
    }
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    const digest = `sha256:${this.hash.digest('hex')}` as Digest;
    this.done = { digest, size: this.bytes };
    if (this.expect.size !== undefined && this.bytes !== this.expect.size) {
      cb(new SizeMismatchError(this.expect.size, this.bytes));
      return;
    }
    if (this.expect.digest !== undefined && digest !== this.expect.digest) {
      cb(new DigestMismatchError(this.expect.digest, digest));
      return;
    }
    cb();
  }

  /** The digest and size of everything that passed; only after the stream has ended. */
  result(): HashResult {
    if (!this.done) throw new Error('DigestStream.result() called before the stream ended');
    return this.done;
  }
}

/** The sha256 digest and size of a file's bytes, read as a stream. Throws the file's errors (e.g. ENOENT). */
export async function sha256File(path: string): Promise<HashResult> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { digest: `sha256:${hash.digest('hex')}` as Digest, size };
}
