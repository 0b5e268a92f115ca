import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../cli/exit-codes.js';
import { type RegistryProcess, startRegistryProcess } from '../../helpers/registry-process.js';
import { runCli } from '../../helpers/run-cli.js';
import { within } from '../../helpers/within.js';

/** The bound on a registry's exit after SIGINT (serve-registry.ts's deadline, plus start-up slack). */
const EXIT_MS = 17_000;

/** Resolves once `port` can be listened on again. */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A request whose answer headers came: its response, still streaming. */
function openRequest(
  url: string,
  opts: http.RequestOptions,
  body?: (req: http.ClientRequest) => void,
): Promise<{ req: http.ClientRequest; res: http.IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, opts, (res) => resolve({ req, res }));
    req.on('error', reject);
    if (body) body(req);
    else req.end();
  });
}

describe('docket registry process', () => {
  const dirs: string[] = [];
  const running: RegistryProcess[] = [];
  afterEach(async () => {
    for (const r of running.splice(0)) await r.kill9();
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });

  it('exits within its bound on SIGINT with an event stream and a stalled upload open; the port is free', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'docket-shutdown-'));
    dirs.push(dataDir);
    const registry = await startRegistryProcess(dataDir);
    running.push(registry);
    const auth = { authorization: `Bearer ${registry.token}` };

    const events = await openRequest(`${registry.url}/docket/v1/events`, {
      headers: { ...auth, accept: 'text/event-stream' },
    });
    expect(events.res.statusCode).toBe(200);
    events.res.on('error', () => {});
    events.res.resume();

    const started = await openRequest(`${registry.url}/v2/shutdown/app/blobs/uploads/`, {
      method: 'POST',
      headers: auth,
    });
    expect(started.res.statusCode).toBe(202);
    started.res.resume();
    const location = new URL(started.res.headers.location as string, registry.url);
    // A chunked PATCH that sends a little and never ends.
    const upload = http.request(location, {
      method: 'PATCH',
      headers: { ...auth, 'content-type': 'application/octet-stream' },
    });
    upload.on('error', () => {});
    await new Promise<void>((resolve) => upload.write(Buffer.alloc(64 * 1024), () => resolve()));

    const signalled = Date.now();
    registry.cli.child.kill('SIGINT');
    const exited = await within(EXIT_MS, 'the registry exits after SIGINT', registry.cli.result);
    running.splice(running.indexOf(registry), 1);
    expect(Date.now() - signalled).toBeLessThan(EXIT_MS);
    expect(exited.exitCode, exited.stderr).toBe(0);
    expect(await portIsFree(registry.port)).toBe(true);
    upload.destroy();
  });

  it('refuses a second registry on the same data directory, naming the first’s pid', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'docket-data-lock-'));
    dirs.push(dataDir);
    const first = await startRegistryProcess(dataDir);
    running.push(first);
    const second = await runCli(
      ['registry', '--data-dir', dataDir, '--host', '127.0.0.1', '--port', '0'],
      { timeoutMs: 30_000 },
    );
    expect(second.exitCode, second.stderr).toBe(ExitCode.config);
    expect(second.stderr).toContain(
      `docket: data directory ${dataDir} is in use by docket registry pid ${first.cli.child.pid}`,
    );
    // The first still serves.
    expect((await fetch(`${first.url}/v2/`)).status).toBeLessThan(500);
    // Once it is gone (kill -9: its lock is left behind), a new one takes the directory over.
    await first.kill9();
    running.splice(running.indexOf(first), 1);
    const third = await startRegistryProcess(dataDir);
    running.push(third);
  });
});
