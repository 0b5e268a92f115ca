import type { Readable } from 'node:stream';

export interface ServerSentEvent {
  id?: string;
  event: string;
  data: string;
}

/**
 * Reads a server-sent event stream (WHATWG HTML "Parsing an event stream"): `field: value`
 * lines, a blank line ends an event, `:` lines are comments, `data` lines are joined by
 * newlines, `event` defaults to "message". Retry hints are ignored.
 */
export async function* readServerSentEvents(body: Readable): AsyncGenerator<ServerSentEvent> {
  let buffer = '';
  let event: { id?: string; event?: string; data: string[] } = { data: [] };
  body.setEncoding('utf8');
  for await (const chunk of body as AsyncIterable<string>) {
    buffer += chunk;
    let nl = buffer.search(/\r\n|\r|\n/);
    while (nl >= 0) {
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
      } else if (!line.startsWith(':')) {
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') event.data.push(value);
        else if (field === 'event') event.event = value;
        else if (field === 'id') event.id = value;
      }
      nl = buffer.search(/\r\n|\r|\n/);
    }
  }
}
