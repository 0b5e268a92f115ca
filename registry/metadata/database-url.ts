import { redactUrl } from './postgres-db.js';

/**
 * Where the registry keeps its metadata, as `--database` names it: the SQLite file
 * `<data-dir>/docket.db` when unset, or a PostgreSQL database
 * `postgres://USER:PASSWORD@HOST[:PORT]/DATABASE[?sslmode=…]` (libpq's URI form:
 * https://www.postgresql.org/docs/15/libpq-connect.html#LIBPQ-CONNSTRING).
 */
export type DatabaseLocation = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

export const DATABASE_URL_FORMS = 'postgres://USER:PASSWORD@HOST[:PORT]/DATABASE';

/** A `--database` value that names no database docket can open; its text is redacted. */
export class DatabaseUrlError extends Error {
  readonly url: string;
  constructor(
    url: string,
    readonly why: string,
  ) {
    const redacted = redactUrl(url);
    super(`database "${redacted}": ${why}`);
    this.name = 'DatabaseUrlError';
    this.url = redacted;
  }
}

/** Parses a `--database` value; throws DatabaseUrlError. */
export function parseDatabaseUrl(text: string): { kind: 'postgres'; url: string } {
  const value = text.trim();
  if (value === '') throw new DatabaseUrlError(text, 'empty');
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value)?.[1]?.toLowerCase();
  if (scheme === undefined) throw new DatabaseUrlError(text, 'not a URL');
  if (scheme !== 'postgres' && scheme !== 'postgresql')
    throw new DatabaseUrlError(text, `unknown scheme "${scheme}:"`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new DatabaseUrlError(text, 'not a URL');
  }
  if (!url.hostname) throw new DatabaseUrlError(text, 'no host');
  if (url.pathname.length <= 1 || url.pathname.slice(1).includes('/'))
    throw new DatabaseUrlError(text, 'no database name (postgres://…/DATABASE)');
  return { kind: 'postgres', url: value };
}
