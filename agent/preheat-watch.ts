import { sleepUnlessAborted } from '../lib/sleep.js';
import { parseRegistryEvent, type RegistryEvent } from '../lib/api/index.js';
import type { RegistryClient } from '../client/registry-client.js';
import { readServerSentEvents } from './sse.js';

/**
 * A `--preheat` pattern: `*` matches any run of characters (`/` included), `?` one.
 * Without `:` it is matched against the repository (`team/*`), with one against
 * `repository:tag` (`team/app:v*`).
 */
export function preheatMatcher(patterns: string[]): (repository: string, tag?: string) => boolean {
  const compiled = patterns.map((p) => ({
    withTag: p.includes(':'),
    re: new RegExp(
      `^${p
        .split('')
        .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
        .join('')}$`,
    ),
  }));
  return (repository, tag) =>
    compiled.some(({ withTag, re }) =>
      withTag ? tag !== undefined && re.test(`${repository}:${tag}`) : re.test(repository),
    );
}

export interface PreheatWatchOptions {
  registry: RegistryClient;
  patterns: string[];
  /** Called for each push that matches; the watch does not wait for it. */
  onPush(event: RegistryEvent & { target: { digest: string } }): void;
  /** The stream connected (again). */
  onConnected?(): void;
  onWarning(message: string): void;
  signal: AbortSignal;
  /** Wait before reconnecting after the stream failed; doubled up to 30 s. */
  retryMs?: number;
}

/**
 * Follows the registry's event stream (`GET /docket/v1/events`) until `signal` aborts,
 * reconnecting after a failure, and hands every matching push to `onPush`. Pushes made
 * while disconnected are missed (the stream has no replay); a deploy can still
 * `docket preheat` them.
 */
export async function watchPushes(opts: PreheatWatchOptions): Promise<void> {
  const matches = preheatMatcher(opts.patterns);
  const initialRetry = opts.retryMs ?? 1000;
  let retry = initialRetry;
  while (!opts.signal.aborted) {
    try {
      const body = await opts.registry.openEvents(opts.signal);
      opts.onConnected?.();
      retry = initialRetry;
      for await (const sse of readServerSentEvents(body)) {
        const event = parseRegistryEvent(safeJson(sse.data));
        const { digest, tag } = event?.target ?? {};
        if (event?.action === 'push' && digest && matches(event.target.repository, tag))
          opts.onPush(event as RegistryEvent & { target: { digest: string } });
      }
      if (!opts.signal.aborted) opts.onWarning('registry event stream ended; reconnecting');
    } catch (err) {
      if (opts.signal.aborted) break;
      opts.onWarning(`registry event stream: ${(err as Error).message}; retrying`);
    }
    await sleepUnlessAborted(retry, opts.signal);
    retry = Math.min(retry * 2, 30_000);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
