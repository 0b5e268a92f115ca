import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import tar from 'tar-stream';

const REPO_ROOT = new URL('../../..', import.meta.url).pathname;
const BASE_SCRIPT = join(REPO_ROOT, 'scripts/make-node-base-image.sh');

/** Local stand-in for node:22-bookworm-slim (nothing can be pulled here); kept across runs. */
export const NODE_BASE = 'container-test/node-base:22-bookworm-slim';

/** Runs a command to its end with its output in a temp file; rejects with the output's tail. */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number) {
  const dir = mkdtempSync(join(tmpdir(), 'container-test-'));
  const logPath = join(dir, 'out.log');
  const fd = openSync(logPath, 'w');
  return new Promise<void>((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', fd, fd],
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
    });
    const done = (err?: Error) => {
      closeSync(fd);
      const log = readFileSync(logPath, 'utf8');
      rmSync(dir, { recursive: true, force: true });
      if (err) reject(new Error(`${err.message}\n${log.slice(-4000)}`));
      else resolve();
    };
    child.on('error', done);
    child.on('exit', (code, signal) =>
      done(
        code === 0 ? undefined : new Error(`${cmd} ${args.join(' ')}: ${signal ?? `exit ${code}`}`),
      ),
    );
  });
}

/** Makes NODE_BASE with scripts/make-node-base-image.sh unless the engine has it. */
export function ensureNodeBase(timeoutMs: number): Promise<void> {
  return run(BASE_SCRIPT, [NODE_BASE], process.env, timeoutMs);
}

/**
 * The Dockerfile's `deps` stage (toolchain + npm ci, minutes on a cold engine), kept by
 * tag like NODE_BASE so that a rerun with the same package-lock.json reuses it.
 */
export const DEPS_CACHE = 'container-test/docket-deps:cache';

/**
 * `docker build` of the repository's Dockerfile, as docs/docker.md tells, with the
 * classic builder (what a 20.10 engine's API serves) and the host network for npm and apt.
 * Builds and tags the deps stage first, and drops the deps image it replaces.
 */
export async function buildDocketImage(docker: Docker, tag: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  const env = { ...process.env, DOCKER_BUILDKIT: '0' };
  const build = (...args: string[]) =>
    run(
      'docker',
      ['build', '--network', 'host', '--build-arg', `BASE=${NODE_BASE}`, ...args, '.'],
      env,
      Math.max(1, deadline - Date.now()),
    );
  const before = await imageId(docker, DEPS_CACHE);
  await build('--target', 'deps', '-t', DEPS_CACHE);
  await build('-t', tag);
  if (before && before !== (await imageId(docker, DEPS_CACHE)))
    await docker
      .getImage(before)
      .remove()
      .catch(() => {});
}

async function imageId(docker: Docker, ref: string): Promise<string | undefined> {
  return docker
    .getImage(ref)
    .inspect()
    .then((i) => i.Id)
    .catch(() => undefined);
}

/**
 * Removes the untagged images the classic builder left on top of DEPS_CACHE (the build
 * stage's layers), so that runs do not pile up copies of node_modules in the engine.
 */
export async function removeBuildLeftovers(docker: Docker): Promise<void> {
  const deps = await imageId(docker, DEPS_CACHE);
  if (!deps) return;
  for (const { Id } of await docker.listImages({ filters: { dangling: ['true'] } })) {
    let parent: string | undefined = Id;
    for (let depth = 0; parent && parent !== deps && depth < 50; depth++) {
      parent = (await docker.getImage(parent).inspect()).Parent || undefined;
    }
    if (parent === deps)
      await docker
        .getImage(Id)
        .remove()
        .catch(() => {});
  }
}

/** The engine's Unix socket on this host, and its group (for --group-add). */
export function engineSocket(): { path: string; gid: number } {
  const host = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
  if (!host.startsWith('unix://')) throw new Error(`DOCKER_HOST ${host} is not a Unix socket`);
  const path = host.slice('unix://'.length);
  return { path, gid: statSync(path).gid };
}

/** A TCP port free on 127.0.0.1 just now (for a container on the host network). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface Finished {
  code: number;
  stdout: string;
  stderr: string;
}

/** Starts `container`, waits for it to exit within `timeoutMs`, returns code and output. */
export async function runToEnd(container: Docker.Container, timeoutMs: number): Promise<Finished> {
  await container.start();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`container did not exit in ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    const { StatusCode } = (await Promise.race([container.wait(), timeout])) as {
      StatusCode: number;
    };
    return { code: StatusCode, ...(await logsOf(container)) };
  } finally {
    clearTimeout(timer);
  }
}

/** A container's stdout and stderr so far (no TTY: the stream is multiplexed). */
export async function logsOf(
  container: Docker.Container,
): Promise<{ stdout: string; stderr: string }> {
  const buf = (await container.logs({ stdout: true, stderr: true, follow: false })) as Buffer;
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  for (let off = 0; off + 8 <= buf.length; ) {
    const len = buf.readUInt32BE(off + 4);
    (buf[off] === 2 ? err : out).push(buf.subarray(off + 8, off + 8 + len));
    off += 8 + len;
  }
  return { stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

/**
 * Waits for the container's HEALTHCHECK to report healthy, polling inspect at most
 * every 250 ms for `timeoutMs`. Rejects when it turns unhealthy or the container exits.
 */
export async function waitHealthy(container: Docker.Container, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let status = 'unknown';
  for (let i = 0; i < Math.ceil(timeoutMs / 250) && Date.now() < deadline; i++) {
    const { State } = await container.inspect();
    status = State.Health?.Status ?? 'none';
    if (status === 'healthy') return;
    if (status === 'unhealthy' || !State.Running) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const { stderr, stdout } = await logsOf(container);
  throw new Error(`container not healthy (${status}); output:\n${stdout}\n${stderr}`.slice(-4000));
}

/** Reads one regular file out of a container (running or not) with the archive API. */
export async function readContainerFile(
  container: Docker.Container,
  path: string,
): Promise<string> {
  const archive = (await container.getArchive({ path })) as Readable;
  const extract = tar.extract();
  const chunks: Buffer[] = [];
  extract.on('entry', (header, stream, next) => {
    if (header.type === 'file') stream.on('data', (c: unknown) => void chunks.push(c as Buffer));
    stream.on('end', next);
    stream.resume();
  });
  await new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve);
    extract.on('error', reject);
    archive.on('error', reject);
    archive.pipe(extract);
  });
  return Buffer.concat(chunks).toString('utf8');
}
