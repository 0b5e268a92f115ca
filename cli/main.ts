import { Builtins, Cli } from 'clipanion';
import { availableParallelism, homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { commands } from './commands/index.js';
import { CredentialsStore, defaultCredentialsPath } from '../client/credentials.js';
import type { ClientServices, DocketContext } from './context.js';
import { lazyDockerEngine } from '../client/docker-engine.js';
import { InterruptedError } from '../client/errors.js';
import { ExitCode } from './exit-codes.js';
import { nameOptionValues } from './output/help-text.js';
import { reportSyntaxError } from './output/syntax-error.js';
import { createPeer } from '../client/p2p/local-peer.js';
import { RegistryClient } from '../client/registry-client.js';
import { packageVersion } from '../lib/package-version.js';

/** clipanion's Cli with `--flag <flag>` instead of its `--flag #0` in every usage text. */
class DocketCli extends Cli {
  override usage(...args: Parameters<Cli['usage']>): string {
    return nameOptionValues(super.usage(...args));
  }
}

function createCli(colored: boolean): Cli {
  const cli = new DocketCli({
    binaryLabel: 'docket',
    binaryName: 'docket',
    binaryVersion: packageVersion(),
    enableColors: colored,
  });
  cli.register(Builtins.HelpCommand);
  cli.register(Builtins.VersionCommand);
  for (const command of commands) cli.register(command);
  return cli;
}

/**
 * How long an interrupted command's leftovers (a socket to a stalled registry, a timer)
 * may keep the process alive once the command has returned.
 */
const EXIT_AFTER_INTERRUPT_MS = 500;

/**
 * Builds what commands receive from the environment; SIGINT/SIGTERM abort `signal`. A
 * second signal exits at once.
 */
function createServices(
  env: NodeJS.ProcessEnv,
  isTTY: boolean,
  colored: boolean,
  stderr: NodeJS.WritableStream,
): ClientServices {
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (): void => {
    signals++;
    if (signals > 1) {
      stderr.write('docket: interrupted again: exiting now\n');
      process.exit(ExitCode.interrupted);
    }
    controller.abort(new InterruptedError());
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    credentials: new CredentialsStore(defaultCredentialsPath(env)),
    env: {
      ...(env.DOCKET_REGISTRY ? { registry: env.DOCKET_REGISTRY } : {}),
      ...(env.DOCKET_TOKEN ? { token: env.DOCKET_TOKEN } : {}),
    },
    environment: { ...env },
    cache: {
      dir: env.DOCKET_CACHE_DIR || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'docket'),
    },
    registry: (choice) => new RegistryClient(choice),
    engine: lazyDockerEngine,
    peer: createPeer,
    signal: controller.signal,
    tmpDir: tmpdir(),
    cpus: availableParallelism(),
    isTTY,
    colored,
    version: packageVersion(),
  };
}

/** Colour only on a terminal, and never with NO_COLOR set (https://no-color.org). */
export function useColor(env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  return isTTY && !env.NO_COLOR && env.TERM !== 'dumb';
}

/**
 * A reader that goes away (`docket images | head -1`) is not a failure of docket: stop
 * quietly with SIGPIPE's usual status instead of an unhandled EPIPE stack.
 */
function exitQuietlyOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(ExitCode.brokenPipe);
    throw err;
  });
}

/** The composition root of the CLI: returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  exitQuietlyOnClosedPipe(process.stdout);
  exitQuietlyOnClosedPipe(process.stderr);
  const isTTY = process.stdout.isTTY === true;
  const colored = useColor(process.env, isTTY);
  const cli = createCli(colored);
  const context: DocketContext = {
    ...Cli.defaultContext,
    colorDepth: colored ? Cli.defaultContext.colorDepth : 1,
    docket: createServices(process.env, isTTY, colored, process.stderr),
  };
  let command: ReturnType<typeof cli.process>;
  try {
    command = cli.process(argv, context);
  } catch (err) {
    // Unknown command, unknown flag, missing argument: the user's mistake.
    reportSyntaxError(context, argv, err, cli.error(err, { colored: false }));
    return ExitCode.usage;
  }
  const code = await cli.run(command, context);
  // An interrupted command has returned: whatever it left open must not hold the exit.
  if (context.docket.signal.aborted)
    setTimeout(() => process.exit(code), EXIT_AFTER_INTERRUPT_MS).unref();
  return code;
}
