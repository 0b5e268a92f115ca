import {
  ArchiveError,
  DigestInvalidError,
  DigestMismatchError,
  ReferenceInvalidError,
  SizeMismatchError,
  UnauthorizedError,
} from '../lib/errors.js';
import {
  ConfigError,
  DiskFullError,
  EngineError,
  EngineUnreachableError,
  InterruptedError,
  LocalImageNotFoundError,
  NotFoundError,
  RegistryError,
  RegistryUnreachableError,
  ResponseTooLargeError,
  SwarmStalledError,
} from '../client/errors.js';
import { describeSystemFailure } from './system-failures.js';

/**
 * Exit codes of `docket`. Expected failures print one line on stderr, no stack.
 *
 * | code | meaning                                                            |
 * |------|--------------------------------------------------------------------|
 * | 0    | success                                                            |
 * | 1    | internal error (a bug: printed with its stack)                     |
 * | 2    | usage error: bad flag, bad image reference                         |
 * | 3    | not found: image/tag unknown to the registry, or not in the engine |
 * | 4    | unauthorized: no token, wrong token, access denied                 |
 * | 5    | registry unreachable (connection refused, DNS); a swarm download   |
 * |      | that no peer and no web seed sent data to (pull again to resume)   |
 * | 6    | Docker engine unreachable                                          |
 * | 7    | integrity: digest or size mismatch of downloaded/uploaded content  |
 * | 8    | disk full (ENOSPC) or quota exceeded                               |
 * | 9    | registry error: any other error answer, or an answer too large    |
 * | 10   | Docker engine error: load/export/tag refused, unreadable image     |
 * | 11   | configuration error: no registry named, unreadable config file,    |
 * |      | unusable path (read-only, not a directory), port in use            |
 * | 130  | interrupted (SIGINT/SIGTERM)                                       |
 * | 141  | stdout closed by its reader (EPIPE, as a SIGPIPE'd tool): silent   |
 */
export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  notFound: 3,
  unauthorized: 4,
  registryUnreachable: 5,
  engineUnreachable: 6,
  integrity: 7,
  diskFull: 8,
  registry: 9,
  engine: 10,
  config: 11,
  interrupted: 130,
  brokenPipe: 141,
} as const;

export interface Failure {
  exitCode: number;
  message: string;
}

/** The exit code and one-line message for an expected failure; undefined for a bug. */
export function classifyError(err: unknown): Failure | undefined {
  const fail = (exitCode: number, message = (err as Error).message): Failure => ({
    exitCode,
    message,
  });
  if (isUsageError(err) || err instanceof ReferenceInvalidError) return fail(ExitCode.usage);
  if (err instanceof InterruptedError) return fail(ExitCode.interrupted);
  if (err instanceof LocalImageNotFoundError || err instanceof NotFoundError)
    return fail(ExitCode.notFound);
  if (err instanceof UnauthorizedError)
    return fail(
      ExitCode.unauthorized,
      `${(err as Error).message}: check the token (docket login, or DOCKET_TOKEN)`,
    );
  if (err instanceof RegistryUnreachableError || err instanceof SwarmStalledError)
    return fail(ExitCode.registryUnreachable);
  if (err instanceof EngineUnreachableError) return fail(ExitCode.engineUnreachable);
  if (
    err instanceof DigestMismatchError ||
    err instanceof SizeMismatchError ||
    err instanceof DigestInvalidError
  )
    return fail(ExitCode.integrity);
  if (err instanceof RegistryError || err instanceof ResponseTooLargeError)
    return fail(ExitCode.registry, `registry: ${(err as Error).message}`);
  if (err instanceof EngineError || err instanceof ArchiveError) return fail(ExitCode.engine);
  if (err instanceof ConfigError) return fail(ExitCode.config);
  if (err instanceof DiskFullError) return fail(ExitCode.diskFull);
  const system = describeSystemFailure(err);
  if (system)
    return fail(system.kind === 'disk-full' ? ExitCode.diskFull : ExitCode.config, system.message);
  return undefined;
}

/** clipanion's UsageError, recognised by the marker clipanion itself reads (`clipanion.type`). */
function isUsageError(err: unknown): boolean {
  return (err as { clipanion?: { type?: string } } | null)?.clipanion?.type === 'usage';
}
