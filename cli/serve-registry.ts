import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join, relative } from 'node:path';
import { pino, stdTimeFunctions, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { RegistryConfig } from '../registry/config.js';
import { type RunningRegistry, startRegistry } from '../registry/main.js';
import { prettyLogOptions } from './output/log-format.js';
import { untilAborted } from './until-aborted.js';

export interface ServeOptions {
  signal: AbortSignal;
  /** Human log lines (pino-pretty) instead of JSON: stdout is a terminal. */
  pretty: boolean;
  colored: boolean;
  /** Where the start-up banner goes (stderr: stdout may be a JSON log stream). */
  banner: NodeJS.WritableStream;
  version: string;
  /** How the banner's login command runs the CLI (cliCommand): `docket` or `node bin/docket.js`. */
  cli: string;
  /**
   * How long the close may take after the signal before the process exits anyway (each
   * step of it is bounded too, registry/shutdown.ts, but there are several).
   */
  exitDeadlineMs?: number;
  /** Ends the process when the deadline passes (default: process.exit(1)). */
  exit?(code: number): void;
}

/** Default of ServeOptions.exitDeadlineMs. */
export const EXIT_DEADLINE_MS = 15_000;

/**
 * Runs the registry (`docket registry`) until `signal` aborts, then closes it. Logs at
 * `config.logLevel` to stdout: readable lines on a terminal, JSON lines (ISO times)
 * otherwise. Prints a short banner saying where to reach it and how to log in. Once the
 * signal aborts, the process ends within `exitDeadlineMs` whatever is still open (a
 * second Ctrl-C ends it at once: cli/main.ts).
 */
export async function serveRegistry(config: RegistryConfig, opts: ServeOptions): Promise<void> {
  const logger = createLogger(config.logLevel, opts);
  const registry = await startRegistry(config, { logger });
  opts.banner.write(banner(registry, opts.version, opts.cli));
  await untilAborted(opts.signal);
  const deadlineMs = opts.exitDeadlineMs ?? EXIT_DEADLINE_MS;
  logger.info({ deadlineMs }, 'shutting down');
  // Unref'd: it never keeps a process alive that would end on its own.
  const deadline = setTimeout(() => {
    logger.error({ deadlineMs }, 'shutdown still running at its deadline: exiting');
    opts.banner.write(`docket: registry shutdown took over ${deadlineMs} ms: exiting\n`);
    (opts.exit ?? ((code) => process.exit(code)))(1);
  }, deadlineMs).unref();
  try {
    await registry.close();
  } finally {
    clearTimeout(deadline);
  }
  logger.info('shut down');
}

function createLogger(level: string, opts: ServeOptions): Logger {
  if (!opts.pretty) return pino({ level, timestamp: stdTimeFunctions.isoTime });
  return pino({ level }, pretty(prettyLogOptions(opts.colored)));
}

export function banner(
  r: Pick<RunningRegistry, 'url' | 'publicUrl' | 'dataDir' | 'adminToken' | 'adminTokenPath'>,
  version: string,
  cli = 'docket',
): string {
  const lines = [
    `docket registry ${version} listening on ${r.url}`,
    ...(r.publicUrl !== r.url ? [`  public URL:   ${r.publicUrl}`] : []),
    `  data:         ${r.dataDir}`,
    ...(r.adminToken === undefined
      ? [
          `  admin token:  the database's, made by another registry sharing it: copy its`,
          `                admin-token file to ${r.adminTokenPath}`,
        ]
      : [
          `  admin token:  ${r.adminTokenPath}`,
          `  log in with:  ${cli} login --registry ${r.publicUrl} --token-stdin < ${r.adminTokenPath}`,
        ]),
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * The command that runs this CLI from the user's shell: `docket` when it is on `path`
 * (npm link, npm install -g, the Docker image), else `node <script>` (a checkout after
 * `npm ci`), the script relative to `cwd` when it lies below it.
 */
export function cliCommand(
  path: string | undefined,
  script: string | undefined,
  cwd: string,
): string {
  const onPath = (path ?? '').split(delimiter).some((dir) => {
    if (!dir) return false;
    try {
      accessSync(join(dir, 'docket'), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  if (onPath || !script) return 'docket';
  const rel = relative(cwd, script);
  const shown = rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : script;
  return `node ${/\s/.test(shown) ? `'${shown}'` : shown}`;
}
