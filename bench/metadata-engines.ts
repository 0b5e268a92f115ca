import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MediaType } from '../lib/media-types.js';
import { openPostgres } from '../registry/metadata/database.js';
import { redactUrl } from '../registry/metadata/postgres-db.js';
import { DOCKET_BIN } from '../testbed/docket.js';

/**
 * `node dist/bench/metadata-engines.js POSTGRES_URL [--seconds N] [--concurrency C]`: what
 * the synchronous PostgreSQL metadata (pg-native: each query blocks the event loop for a
 * round trip) costs against SQLite. For each engine it starts `docket registry` (port 0,
 * temp data dir; with PostgreSQL a new database `docket_bench_*` made with the URL's
 * credentials, dropped after), pushes one image over the API, then keeps C requests in
 * flight of `GET /v2/bench/app/manifests/v1` (two metadata queries each: the tag, the
 * manifest in the repository) for N seconds, and reports requests/s, p50 and p99.
 */

const USAGE =
  'usage: node dist/bench/metadata-engines.js POSTGRES_URL [--seconds N] [--concurrency C]';

interface Result {
  engine: string;
  requests: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const url = args[0];
  if (!url?.startsWith('postgres')) throw new Error(USAGE);
  const seconds = Number(args[args.indexOf('--seconds') + 1] ?? 5) || 5;
  const concurrency = Number(args[args.indexOf('--concurrency') + 1] ?? 8) || 8;
  const results: Result[] = [];
  results.push(await run('sqlite', undefined, seconds, concurrency));
  const name = `docket_bench_${randomBytes(4).toString('hex')}`;
  const admin = await openPostgres(url, []);
  admin.exec(`CREATE DATABASE ${name}`);
  try {
    const dbUrl = new URL(url);
    dbUrl.pathname = `/${name}`;
    results.push(await run('postgres', dbUrl.toString(), seconds, concurrency));
  } finally {
    admin.exec(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    admin.close();
  }
  console.log(`GET /v2/<name>/manifests/<tag>, ${concurrency} in flight, ${seconds} s each:`);
  for (const r of results)
    console.log(
      `  ${r.engine.padEnd(8)} ${r.perSecond.toFixed(0).padStart(6)} req/s  p50 ${r.p50Ms.toFixed(2)} ms  p99 ${r.p99Ms.toFixed(2)} ms  (${r.requests} requests)`,
    );
}

async function run(
  engine: string,
  database: string | undefined,
  seconds: number,
  concurrency: number,
): Promise<Result> {
  const dataDir = await mkdtemp(join(tmpdir(), 'docket-bench-metadata-'));
  const child = spawn(
    process.execPath,
    [
      DOCKET_BIN,
      'registry',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--data-dir',
      dataDir,
      ...(database ? ['--database', database] : []),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DOCKET_LOG_LEVEL: 'warn' } },
  );
  try {
    const base = await listening(child, database);
    const token = (await readFile(join(dataDir, 'admin-token'), 'utf8')).trim();
    const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
    await pushImage(base, token, agent);
    const path = '/v2/bench/app/manifests/v1';
    const latencies: number[] = [];
    const end = Date.now() + seconds * 1000;
    const began = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (Date.now() < end) {
          const t = process.hrtime.bigint();
          const { status } = await call(base, 'GET', path, agent, {
            Accept: MediaType.dockerManifest,
          });
          if (status !== 200) throw new Error(`GET ${path}: ${status}`);
          latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
        }
      }),
    );
    const elapsed = Number(process.hrtime.bigint() - began) / 1e9;
    agent.destroy();
    latencies.sort((a, b) => a - b);
    const at = (q: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * q))] ?? 0;
    return {
      engine,
      requests: latencies.length,
      perSecond: latencies.length / elapsed,
      p50Ms: at(0.5),
      p99Ms: at(0.99),
    };
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      await exited;
    }
    await rm(dataDir, { recursive: true, force: true });
  }
}

function listening(child: ChildProcess, database: string | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) resolve(m[1] as string);
    });
    child.once('exit', (code) =>
      reject(
        new Error(
          `docket registry${database ? ` --database ${redactUrl(database)}` : ''} exited ${code}: ${err}`,
        ),
      ),
    );
  });
}

async function pushImage(base: string, token: string, agent: Agent): Promise<void> {
  const auth = { Authorization: `Bearer ${token}` };
  const put = async (bytes: Buffer) => {
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    const started = await call(base, 'POST', '/v2/bench/app/blobs/uploads/', agent, auth);
    const location = new URL(started.headers.location as string, base);
    location.searchParams.set('digest', digest);
    const done = await call(base, 'PUT', location.pathname + location.search, agent, auth, bytes);
    if (done.status !== 201) throw new Error(`blob upload: ${done.status}`);
    return { digest, size: bytes.length };
  };
  const config = await put(
    Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'),
  );
  const layer = await put(randomBytes(4096));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.dockerManifest,
      config: { mediaType: MediaType.dockerConfig, ...config },
      layers: [{ mediaType: MediaType.dockerLayer, ...layer }],
    }),
  );
  const res = await call(
    base,
    'PUT',
    '/v2/bench/app/manifests/v1',
    agent,
    {
      ...auth,
      'Content-Type': MediaType.dockerManifest,
    },
    manifest,
  );
  if (res.status !== 201) throw new Error(`manifest put: ${res.status}`);
}

function call(
  base: string,
  method: string,
  path: string,
  agent: Agent,
  headers: Record<string, string>,
  body?: Buffer,
): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), { method, agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
