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
  /** On a manifest PUT's answer: the digest of the manifest's `subject` (distribution-spec v1.1). */
  ociSubject: 'OCI-Subject',
  /** On a referrers answer: the filters the registry applied (`artifactType`). */
  ociFiltersApplied: 'OCI-Filters-Applied',
  /** Sent by the web page's requests, so a 401 does not open the browser's password dialog. */
  requestedWith: 'X-Requested-With',
  /**
   * docket's own, on a blob GET: `1` asks for a direct download (registry/services/
   * direct-gate.ts). The registry answers 409 DIRECT_DENIED when other hosts pull the blob,
   * and may cut the body short when one starts; the client then takes the swarm.
   */
  direct: 'Docket-Direct',
  /**
   * docket's own, on a webhook POST when the registry has a webhook secret:
   * `sha256=<hex>`, the HMAC-SHA256 of the body's bytes under that secret.
   */
  webhookSignature: 'X-Docket-Signature',
  /** docket's own: the registry's package version, on every answer (`docket version`). */
  docketVersion: 'Docket-Version',
} as const;

/** The value of Header.apiVersion on every answer (distribution-spec "Determining support"). */
export const API_VERSION = 'registry/2.0';
