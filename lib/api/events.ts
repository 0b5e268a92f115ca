/**
 * Registry events: what `GET /docket/v1/events` streams (server-sent events, one event per
 * message, `event:` = the action) and what webhooks POST. The shape follows Docker
 * Distribution's notification envelope ("Notifications", `Events` /
 * `application/vnd.docker.distribution.events.v1+json`), so receivers written for
 * distribution read docket's too.
 */

/** Content type of a webhook body (Distribution's `EventsMediaType`). */
export const EVENTS_MEDIA_TYPE = 'application/vnd.docker.distribution.events.v1+json';

export type RegistryAction = 'push' | 'delete';

export interface RegistryEvent {
  /** Unique per event (a UUID). */
  id: string;
  /** ISO 8601. */
  timestamp: string;
  action: RegistryAction;
  target: {
    /** The manifest's media type (push). */
    mediaType?: string;
    /** The manifest digest. */
    digest?: string;
    /** Manifest bytes (push). */
    size?: number;
    length?: number;
    repository: string;
    /** Present when a tag moved (push) or was deleted. */
    tag?: string;
    /** Where the manifest is fetched, relative to the registry's URL. */
    url?: string;
  };
  /** Name of the token that made the change; absent when anonymous. */
  actor: { name?: string };
  source: { addr?: string };
}

/** A webhook body: Distribution sends events in batches under `events`. */
export interface EventEnvelope {
  events: RegistryEvent[];
}

/** Reads one event (an SSE `data:` line or an envelope entry); undefined when it is not one. */
export function parseRegistryEvent(body: unknown): RegistryEvent | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const e = body as Partial<RegistryEvent>;
  if (typeof e.id !== 'string' || (e.action !== 'push' && e.action !== 'delete')) return undefined;
  if (typeof e.target !== 'object' || e.target === null) return undefined;
  if (typeof e.target.repository !== 'string') return undefined;
  return e as RegistryEvent;
}
