import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { ConfigError } from '../../lib/errors.js';

const SECRET_BYTES = 32;

/**
 * The key of every passkey and signed URL (signing.ts): 32 random bytes, base64url in
 * `file` (mode 0600), created at first start. Replacing the file revokes every passkey
 * and signed URL handed out before.
 */
export async function ensureServerSecret(file: string): Promise<Buffer> {
  try {
    const text = (await readFile(file, 'utf8')).trim();
    const secret = Buffer.from(text, 'base64url');
    if (secret.length >= SECRET_BYTES) return secret;
    throw new ConfigError(`${file}: server secret shorter than ${SECRET_BYTES} bytes`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const secret = randomBytes(SECRET_BYTES);
  await writeFile(file, `${secret.toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  return secret;
}
