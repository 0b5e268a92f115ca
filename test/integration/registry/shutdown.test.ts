import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { paths } from '../../../lib/api/index.js';
import { sha256Digest } from '../../../lib/digest.js';
import { DEFAULT_CONFIG, type RegistryConfig } from '../../../registry/config.js';
import { type RunningRegistry, startRegistry } from '../../../registry/main.js';
import { announceOnce } from '../../helpers/announce.js';
import { tempDir } from '../../helpers/temp-dir.js';

/** A debug logger whose lines the test reads: the shutdown steps are logged as they close. */
function capture() {
  const lines: { msg: string; step?: string; level: number }[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}

const closedSteps = (lines: { msg: string; step?: string }[]) =>
  lines.filter((l) => l.msg === 'closed').map((l) => l.step);

function refusesConnections(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      done(false);
    });
    socket.once('error', () => done(true));
  });
}

describe('the composition root: start, work, close', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  const config = (overrides: Partial<RegistryConfig> = {}): RegistryConfig => ({
    ...DEFAULT_CONFIG,
    host: '127.0.0.1',
    port: 0,
    dataDir: dir.dir,
    gcIntervalSeconds: 3600,
    webhookUrls: ['http://127.0.0.1:1/hook'],
    webhookAttempts: 1,
    ...overrides,
  });
  beforeEach(async () => {
    dir = await tempDir('docket-shutdown-');
  });
  afterEach(() => dir.cleanup());

  it('closes in reverse order of building: the port and the database are closed, and a restart finds the data', async () => {
    const { logger, lines } = capture();
    const registry: RunningRegistry = await startRegistry(config(), { logger });
    const auth = { authorization: `Bearer ${registry.adminToken}` };
    const bytes = Buffer.from('a blob pushed before shutdown');
    const digest = sha256Digest(bytes);
    const pushed = await fetch(`${registry.url}/v2/app/blobs/uploads/?digest=${digest}`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    expect(pushed.status).toBe(201);
    const session = await fetch(`${registry.url}/v2/app/blobs/uploads/`, {
      method: 'POST',
      headers: auth,
    });
    expect(session.status).toBe(202);
    const { infoHashes } = (await (
      await fetch(`${registry.url}${paths.infohashes()}`, { headers: auth })
    ).json()) as { infoHashes: string[] };
    expect(infoHashes).toHaveLength(1);
    expect(await announceOnce(`${registry.url}/announce`, infoHashes[0] as string)).toContain(
      'interval',
    );
    const events = await fetch(`${registry.url}${paths.events()}`, { headers: auth });
    expect(events.status).toBe(200);

    await registry.close();

    expect(closedSteps(lines)).toEqual([
      'http server',
      'tracker',
      'upload sessions',
      'webhooks',
      'scheduled gc',
      'seeder',
      'database',
      'data directory lock',
    ]);
    expect(await refusesConnections(registry.port)).toBe(true);
    // SQLite removes the WAL file when its last connection closes.
    expect(existsSync(join(dir.dir, 'docket.db-wal'))).toBe(false);
    await registry.close();

    const again = await startRegistry(config({ port: registry.port }), { logger });
    try {
      const head = await fetch(`${again.url}/v2/app/blobs/${digest}`, {
        method: 'HEAD',
        headers: auth,
      });
      expect(head.status).toBe(200);
    } finally {
      await again.close();
    }
  });

  describe('when the port is taken', () => {
    let taken: Server;
    beforeEach(async () => {
      taken = createServer();
      await new Promise<void>((done) => taken.listen(0, '127.0.0.1', done));
    });
    afterEach(() => new Promise<void>((done) => taken.close(() => done())));

    it('fails to start and closes what it had opened', async () => {
      const { logger, lines } = capture();
      const port = (taken.address() as AddressInfo).port;
      await expect(startRegistry(config({ port }), { logger })).rejects.toMatchObject({
        code: 'EADDRINUSE',
      });
      expect(closedSteps(lines)).toEqual([
        'tracker',
        'upload sessions',
        'webhooks',
        'scheduled gc',
        'seeder',
        'database',
        'data directory lock',
      ]);
      expect(existsSync(join(dir.dir, 'docket.db-wal'))).toBe(false);
    });
  });
});
