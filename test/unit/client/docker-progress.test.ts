import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { type ProgressEvent, readProgress } from '../../../client/docker-progress.js';
import { EngineError } from '../../../client/errors.js';

const stream = (...chunks: string[]) => Readable.from(chunks.map((c) => Buffer.from(c)));

describe('readProgress', () => {
  it('forwards and returns every event, across chunk and UTF-8 boundaries', async () => {
    const bytes = Buffer.from('{"status":"pulled é"}\n{"id":"a","progress":"[=>]"}');
    const seen: ProgressEvent[] = [];
    const events = await readProgress(
      Readable.from([bytes.subarray(0, 18), bytes.subarray(18)]),
      'docker pull',
      (e) => seen.push(e),
    );
    expect(events).toEqual([{ status: 'pulled é' }, { id: 'a', progress: '[=>]' }]);
    expect(seen).toEqual(events);
  });

  it('reads to the end, then rejects with the first errorDetail message', async () => {
    const seen: ProgressEvent[] = [];
    const reading = readProgress(
      stream(
        '{"status":"a"}\n{"errorDetail":{"message":"unauthorized: token"},"error":"x"}\n',
        '{"errorDetail":{"message":"second"}}\n{"status":"after"}\n',
      ),
      'docker push',
      (e) => seen.push(e),
    );
    await expect(reading).rejects.toThrow(EngineError);
    await expect(reading).rejects.toThrow('docker push failed: unauthorized: token');
    expect(seen.map((e) => e.status ?? 'error')).toEqual(['a', 'error', 'error', 'after']);
  });

  it('rejects on a bare error field and on a line that is not JSON', async () => {
    await expect(readProgress(stream('{"error":"no space"}\n'), 'docker load')).rejects.toThrow(
      'docker load failed: no space',
    );
    await expect(readProgress(stream('<html>\n'), 'docker load')).rejects.toThrow(
      /unreadable progress from the engine: <html>/,
    );
  });

  it('rethrows an error of the stream itself unchanged', async () => {
    const broken = new Readable({
      read() {
        this.destroy(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
      },
    });
    await expect(readProgress(broken, 'docker load')).rejects.toMatchObject({
      code: 'ECONNRESET',
    });
  });
});
