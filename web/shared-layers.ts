import type { ImageSummary } from '../lib/api/bodies.js';

/** `repository:tag` */
export function imageRef(image: Pick<ImageSummary, 'repository' | 'tag'>): string {
  return `${image.repository}:${image.tag}`;
}

/**
 * For each layer digest, the images (`repository:tag`) that hold it, sorted. A layer
 * stored once serves every image that lists it: this is what the page shows as "shared
 * with".
 */
export function layerUsers(images: ImageSummary[]): Map<string, string[]> {
  const users = new Map<string, Set<string>>();
  for (const image of images) {
    for (const layer of image.layers) {
      let set = users.get(layer.digest);
      if (!set) {
        set = new Set();
        users.set(layer.digest, set);
      }
      set.add(imageRef(image));
    }
  }
  return new Map([...users].map(([digest, set]) => [digest, [...set].sort()]));
}

/** The images other than `self` that share the layer. */
export function sharedWith(users: Map<string, string[]>, digest: string, self: string): string[] {
  return (users.get(digest) ?? []).filter((ref) => ref !== self);
}

/** Images whose reference, digest or platform contains every word of `query`. */
export function filterImages(images: ImageSummary[], query: string): ImageSummary[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return images;
  return images.filter((image) => {
    const text = [imageRef(image), image.digest, ...image.platforms].join(' ').toLowerCase();
    return words.every((w) => text.includes(w));
  });
}

/** Which images each blob belongs to, by digest: to label swarms with image names. */
export function blobImages(images: ImageSummary[]): Map<string, string[]> {
  const out = layerUsers(images);
  for (const image of images) {
    if (!image.configDigest) continue;
    const list = out.get(image.configDigest) ?? [];
    if (!list.includes(imageRef(image))) out.set(image.configDigest, [...list, imageRef(image)]);
  }
  return out;
}
