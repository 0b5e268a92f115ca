import { humanSize } from '../../lib/format.js';
import type { PrettyOptions } from 'pino-pretty';

/** The request log's fields (registry/http/observe.ts), shown in the message, not below it. */
const REQUEST_FIELDS = ['method', 'path', 'status', 'ms', 'bytes'] as const;

/**
 * pino-pretty's options for the registry's terminal log: one line per entry.
 * `12:00:01 INFO: request GET /v2/app/blobs/sha256:… 200 3.2ms 1.2MB` — the request
 * fields read in order in the message, any other fields follow on the same line as JSON.
 */
export function prettyLogOptions(colorize: boolean): PrettyOptions {
  return {
    colorize,
    translateTime: 'SYS:HH:MM:ss',
    ignore: ['pid', 'hostname', ...REQUEST_FIELDS].join(','),
    singleLine: true,
    messageFormat: (log, messageKey) => formatMessage(log, messageKey),
    sync: true,
  };
}

/** The message, then the request fields the entry has: `request GET /v2/ 200 1.5ms 0B`. */
export function formatMessage(log: Record<string, unknown>, messageKey: string): string {
  const parts = [String(log[messageKey] ?? '')];
  if (log.method !== undefined) parts.push(String(log.method));
  if (log.path !== undefined) parts.push(String(log.path));
  if (log.status !== undefined) parts.push(String(log.status));
  if (log.ms !== undefined) parts.push(`${log.ms}ms`);
  if (typeof log.bytes === 'number') parts.push(humanSize(log.bytes));
  return parts.filter((p) => p !== '').join(' ');
}
