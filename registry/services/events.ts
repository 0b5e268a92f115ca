import { randomUUID } from 'node:crypto';
import { paths, type RegistryEvent } from '../../lib/api/index.js';
import type { Digest } from '../../lib/digest.js';

export type EventListener = (event: RegistryEvent) => void;

/**
 * The registry's in-process event publisher: services report what changed (a tag pushed,
 * a manifest or tag deleted) once it is committed; subscribers (the SSE route, the webhook
 * sender) get every event in order. A listener that throws does not stop the others.
 */
export class EventPublisher {
  private readonly listeners = new Set<EventListener>();

  constructor(private readonly onListenerError: (err: unknown) => void = () => {}) {}

  /** Returns the function that unsubscribes. */
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  /** A tag now points at `digest` (a push of `repository:tag`). */
  pushed(
    repository: string,
    tag: string,
    manifest: { digest: Digest; mediaType: string; size: number },
    actor: string | null,
  ): void {
    this.publish('push', actor, {
      mediaType: manifest.mediaType,
      digest: manifest.digest,
      size: manifest.size,
      length: manifest.size,
      repository,
      tag,
      url: paths.manifest(repository, manifest.digest),
    });
  }

  /** A tag (reference is a tag) or a manifest (reference is a digest) was deleted. */
  deleted(repository: string, reference: string): void {
    const byDigest = reference.startsWith('sha256:');
    this.publish(
      'delete',
      null,
      byDigest ? { repository, digest: reference } : { repository, tag: reference },
    );
  }

  private publish(
    action: RegistryEvent['action'],
    actor: string | null,
    target: RegistryEvent['target'],
  ): void {
    const event: RegistryEvent = {
      id: randomUUID(),
      timestamp: new Date().toISOString(),
      action,
      target,
      actor: actor ? { name: actor } : {},
      source: {},
    };
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }
}
