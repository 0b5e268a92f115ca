import { createHmac } from 'node:crypto';
import type { Logger } from 'pino';
import {
  EVENTS_MEDIA_TYPE,
  type EventEnvelope,
  Header,
  type RegistryEvent,
} from '../../lib/api/index.js';
import { sleepUnlessAborted } from '../../lib/sleep.js';

export interface WebhookOptions {
  urls: string[];
  /** Tries per batch before it is dropped (first try included). */
  attempts: number;
  /** Wait before the first retry; doubled after each failure, capped at 30 s. */
  backoffMs: number;
  /** Events waiting per endpoint; when full the oldest is dropped (and counted). */
  maxQueue: number;
  /** Abort a POST after this long. */
  timeoutMs: number;
  /** Signs each body (Header.webhookSignature, `sha256=<hex>` HMAC-SHA256) when set. */
  secret?: string;
  logger: Logger;
  fetch?: typeof fetch;
}

export interface WebhookStats {
  url: string;
  queued: number;
  delivered: number;
  failedAttempts: number;
  dropped: number;
}

const MAX_BATCH = 32;
const MAX_BACKOFF_MS = 30_000;

/**
 * POSTs registry events to each configured URL as Distribution notification envelopes
 * (`{events:[...]}`, EVENTS_MEDIA_TYPE). One queue and one sender per endpoint, so a slow or
 * dead receiver delays only itself; the queue is bounded and a batch is retried with
 * exponential backoff, then dropped. Nothing here blocks a request of the registry.
 *
 * A redirect is not followed (a receiver must not send the events, or the registry's
 * requests, elsewhere): a 3xx is a failed attempt, logged with its Location. With a
 * `secret`, each body carries its HMAC-SHA256 (Header.webhookSignature: `sha256=<hex>`).
 */
export class WebhookSender {
  private readonly endpoints: Endpoint[];

  constructor(opts: WebhookOptions) {
    this.endpoints = opts.urls.map((url) => new Endpoint(url, opts));
  }

  enqueue(event: RegistryEvent): void {
    for (const e of this.endpoints) e.enqueue(event);
  }

  stats(): WebhookStats[] {
    return this.endpoints.map((e) => e.stats());
  }

  /** Stops sending; events still queued are dropped. */
  async close(): Promise<void> {
    await Promise.all(this.endpoints.map((e) => e.close()));
  }
}

class Endpoint {
  private readonly queue: RegistryEvent[] = [];
  private readonly closed = new AbortController();
  private running: Promise<void> | undefined;
  private delivered = 0;
  private failedAttempts = 0;
  private dropped = 0;

  constructor(
    private readonly url: string,
    private readonly opts: WebhookOptions,
  ) {}

  enqueue(event: RegistryEvent): void {
    if (this.closed.signal.aborted) return;
    this.queue.push(event);
    while (this.queue.length > this.opts.maxQueue) {
      this.queue.shift();
      this.dropped++;
    }
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
    });
  }

  stats(): WebhookStats {
    return {
      url: this.url,
      queued: this.queue.length,
      delivered: this.delivered,
      failedAttempts: this.failedAttempts,
      dropped: this.dropped,
    };
  }

  async close(): Promise<void> {
    this.closed.abort();
    await this.running;
  }

  private async drain(): Promise<void> {
    const signal = this.closed.signal;
    while (this.queue.length > 0 && !signal.aborted) {
      const batch = this.queue.splice(0, MAX_BATCH);
      let delay = this.opts.backoffMs;
      for (let attempt = 1; attempt <= this.opts.attempts && !signal.aborted; attempt++) {
        if (await this.post(batch)) {
          this.delivered += batch.length;
          break;
        }
        this.failedAttempts++;
        if (attempt === this.opts.attempts) {
          this.dropped += batch.length;
          this.opts.logger.warn({ url: this.url, events: batch.length }, 'webhook gave up');
          break;
        }
        await sleepUnlessAborted(delay, signal);
        delay = Math.min(delay * 2, MAX_BACKOFF_MS);
      }
    }
  }

  /** Whether the receiver accepted the batch (any 2xx). */
  private async post(events: RegistryEvent[]): Promise<boolean> {
    const envelope: EventEnvelope = { events };
    const body = JSON.stringify(envelope);
    const headers: Record<string, string> = { 'content-type': EVENTS_MEDIA_TYPE };
    if (this.opts.secret)
      headers[Header.webhookSignature] =
        `sha256=${createHmac('sha256', this.opts.secret).update(body).digest('hex')}`;
    const signal = AbortSignal.any([this.closed.signal, AbortSignal.timeout(this.opts.timeoutMs)]);
    try {
      const res = await (this.opts.fetch ?? fetch)(this.url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal,
      });
      await res.body?.cancel();
      if (res.ok) return true;
      if (res.status >= 300 && res.status < 400) {
        const location = res.headers.get('location');
        this.opts.logger.warn(
          { url: this.url, status: res.status, location },
          'webhook redirected: not followed',
        );
        return false;
      }
      this.opts.logger.warn({ url: this.url, status: res.status }, 'webhook refused');
    } catch (err) {
      this.opts.logger.warn({ url: this.url, err: String(err) }, 'webhook unreachable');
    }
    return false;
  }
}
