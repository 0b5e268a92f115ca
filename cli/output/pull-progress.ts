import type { Writable } from 'node:stream';
import type { PullEvent } from '../../client/services/pull.js';
import { plural } from '../../lib/format.js';
import { shortDigest } from './format.js';
import { LayerProgress, type LayerProgressOptions } from './layer-progress.js';

/** Renders `pullImage` events: per layer peers, bytes from peers and registry, speed, ETA. */
export class PullProgress {
  private readonly progress: LayerProgress;

  constructor(out: Writable, tty: boolean, opts: Omit<LayerProgressOptions, 'tty'> = {}) {
    this.progress = new LayerProgress(out, { ...opts, tty });
  }

  readonly onEvent = (event: PullEvent): void => {
    switch (event.kind) {
      case 'loading':
        this.progress.status(
          `loading into the Docker engine (${plural(event.omitLayers, 'bottom layer')} already present)`,
        );
        return;
      case 'loaded':
        this.progress.status(`loaded ${shortDigest(event.imageId)}`);
        return;
      case 'layer': {
        const moving = event.state === 'downloading' || event.state === 'done';
        this.progress.set(event.index, {
          digest: event.digest,
          size: event.size,
          state: event.state,
          bytes: event.downloaded,
          ...(moving
            ? {
                peers: event.peers,
                sources: {
                  peers: event.stats.fromPeers,
                  registrySeed: event.stats.fromRegistrySeed,
                  direct: event.stats.fromWebSeed,
                },
              }
            : {}),
        });
      }
    }
  };

  finish(): void {
    this.progress.finish();
  }
}
