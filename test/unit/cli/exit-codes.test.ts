import { describe, expect, it } from 'vitest';
import {
  EngineError,
  EngineUnreachableError,
  InterruptedError,
  LocalImageNotFoundError,
  NotFoundError,
  RegistryError,
  RegistryUnreachableError,
  ResponseTooLargeError,
  SwarmStalledError,
} from '../../../client/errors.js';
import { classifyError, ExitCode } from '../../../cli/exit-codes.js';
import { DigestMismatchError, UnauthorizedError } from '../../../lib/errors.js';

describe('classifyError', () => {
  const cases: Array<[unknown, number]> = [
    // clipanion's UsageError carries this marker (clipanion cannot be imported under vitest).
    [Object.assign(new Error('bad'), { clipanion: { type: 'usage' } }), ExitCode.usage],
    [new NotFoundError(404, 'MANIFEST_UNKNOWN', 'manifest unknown'), ExitCode.notFound],
    [new LocalImageNotFoundError('x:y'), ExitCode.notFound],
    [new UnauthorizedError('authentication required'), ExitCode.unauthorized],
    [
      new RegistryUnreachableError('http://127.0.0.1:1', 'ECONNREFUSED'),
      ExitCode.registryUnreachable,
    ],
    [new SwarmStalledError('sha256:a', 20_000), ExitCode.registryUnreachable],
    [new EngineUnreachableError('ENOENT'), ExitCode.engineUnreachable],
    [new DigestMismatchError('sha256:a', 'sha256:b'), ExitCode.integrity],
    [new RegistryError(500, 'UNKNOWN', 'unknown error'), ExitCode.registry],
    [new ResponseTooLargeError('manifest', 4 * 1024 * 1024), ExitCode.registry],
    [new EngineError('docker load failed'), ExitCode.engine],
    [new InterruptedError(), ExitCode.interrupted],
    [Object.assign(new Error('write failed'), { code: 'ENOSPC' }), ExitCode.diskFull],
    [
      new Error('wrapped', { cause: Object.assign(new Error('x'), { code: 'ENOSPC' }) }),
      ExitCode.diskFull,
    ],
  ];
  it.each(cases)('%s → its exit code', (err, code) => {
    expect(classifyError(err)?.exitCode).toBe(code);
  });
  it('gives every class a distinct code', () => {
    const codes = Object.values(ExitCode);
    expect(new Set(codes).size).toBe(codes.length);
  });
  it('leaves bugs unclassified (they get a stack trace)', () => {
    expect(classifyError(new TypeError('x is undefined'))).toBeUndefined();
  });
});
