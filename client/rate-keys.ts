import type { RateLimits } from '../lib/bandwidth.js';
import { type KeyTable, key } from '../lib/config-keys.js';

export type { RateLimits } from '../lib/bandwidth.js';

/**
 * A host's bandwidth caps, for `pull` and `agent` (`seed` takes the upload cap only: it
 * downloads nothing). Each cap is one budget for the whole process, BitTorrent and HTTP.
 */
export const RATE_KEYS: KeyTable<RateLimits> = {
  maxDownloadRate: key.rate({
    flag: '--max-download-rate',
    env: 'DOCKET_MAX_DOWNLOAD_RATE',
    description:
      'cap what this host downloads, from peers, the web seed and the registry over HTTP together',
    default: 0,
  }),
  maxUploadRate: key.rate({
    flag: '--max-upload-rate',
    env: 'DOCKET_MAX_UPLOAD_RATE',
    description: 'cap what this host uploads to its peers',
    default: 0,
  }),
};
