import type { Readable } from 'node:stream';
import { ResponseTooLargeError } from '../client/errors.js';

export interface ServerSentEvent {
  id?: string;
  event: string;
  data: string;
}

/**
 * The most characters held of the registry's event stream: one line, and one event's data
 * (its `data` lines together). A registry event is a few hundred bytes.
 */
export const SSE_LIMITS = { line: 1024 * 1024, event: 4 * 1024 * 1024 } as const;

/**
 * Reads a server-sent event stream (WHATWG HTML "Parsing an event stream"): `field: value`
 * lines, a blank line ends an event, `:` lines are comments, `data` lines are joined by
 * newlines, `event` defaults to "message". Retry hints are ignored. Throws
 * ResponseTooLargeError (and stops reading) for a line or an event beyond `limits`.
 */
export async function* readServerSentEvents(
  body: Readable,
  limits: { line: number; event: number } = SSE_LIMITS,
): AsyncGenerator<ServerSentEvent> {
  let buffer = '';
  let event: { id?: string; event?: string; data: string[] } = { data: [] };
  let eventChars = 0;
  body.setEncoding('utf8');
  for await (const chunk of body as AsyncIterable<string>) {
    buffer += chunk;
    let nl = buffer.search(/\r\n|\r|\n/);
    while (nl >= 0) {
      if (nl > limits.line)
        throw new ResponseTooLargeError('line of its event stream', limits.line);
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(buffer[nl] === '\r' && buffer[nl + 1] === '\n' ? nl + 2 : nl + 1);
      if (line === '') {
        if (event.data.length > 0)
          yield {
            ...(event.id !== undefined ? { id: event.id } : {}),
            event: event.event ?? 'message',
            data: event.data.join('\n'),
          };
        event = { data: [] };
        eventChars = 0;
      } else if (!line.startsWith(':')) {
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') {
          eventChars += value.length + 1;
          if (eventChars > limits.event)
            throw new ResponseTooLargeError('event in its event stream', limits.event);
          event.data.push(value);
        } else if (field === 'event') event.event = value;
        else if (field === 'id') event.id = value;
      }
      nl = buffer.search(/\r\n|\r|\n/);
    }
    // What is left is the start of the next line.
    if (buffer.length > limits.line)
      throw new ResponseTooLargeError('line of its event stream', limits.line);
  }
}
