import { Transform, type TransformCallback } from 'node:stream';
import { constants, createGunzip, createGzip, gzipSync } from 'node:zlib';
import { GunzipLimitError } from '../errors.js';

/**
 * Fixed deflate parameters for layer blobs. Deflate output depends only on these and on
 * the zlib build, so one layer tar always compresses to the same bytes (and blob digest)
 * on a given Node, whichever process (tarball import, `docket push`) compresses it.
 * Level 6 is zlib's default speed/size trade-off; Node's gzip header carries no name and
 * mtime 0, so it adds no variation.
 */
export const LAYER_GZIP_OPTIONS = Object.freeze({
  level: 6,
  memLevel: 8,
  windowBits: 15,
  strategy: constants.Z_DEFAULT_STRATEGY,
});

/** A gzip-compressing Transform with LAYER_GZIP_OPTIONS. */
export function gzipLayer(): Transform {
  return createGzip(LAYER_GZIP_OPTIONS);
}

/** True when `firstBytes` start with the gzip magic number 1f 8b (RFC 1952, 2.3.1). */
export function isGzip(firstBytes: Uint8Array): boolean {
  return firstBytes.length >= 2 && firstBytes[0] === 0x1f && firstBytes[1] === 0x8b;
}

/** Bytes of a layer that `gzipPays` looks at. */
export const GZIP_SAMPLE_BYTES = 1024 * 1024;

/**
 * Whether gzip is worth it for a layer that starts with `sample` (its first
 * GZIP_SAMPLE_BYTES): true when the sample shrinks by at least 10%. Deflate runs at
 * ~36 MB/s on incompressible bytes on this kind of machine, whatever the level, and every
 * host pulling the layer then pays for gunzip too, for nothing. A layer that does not
 * compress is better pushed as the plain tar it is (docker and containerd take both).
 */
export function gzipPays(sample: Uint8Array): boolean {
  if (sample.length === 0) return true;
  return gzipSync(sample, LAYER_GZIP_OPTIONS).length <= 0.9 * sample.length;
}

/**
 * Bounds on gunzipping bytes someone else chose. Deflate expands up to ~1000 times, so a
 * 1 MiB upload can cost a GiB of inflating without them.
 */
export interface GunzipBounds {
  /** Most uncompressed bytes. */
  maxBytes: number;
  /** Most uncompressed bytes per compressed byte so far, once past RATIO_GRACE_BYTES. */
  maxRatio: number;
}

/**
 * Uncompressed bytes let through before the ratio counts: a real layer's first files
 * (or one large empty file) may compress far better than the layer as a whole.
 */
export const RATIO_GRACE_BYTES = 64 * 1024 * 1024;

/** Counts both sides of one gunzip and says when it goes beyond its bounds. */
export class GunzipMeter {
  private compressed = 0;
  private uncompressed = 0;

  constructor(
    private readonly bounds: GunzipBounds,
    private readonly path: string,
  ) {}

  input(bytes: number): void {
    this.compressed += bytes;
  }

  /** Counts uncompressed bytes; the error to fail with once beyond a bound. */
  output(bytes: number): GunzipLimitError | undefined {
    this.uncompressed += bytes;
    const { maxBytes, maxRatio } = this.bounds;
    const tooLarge = this.uncompressed > maxBytes;
    const tooDense =
      this.uncompressed > RATIO_GRACE_BYTES &&
      this.uncompressed > maxRatio * Math.max(1, this.compressed);
    if (!tooLarge && !tooDense) return undefined;
    const read = { compressed: this.compressed, uncompressed: this.uncompressed };
    return new GunzipLimitError(this.path, this.bounds, read);
  }
}

/**
 * Gunzip as pipeline stages that fail with GunzipLimitError once the output goes beyond
 * `bounds` (the pipeline then stops inflating).
 */
export function gunzipWithin(bounds: GunzipBounds, path: string): Transform[] {
  const meter = new GunzipMeter(bounds, path);
  const count = new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      meter.input(chunk.length);
      cb(null, chunk);
    },
  });
  const check = new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      cb(meter.output(chunk.length) ?? null, chunk);
    },
  });
  return [count, createGunzip(), check];
}
