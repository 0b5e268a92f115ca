import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';

/**
 * A pino logger (the type the p2p code takes) that turns each warning or error record
 * into one `message: reason` call of `onWarning`, each distinct line once.
 */
export function warningLogger(onWarning: (line: string) => void): Logger {
  const seen = new Set<string>();
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const text of chunk.toString('utf8').split('\n')) {
        if (!text.trim()) continue;
        let record: { msg?: string; reason?: string; err?: { message?: string } };
        try {
          record = JSON.parse(text);
        } catch {
          continue;
        }
        const why = record.reason ?? record.err?.message;
        const line = `${record.msg ?? 'warning'}${why ? ` (${why})` : ''}`;
        if (seen.has(line)) continue;
        seen.add(line);
        onWarning(line);
      }
      cb();
    },
  });
  return pino({ level: 'warn', base: undefined, timestamp: false }, sink);
}
