import { EngineError } from './errors.js';

/**
 * One line of the Docker Engine's JSON progress stream, the body of `POST /images/load`,
 * `POST /images/create` (pull), `POST /images/{name}/push`, `POST /build` and
 * `POST /images/create?fromSrc=-` (import).
 */
export interface ProgressEvent {
  stream?: string;
  status?: string;
  id?: string;
  progress?: string;
  errorDetail?: { code?: number; message?: string };
  error?: string;
}

/**
 * Reads a progress stream to its end, handing each event to `onEvent`, and resolves
 * with every event read. The engine answers 200 even when the operation fails: the
 * failure is an `errorDetail` (or `error`) event inside the stream. So this rejects with
 * EngineError(`<operation> failed: <message>`) on the first such event, or on a line
 * that is not JSON, once the stream has ended. Errors of the stream itself are rethrown
 * unchanged.
 */
export async function readProgress(
  stream: AsyncIterable<unknown>,
  operation: string,
  onEvent?: (event: ProgressEvent) => void,
): Promise<ProgressEvent[]> {
  const events: ProgressEvent[] = [];
  let failure: string | undefined;
  const decoder = new TextDecoder();
  let buffered = '';
  const handle = (line: string): void => {
    if (line.trim() === '') return;
    let event: ProgressEvent;
    try {
      event = JSON.parse(line) as ProgressEvent;
    } catch {
      failure ??= `unreadable progress from the engine: ${line.slice(0, 200)}`;
      return;
    }
    events.push(event);
    onEvent?.(event);
    if (event.errorDetail || event.error)
      failure ??= event.errorDetail?.message ?? event.error ?? 'failed';
  };
  for await (const chunk of stream) {
    buffered +=
      typeof chunk === 'string' ? chunk : decoder.decode(chunk as Buffer, { stream: true });
    let nl = buffered.indexOf('\n');
    while (nl !== -1) {
      handle(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
      nl = buffered.indexOf('\n');
    }
  }
  handle(buffered + decoder.decode());
  if (failure !== undefined) throw new EngineError(`${operation} failed: ${failure}`);
  return events;
}
