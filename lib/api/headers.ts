/**
 * Header names of the OCI distribution API that the registry sets and the client reads
 * (distribution-spec "Pushing blobs", "Pulling manifests"), as the registry spells them;
 * HTTP header names are case-insensitive (RFC 9110 §5.1).
 */
export const Header = {
  apiVersion: 'Docker-Distribution-API-Version',
  contentDigest: 'Docker-Content-Digest',
  location: 'Location',
  uploadUuid: 'Docker-Upload-UUID',
  /** Sent by the web page's requests, so a 401 does not open the browser's password dialog. */
  requestedWith: 'X-Requested-With',
  /** docket's own: the registry's package version, on every answer (`docket version`). */
  docketVersion: 'Docket-Version',
} as const;

/** The value of Header.apiVersion on every answer (distribution-spec "Determining support"). */
export const API_VERSION = 'registry/2.0';
