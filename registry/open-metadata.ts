import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ConfigError } from '../lib/errors.js';
import { openPostgres, openSqlite } from './metadata/database.js';
import { parseDatabaseUrl } from './metadata/database-url.js';
import { Metadata } from './metadata/metadata.js';
import { redactUrl } from './metadata/postgres-db.js';

const DATABASE = 'docket.db';

/**
 * The database `--database` names cannot be used: unreachable, refused the credentials,
 * failed a migration, or pg-native is not installed (exit code 11, as a port in use).
 */
export class DatabaseUnusableError extends ConfigError {}

/**
 * Opens (creating or migrating) the metadata `database` names: a PostgreSQL database
 * (`postgres://…`), else `<dataDir>/docket.db`, whose files it makes private: SQLite
 * creates them with the process umask, and the metadata holds token hashes. Throws
 * DatabaseUnusableError.
 */
export async function openMetadata(
  dataDir: string,
  database: string | undefined,
  logger: Logger,
): Promise<Metadata> {
  if (database !== undefined) {
    const { url } = parseDatabaseUrl(database);
    let metadata: Metadata;
    try {
      metadata = new Metadata(await openPostgres(url));
    } catch (err) {
      throw new DatabaseUnusableError(`--database ${redactUrl(url)}: ${(err as Error).message}`);
    }
    logger.info({ database: redactUrl(url) }, 'metadata in PostgreSQL');
    return metadata;
  }
  const metadata = new Metadata(openSqlite(join(dataDir, DATABASE)));
  try {
    for (const file of [DATABASE, `${DATABASE}-wal`, `${DATABASE}-shm`]) {
      await chmod(join(dataDir, file), 0o600).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
    }
  } catch (err) {
    metadata.close();
    throw err;
  }
  return metadata;
}
