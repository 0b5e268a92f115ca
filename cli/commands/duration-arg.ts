import { UsageError } from 'clipanion';
import { InvalidValueError, parseDuration } from '../../lib/config-keys.js';

/**
 * A command's duration option in whole seconds (`30s`, `5m`, `2h`, `1d`, or a bare number
 * of seconds; lib/duration.ts), `round`ed; a bad value is a usage error naming `flag`.
 */
export function durationArg(
  text: string,
  flag: string,
  opts: { allowZero: boolean; round: (seconds: number) => number },
): number {
  try {
    return opts.round(parseDuration(text, flag, { unit: 's', allowZero: opts.allowZero }));
  } catch (err) {
    if (err instanceof InvalidValueError) throw new UsageError(err.message);
    throw err;
  }
}
