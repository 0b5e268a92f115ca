import { UploadUnknownError } from '../errors.js';
import type { UploadSessionRecords } from '../metadata/upload-sessions.js';

/** Who opened an upload session: the repository of its URL and the token's name. */
export interface UploadOwner {
  repository: string;
  /** The token's name; null for a request without credentials. */
  token: string | null;
}

interface Session {
  owner: UploadOwner;
  lastUsed: number;
  /** Requests holding or waiting for the session. */
  active: number;
  /** Settles when the last request queued on the session is done. */
  tail: Promise<void>;
}

/**
 * The open upload sessions. A session answers only to the repository and the token that
 * opened it, its requests run one at a time in this process (so an offset is checked and
 * appended to without another request in between), and a session no request has written
 * to (or finished, or cancelled) for longer than `ttlMs` is expired.
 *
 * With `shared` (the database's upload_sessions), registries sharing the database and the
 * blob store (replicas behind one URL) share the sessions: each is recorded with its owner
 * and last write, a registry continues one another started (the bytes are in the store),
 * and a session is expired only once no registry has written to it for `ttlMs`. Requests
 * on one session through two registries at once are not queued behind each other (a
 * client sends a session's chunks one after another; should two appends at one offset
 * race, one chunk replaces the other and the commit's digest check fails the upload).
 */
export class UploadSessions {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly shared?: UploadSessionRecords,
  ) {}

  open(id: string, owner: UploadOwner): void {
    const lastUsed = this.now();
    this.sessions.set(id, { owner, lastUsed, active: 0, tail: Promise.resolve() });
    this.shared?.insert({ id, ...owner, lastUsedMs: lastUsed });
  }

  /**
   * Checks that `owner` may use the session, without waiting for it and without counting
   * as activity (only writes keep a session alive). Throws UploadUnknownError.
   */
  check(id: string, owner: UploadOwner): void {
    this.find(id, owner);
  }

  /**
   * Runs `fn` once every earlier request on the session is done, and no other request in
   * the meantime. Throws UploadUnknownError (unknown, expired, closed while waiting, or
   * another repository's or token's session).
   */
  async run<T>(id: string, owner: UploadOwner, fn: () => Promise<T>): Promise<T> {
    const session = this.find(id, owner);
    const previous = session.tail;
    let release = (): void => {};
    session.tail = new Promise((done) => {
      release = done;
    });
    session.active++;
    try {
      await previous;
      if (this.sessions.get(id) !== session) throw new UploadUnknownError(id);
      this.used(id, session);
      return await fn();
    } finally {
      if (this.sessions.get(id) === session) this.used(id, session);
      session.active--;
      release();
    }
  }

  /** Forgets a session (finished or cancelled). */
  close(id: string): void {
    this.sessions.delete(id);
    this.shared?.delete(id);
  }

  /** Forgets the sessions idle for longer than the TTL and returns their ids. */
  takeExpired(): string[] {
    const out: string[] = [];
    for (const [id, session] of this.sessions) {
      if (this.isExpired(session)) {
        this.sessions.delete(id);
        // A shared session may be in use through another registry: the rows decide.
        if (!this.shared) out.push(id);
      }
    }
    if (!this.shared) return out;
    const cutoff = this.now() - this.ttlMs;
    for (const id of this.shared.idleSince(cutoff)) {
      if (this.sessions.get(id)?.active) continue;
      if (this.shared.deleteIfIdle(id, cutoff)) {
        this.sessions.delete(id);
        out.push(id);
      }
    }
    return out;
  }

  private used(id: string, session: Session): void {
    session.lastUsed = this.now();
    this.shared?.touch(id, session.lastUsed);
  }

  /** This process's session, or one a registry sharing the database opened or used since. */
  private lookup(id: string): Session | undefined {
    const local = this.sessions.get(id);
    if (!this.shared || (local && !this.isExpired(local))) return local;
    const row = this.shared.get(id);
    if (!row) return local;
    const session = local ?? {
      owner: { repository: row.repository, token: row.token },
      lastUsed: row.lastUsedMs,
      active: 0,
      tail: Promise.resolve(),
    };
    session.lastUsed = Math.max(session.lastUsed, row.lastUsedMs);
    this.sessions.set(id, session);
    return session;
  }

  private find(id: string, owner: UploadOwner): Session {
    const session = this.lookup(id);
    if (
      !session ||
      this.isExpired(session) ||
      session.owner.repository !== owner.repository ||
      session.owner.token !== owner.token
    )
      throw new UploadUnknownError(id);
    return session;
  }

  private isExpired(session: Session): boolean {
    return session.active === 0 && this.now() - session.lastUsed > this.ttlMs;
  }
}
