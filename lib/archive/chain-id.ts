import { type Digest, sha256Digest } from '../digest.js';

/**
 * The ChainID of every prefix of a layer stack, bottom first (OCI image-spec
 * config.md, "Layer ChainID"): ChainID(L0) = DiffID(L0) and
 * ChainID(L0|...|Ln) = SHA256(ChainID(L0|...|Ln-1) + " " + DiffID(Ln)).
 * The engine keys its layers by ChainID, so this is how a layer is recognised as present.
 */
export function chainIds(diffIds: readonly Digest[]): Digest[] {
  const out: Digest[] = [];
  for (const diffId of diffIds) {
    const parent = out[out.length - 1];
    out.push(parent === undefined ? diffId : sha256Digest(`${parent} ${diffId}`));
  }
  return out;
}
