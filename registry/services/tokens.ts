import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import type { Metadata } from '../metadata/metadata.js';

export const ADMIN_TOKEN_NAME = 'admin';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** API tokens: random secrets, stored as sha256 hashes, known to the client by value only. */
export class TokenService {
  constructor(private readonly metadata: Metadata) {}

  /**
   * Reads the admin token from `file`, or creates one (file mode 0600) at first start.
   * Either way its hash is in the tokens table afterwards.
   */
  async ensureAdminToken(file: string): Promise<{ token: string; created: boolean }> {
    let token: string | undefined;
    try {
      token = (await readFile(file, 'utf8')).trim() || undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const created = token === undefined;
    if (token === undefined) {
      token = randomBytes(32).toString('base64url');
      await writeFile(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
    }
    this.metadata.tokens.upsert(ADMIN_TOKEN_NAME, hashToken(token));
    return { token, created };
  }

  /** Creates a named token; returns its value (shown once, never stored). */
  create(name: string): string {
    const token = randomBytes(32).toString('base64url');
    this.metadata.tokens.insert(name, hashToken(token));
    return token;
  }

  /** The token's name when `token` is valid. */
  verify(token: string): string | undefined {
    return this.metadata.tokens.findByHash(hashToken(token))?.name;
  }
}
