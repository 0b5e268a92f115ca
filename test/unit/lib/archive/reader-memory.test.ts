import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { readImageArchive } from '../../../../lib/archive/reader.js';
import type { BlobSink } from '../../../../lib/archive/types.js';
import type { Digest } from '../../../../lib/digest.js';
import { fixtureConfig } from '../../../helpers/archives.js';
import { randomBytes } from '../../../../testbed/images.js';

const CHUNK = 1024 * 1024;
const CHUNKS = 256;
const block = randomBytes('memory', CHUNK);

function* layerChunks(): Generator<Buffer> {
  for (let i = 0; i < CHUNKS; i++) {
    const chunk = Buffer.from(block);
    chunk.writeUInt32BE(i, 0);
    yield chunk;
  }
}

/** Bytes in JS memory now (heap + Buffers). */
const inMemory = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

describe('readImageArchive memory', () => {
  it('streams a 256 MiB layer through without holding it', async () => {
    const hash = createHash('sha256');
    for (const chunk of layerChunks()) hash.update(chunk);
    const diffId = `sha256:${hash.digest('hex')}` as Digest;
    const config = fixtureConfig([diffId]);

    const pack = tar.pack();
    const layerDone = new Promise<void>((resolve, reject) => {
      const entry = pack.entry({ name: 'l1/layer.tar', size: CHUNK * CHUNKS }, (err) =>
        err ? reject(err) : resolve(),
      );
      Readable.from(layerChunks()).pipe(entry as unknown as NodeJS.WritableStream);
    });
    void layerDone.then(() => {
      pack.entry({ name: 'config.json' }, config);
      const manifest = [{ Config: 'config.json', RepoTags: [], Layers: ['l1/layer.tar'] }];
      pack.entry({ name: 'manifest.json' }, JSON.stringify(manifest));
      pack.finalize();
    });

    global.gc?.();
    const before = inMemory();
    let peak = before;
    let seen = 0;
    const sink: BlobSink<number> = {
      async store(body) {
        for await (const chunk of body) {
          seen += (chunk as Buffer).length;
          peak = Math.max(peak, inMemory());
        }
        return 1;
      },
      async discard() {},
    };
    const [image] = await readImageArchive(Readable.from(pack), sink);
    expect(seen).toBe(CHUNK * CHUNKS);
    expect(image!.layers[0]!.diffId).toBe(diffId);
    expect(peak - before).toBeLessThan(128 * 1024 * 1024);
  });
});
