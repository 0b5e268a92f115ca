import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { Metadata } from './metadata/metadata.js';

const DATABASE = 'docket.db';

/**
 * Opens (creating or migrating) `<dataDir>/docket.db` and makes its files private: SQLite
 * creates them with the process umask, and the metadata holds token hashes.
 */
export async function openMetadata(dataDir: string): Promise<Metadata> {
  const metadata = Metadata.open(join(dataDir, DATABASE));
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
