import { ArchiveError } from '../errors.js';
import { configDiffIds, isObject, parseJson } from './resolve.js';

/** Label on the scaffold images of a layer-by-layer load (see stepConfig). */
export const STEP_IMAGE_LABEL = 'io.docket.load-step';

/**
 * The config of a scaffold image holding the bottom `layers` layers of `config`'s image.
 *
 * Why: `docker load` copies its whole tarball to a temp dir before it registers any layer
 * (moby image/tarexport/load.go), so one load of a whole image cannot overlap extraction
 * with the download. Loading one layer at a time — each load an image of layers 1..k whose
 * lower k-1 layers the engine already holds — lets the engine extract layer k while layer
 * k+1 still downloads, as `docker pull` does. Each step needs an image config naming
 * exactly those k layers: this one. It keeps only what the engine checks (os,
 * architecture, variant, rootfs) and labels the image with `pullId`, so that two pulls
 * sharing base layers never share (and delete) each other's scaffold images.
 */
export function stepConfig(config: Buffer, layers: number, pullId: string): Buffer {
  const parsed = parseJson(config, 'config');
  const diffIds = configDiffIds(parsed, 'config');
  if (!Number.isInteger(layers) || layers < 1 || layers > diffIds.length) {
    throw new ArchiveError(
      'invalid-manifest',
      `a load step of ${layers} layers, the image has ${diffIds.length}`,
    );
  }
  const c = isObject(parsed) ? parsed : {};
  const pick = (key: string) => (typeof c[key] === 'string' ? { [key]: c[key] } : {});
  return Buffer.from(
    JSON.stringify({
      ...pick('architecture'),
      ...pick('os'),
      ...pick('variant'),
      config: { Labels: { [STEP_IMAGE_LABEL]: pullId } },
      rootfs: { type: 'layers', diff_ids: diffIds.slice(0, layers) },
    }),
  );
}
