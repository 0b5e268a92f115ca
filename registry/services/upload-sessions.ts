import { UploadUnknownError } from '../errors.js';

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
 * The open upload sessions of this process (the store's uploads/ is emptied at start, so
 * none outlive it). A session answers only to the repository and the token that opened
 * it, its requests run one at a time (so an offset is checked and appended to without
 * another request in between), and a session no request has written to (or finished,
 * or cancelled) for longer than `ttlMs` is expired.
 */
export class UploadSessions {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  open(id: string, owner: UploadOwner): void {
    this.sessions.set(id, { owner, lastUsed: this.now(), active: 0, tail: Promise.resolve() });
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
      session.lastUsed = this.now();
      return await fn();
    } finally {
      session.lastUsed = this.now();
      session.active--;
      release();
    }
  }

  /** Forgets a session (finished or cancelled). */
  close(id: string): void {
    this.sessions.delete(id);
  }

  /** Forgets the sessions idle for longer than the TTL and returns their ids. */
  takeExpired(): string[] {
    const out: string[] = [];
    for (const [id, session] of this.sessions) {
      if (this.isExpired(session)) {
        this.sessions.delete(id);
        out.push(id);
      }
    }
    return out;
  }

  private find(id: string, owner: UploadOwner): Session {
    const session = this.sessions.get(id);
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
