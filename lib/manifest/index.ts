export { accepts, parseAccept } from './accept.js';
export { buildImageManifest } from './build.js';
export { isForeignLayer, MAX_INDEX_DEPTH, MAX_INDEX_ENTRIES, parseManifest } from './parse.js';
export {
  DEFAULT_PLATFORM,
  formatPlatform,
  parsePlatform,
  platformMatches,
  selectPlatform,
} from './platform.js';
export type { Descriptor, ImageIndex, ImageManifest, ParsedManifest, Platform } from './types.js';
