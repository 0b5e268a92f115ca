import { createHash, randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import type { CreatedToken, TokenInfo } from '../../lib/api/bodies.js';
import {
  grantScopes,
  parseScope,
  type RepositoryAccess,
  type Scope,
  ScopeInvalidError,
} from '../../lib/api/scopes.js';
import { TokenExistsError, TokenInvalidError, TokenUnknownError } from '../errors.js';
import type { Metadata } from '../metadata/metadata.js';
import type { TokenRecord } from '../metadata/tokens.js';
import { accessTokenValid, readAccessToken, signAccessToken } from '../private/signing.js';

export const ADMIN_TOKEN_NAME = 'admin';

/** Token names: what fits a URL segment, a table cell and a file name. */
const TOKEN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** How often open streams of a token (events) check it is still the same live token. */
export const TOKEN_CHECK_INTERVAL_MS = 5_000;

/** How long an access token from /v2/token lasts (its `expires_in`). */
export const ACCESS_TOKEN_TTL_SECONDS = 300;

/** last_used_at is written at most this often per token (it is shown to the minute). */
const TOUCH_EVERY_MS = 60_000;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A token that exists and has not expired, as requests are authorized with it. */
export interface ActiveToken {
  id: number;
  name: string;
  scopes: Scope[];
  /** The per-token key of its passkeys and signed URLs; rotation replaces it. */
  secret: string;
  /**
   * Set for an access token (/v2/token): the docket token it was issued from, whose
   * scopes are a superset of `scopes` (the granted access only).
   */
  issuedFrom?: ActiveToken;
}

export interface TokenServiceOptions {
  /** Milliseconds since the epoch; injectable for tests. */
  now?: () => number;
  checkEveryMs?: number;
  /** The server secret access tokens are signed with (server-secret.ts); none: not issued. */
  accessTokenKey?: Buffer;
}

type Watcher = { secret: string; onEnd: () => void };

/**
 * API tokens: random 256-bit values, stored as sha256 hashes with their scopes
 * (lib/api/scopes.ts), a per-token secret, an optional expiry and the time of last use.
 * A token works while its row exists, has not expired and (for passkeys and signed URLs)
 * carries the secret they were made with: revoke deletes the row, rotate replaces hash
 * and secret. `watch` tells long-lived requests when their token stops working: at once
 * on revoke and rotate through this service, else (expiry, another process) within
 * TOKEN_CHECK_INTERVAL_MS.
 */
export class TokenService {
  private readonly now: () => number;
  private readonly checkEveryMs: number;
  private readonly watchers = new Map<number, Set<Watcher>>();
  private readonly touched = new Map<number, number>();
  private readonly endListeners = new Set<(tokenId: number) => void>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly metadata: Metadata,
    private readonly opts: TokenServiceOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.checkEveryMs = opts.checkEveryMs ?? TOKEN_CHECK_INTERVAL_MS;
  }

  /**
   * Reads the admin token from `file`, or creates one (file mode 0600) at first start.
   * With the file, its hash is in the tokens table afterwards, with scope `admin` (a
   * changed file is a rotation). Without it, a database that holds an admin token already
   * (made by another registry sharing it: a replica) keeps it, and `token` is undefined:
   * only that registry's admin-token file holds the value, which the operator may copy to
   * `file`. Two registries starting together on a new database make one admin token: the
   * one that loses the race removes its file again.
   */
  async ensureAdminToken(file: string): Promise<{ token: string | undefined; created: boolean }> {
    let token: string | undefined;
    try {
      token = (await readFile(file, 'utf8')).trim() || undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (token !== undefined) {
      this.metadata.tokens.upsert(ADMIN_TOKEN_NAME, hashToken(token), ['admin'], newSecret());
      return { token, created: false };
    }
    if (this.metadata.tokens.findByName(ADMIN_TOKEN_NAME)) return { token, created: false };
    token = newSecret();
    await writeFile(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
    if (
      this.metadata.tokens.insertIfAbsent(
        ADMIN_TOKEN_NAME,
        hashToken(token),
        ['admin'],
        newSecret(),
      )
    )
      return { token, created: true };
    await rm(file, { force: true });
    return { token: undefined, created: false };
  }

  /**
   * Creates a named token with `scopes`, expiring after `expiresInSeconds` (never when
   * absent). Returns it with its value, shown once and never stored. Throws
   * TokenInvalidError, TokenExistsError.
   */
  create(req: { name: string; scopes: string[]; expiresInSeconds?: number }): CreatedToken {
    checkName(req.name);
    const scopes = checkScopes(req.scopes);
    const { expiresInSeconds } = req;
    if (
      expiresInSeconds !== undefined &&
      (!Number.isSafeInteger(expiresInSeconds) || expiresInSeconds <= 0)
    )
      throw new TokenInvalidError(`expiry must be a positive number of seconds`);
    if (this.metadata.tokens.findByName(req.name)) throw new TokenExistsError(req.name);
    const token = newSecret();
    const record = this.metadata.tokens.insert({
      name: req.name,
      hash: hashToken(token),
      scopes,
      secret: newSecret(),
      expiresAt:
        expiresInSeconds === undefined
          ? null
          : new Date(this.now() + expiresInSeconds * 1000).toISOString(),
    });
    return { ...info(record), token };
  }

  list(): TokenInfo[] {
    return this.metadata.tokens.list().map(info);
  }

  /** Deletes the token: it stops working at once. Throws TokenUnknownError, TokenInvalidError. */
  revoke(name: string): void {
    notAdmin(name, 'revoked');
    const record = this.metadata.tokens.findByName(name);
    if (!record || !this.metadata.tokens.delete(name)) throw new TokenUnknownError(name);
    this.ended(record.id);
  }

  /**
   * A new value and secret for the token: the old value, its passkeys and signed URLs
   * stop working at once. Throws TokenUnknownError, TokenInvalidError.
   */
  rotate(name: string): CreatedToken {
    notAdmin(name, 'rotated');
    const token = newSecret();
    if (!this.metadata.tokens.rotate(name, hashToken(token), newSecret()))
      throw new TokenUnknownError(name);
    const record = this.metadata.tokens.findByName(name) as TokenRecord;
    this.ended(record.id);
    return { ...info(record), token };
  }

  /**
   * The live token whose value is `token` (and notes its use), or the access token
   * `token` is, while its docket token is live with the secret it was signed with and it
   * has not expired; undefined otherwise.
   */
  verify(token: string): ActiveToken | undefined {
    const claims = readAccessToken(token);
    if (claims) {
      const from = this.byId(claims.tokenId);
      const key = this.opts.accessTokenKey;
      const now = Math.floor(this.now() / 1000);
      if (!from || !key || !accessTokenValid(key, token, from.secret, now)) return undefined;
      this.touch(from.id);
      return { ...from, scopes: grantScopes(claims.access), issuedFrom: from };
    }
    const record = this.metadata.tokens.findByHash(hashToken(token));
    const active = record && this.active(record);
    if (active) this.touch(active.id);
    return active;
  }

  /**
   * An access token for `access` (already narrowed to what `token` holds:
   * lib/api/scopes.ts grantRequested), valid ACCESS_TOKEN_TTL_SECONDS; undefined when no
   * key was given.
   */
  issueAccessToken(token: ActiveToken, access: RepositoryAccess[]): string | undefined {
    const key = this.opts.accessTokenKey;
    if (!key) return undefined;
    const from = token.issuedFrom ?? token;
    const expires = Math.floor(this.now() / 1000) + ACCESS_TOKEN_TTL_SECONDS;
    return signAccessToken(key, { tokenId: from.id, access, expires }, from.secret);
  }

  /** The live token with id `id`. */
  byId(id: number): ActiveToken | undefined {
    const record = this.metadata.tokens.findById(id);
    return record && this.active(record);
  }

  /** The live token named `name`. */
  byName(name: string): ActiveToken | undefined {
    const record = this.metadata.tokens.findByName(name);
    return record && this.active(record);
  }

  /**
   * Calls `onEnd` once when `token` stops working (revoked, rotated, expired); returns
   * the function that stops watching.
   */
  watch(token: ActiveToken, onEnd: () => void): () => void {
    const watcher: Watcher = { secret: token.secret, onEnd };
    const set = this.watchers.get(token.id) ?? new Set<Watcher>();
    this.watchers.set(token.id, set);
    set.add(watcher);
    this.timer ??= setInterval(() => this.check(), this.checkEveryMs).unref();
    return () => this.unwatch(token.id, watcher);
  }

  /**
   * Calls `listener` with the token's id whenever a token is revoked or rotated through
   * this service (the seeder closes its peers' wires); returns the function that stops it.
   */
  onEnded(listener: (tokenId: number) => void): () => void {
    this.endListeners.add(listener);
    return () => this.endListeners.delete(listener);
  }

  /** Stops the periodic check (open watchers are left alone). */
  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private check(): void {
    for (const [id, set] of this.watchers) {
      const current = this.byId(id);
      for (const w of set) if (current?.secret !== w.secret) this.fire(id, w);
    }
  }

  private ended(id: number): void {
    for (const w of this.watchers.get(id) ?? []) this.fire(id, w);
    for (const listener of this.endListeners) {
      try {
        listener(id);
      } catch {
        // One listener's failure is its own; the others are still told.
      }
    }
  }

  private fire(id: number, w: Watcher): void {
    this.unwatch(id, w);
    try {
      w.onEnd();
    } catch {
      // A closing stream's failure is its own; the others are still told.
    }
  }

  private unwatch(id: number, w: Watcher): void {
    const set = this.watchers.get(id);
    set?.delete(w);
    if (set?.size === 0) this.watchers.delete(id);
    if (this.watchers.size === 0) this.close();
  }

  private active(record: TokenRecord): ActiveToken | undefined {
    if (record.expiresAt !== null && Date.parse(record.expiresAt) <= this.now()) return undefined;
    const scopes: Scope[] = [];
    for (const s of record.scopes) {
      try {
        scopes.push(parseScope(s));
      } catch {
        // A scope this version cannot read grants nothing.
      }
    }
    return { id: record.id, name: record.name, scopes, secret: record.secret };
  }

  private touch(id: number): void {
    const now = this.now();
    if (now - (this.touched.get(id) ?? 0) < TOUCH_EVERY_MS) return;
    this.touched.set(id, now);
    this.metadata.tokens.touch(id, new Date(now).toISOString());
  }
}

function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

function info(r: TokenRecord): TokenInfo {
  return {
    name: r.name,
    scopes: r.scopes,
    createdAt: r.createdAt,
    expiresAt: r.expiresAt,
    lastUsedAt: r.lastUsedAt,
  };
}

function checkName(name: string): void {
  if (typeof name !== 'string' || !TOKEN_NAME.test(name))
    throw new TokenInvalidError(
      `invalid token name "${String(name)}": 1-64 of A-Z a-z 0-9 . _ -, starting with a letter or digit`,
    );
  notAdmin(name, 'created');
}

function notAdmin(name: string, what: string): void {
  if (name === ADMIN_TOKEN_NAME)
    throw new TokenInvalidError(
      `the admin token is not ${what} here: it is the data directory's admin-token file (replace it and restart)`,
    );
}

function checkScopes(scopes: unknown): string[] {
  if (!Array.isArray(scopes) || scopes.length === 0)
    throw new TokenInvalidError('a token needs at least one scope');
  const out = new Set<string>();
  for (const s of scopes) {
    if (typeof s !== 'string') throw new TokenInvalidError('scopes are strings');
    try {
      parseScope(s);
    } catch (err) {
      if (err instanceof ScopeInvalidError) throw new TokenInvalidError(err.message);
      throw err;
    }
    out.add(s);
  }
  return [...out];
}
