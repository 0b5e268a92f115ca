import { accessSync, constants, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { isDiskFullCode, systemErrorCode } from '../client/errors.js';

/**
 * One-line messages for Node system errors that are the user's to fix, not bugs: a path
 * that cannot be written (read-only, not a directory, no permission), a full disk, a port
 * already in use. Read from the error's `code`, `path`, `port` and `syscall` fields, never
 * from its message. exit-codes.ts gives them their exit code.
 */
export type SystemFailure =
  | { kind: 'disk-full'; message: string }
  | { kind: 'path'; message: string }
  | { kind: 'port'; message: string };

const PATH_REASONS: Record<string, string> = {
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'a path component is not a directory',
  EEXIST: 'exists and is not a directory',
  EISDIR: 'is a directory',
  ENOENT: 'no such file or directory',
};

interface SystemErrorFields {
  path?: unknown;
  dest?: unknown;
  port?: unknown;
  address?: unknown;
  syscall?: unknown;
}

export function describeSystemFailure(err: unknown): SystemFailure | undefined {
  const code = systemErrorCode(err);
  if (code === undefined || !err || typeof err !== 'object') return undefined;
  const fields = err as SystemErrorFields;
  const path = typeof fields.path === 'string' ? fields.path : undefined;
  if (isDiskFullCode(code))
    return {
      kind: 'disk-full',
      message: `disk full (${code})${path ? ` writing ${path}` : ''}: free some space`,
    };
  if ((code === 'EADDRINUSE' || code === 'EACCES') && fields.syscall === 'listen') {
    const where = `${String(fields.address ?? '')}:${String(fields.port ?? '')}`;
    const why = code === 'EADDRINUSE' ? 'is in use' : 'needs privileges';
    return {
      kind: 'port',
      message: `port ${where} ${why} (${code}): stop what listens there or pass another --port`,
    };
  }
  if (code === 'EADDRNOTAVAIL' && fields.syscall === 'listen')
    return {
      kind: 'port',
      message: `cannot listen on ${String(fields.address)} (${code}): pass a local --host`,
    };
  const real = code === 'ENOENT' && fields.syscall === 'mkdir' && path ? mkdirCause(path) : code;
  const reason = PATH_REASONS[real];
  if (reason && path)
    return {
      kind: 'path',
      message: `cannot use ${path}: ${reason} (${real}); pick a writable directory`,
    };
  return undefined;
}

/**
 * A recursive mkdir reports ENOENT when the real cause is that its nearest existing
 * ancestor cannot be written (a read-only mount, no permission): find that cause.
 */
function mkdirCause(path: string): string {
  let dir = path;
  for (let depth = 0; depth < 64 && !existsSync(dir); depth++) dir = dirname(dir);
  try {
    accessSync(dir, constants.W_OK);
    return 'ENOENT';
  } catch (err) {
    return systemErrorCode(err) ?? 'ENOENT';
  }
}
