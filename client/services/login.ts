import type { RegistryClient } from '../registry-client.js';

/** The repository the login probe opens (and cancels) an upload in. */
export const LOGIN_PROBE_REPOSITORY = 'docket/login-probe';

/**
 * Checks that the registry accepts the client's token for a write: opens a blob
 * upload (POST /v2/<probe>/blobs/uploads/, write-protected) and cancels it at once.
 * Nothing is stored. Throws UnauthorizedError for a wrong or missing token.
 */
export async function verifyWriteAccess(registry: RegistryClient): Promise<void> {
  await registry.ping();
  const upload = await registry.startUpload(LOGIN_PROBE_REPOSITORY);
  await registry.cancelUpload(upload);
}
