import type { Writable } from 'node:stream';
import type { PushEvent } from '../../client/services/push.js';
import { LayerProgress, type LayerProgressOptions } from './layer-progress.js';

/**
 * Renders `pushImage` events: per layer compress, upload, bytes, speed, ETA. A layer is
 * named by its diffId while it is compressed and by its blob digest once the registry has
 * it: the final lines name each layer as a pull does.
 */
export class PushProgress {
  private readonly progress: LayerProgress;

  constructor(out: Writable, tty: boolean, opts: Omit<LayerProgressOptions, 'tty'> = {}) {
    this.progress = new LayerProgress(out, { ...opts, tty });
  }

  readonly onEvent = (e: PushEvent): void => {
    switch (e.kind) {
      case 'exported':
        return;
      case 'layer-progress':
        this.progress.set(e.index, {
          digest: e.diffId,
          size: e.size,
          state: e.phase,
          bytes: e.bytes,
        });
        return;
      case 'layer':
        this.progress.set(e.index, {
          digest: e.digest,
          size: e.size,
          state: e.outcome === 'uploaded' ? 'uploaded' : 'known',
          bytes: e.size,
        });
        return;
      case 'config':
        this.progress.status(`config: ${e.uploaded ? 'uploaded' : 'already in the registry'}`);
        return;
      case 'manifest':
        this.progress.status(`manifest: ${e.digest}`);
    }
  };

  finish(): void {
    this.progress.finish();
  }
}
