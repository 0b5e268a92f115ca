import pino, { type Logger } from 'pino';

/** What a warning line is made of: the record's fields, its bindings included. */
interface WarningFields {
  msg?: unknown;
  reason?: unknown;
  err?: { message?: unknown } | null;
}

/**
 * A pino logger (the type the p2p code takes) that turns each warning or error record
 * into one `message (reason)` call of `onWarning`, each distinct line once. The records
 * are read as objects through pino's metadata destination (`Symbol.for('pino.metadata')`,
 * pino docs/api.md): no log text is written or parsed.
 */
export function warningLogger(onWarning: (line: string) => void): Logger {
  const seen = new Set<string>();
  const sink = {
    [Symbol.for('pino.metadata')]: true,
    lastObj: undefined as object | undefined,
    lastMsg: undefined as string | undefined,
    lastLogger: undefined as Logger | undefined,
    write(): void {
      const fields: WarningFields = { ...sink.lastLogger?.bindings(), ...sink.lastObj };
      const msg = sink.lastMsg ?? fields.msg;
      const why = fields.reason ?? fields.err?.message;
      const line = `${msg ?? 'warning'}${why ? ` (${why})` : ''}`;
      if (seen.has(line)) return;
      seen.add(line);
      onWarning(line);
    },
  };
  return pino({ level: 'warn', base: undefined, timestamp: false }, sink);
}
