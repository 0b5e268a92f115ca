import { constants, createGzip, gzipSync } from 'node:zlib';
import type { Transform } from 'node:stream';

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
