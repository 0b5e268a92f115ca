import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readLoadProgress } from '../../../client/docker-engine.js';
import { EngineError } from '../../../client/errors.js';

const stream = (...chunks: string[]) => Readable.from(chunks.map((c) => Buffer.from(c)));

describe('readLoadProgress', () => {
  it('returns the loaded image IDs, across chunk boundaries', async () => {
    const loaded = await readLoadProgress(
      stream(
        '{"stream":"Loaded image ID: sha',
        '256:abc\\n"}\n{"stream":"Loaded image: a:b\\n"}\n',
      ),
    );
    expect(loaded).toEqual(['sha256:abc', 'a:b']);
  });
  it('throws EngineError on an errorDetail even after other lines (the HTTP status is 200)', async () => {
    await expect(
      readLoadProgress(
        stream(
          '{"stream":"x\\n"}\n{"errorDetail":{"message":"unexpected EOF"},"error":"unexpected EOF"}\n',
        ),
      ),
    ).rejects.toThrow(EngineError);
  });
});
