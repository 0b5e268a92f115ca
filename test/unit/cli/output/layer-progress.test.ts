import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LayerProgress } from '../../../../cli/output/layer-progress.js';
import { duration, layerLine, totalLine } from '../../../../cli/output/progress-lines.js';
import { PullProgress } from '../../../../cli/output/pull-progress.js';
import { PushProgress } from '../../../../cli/output/push-progress.js';
import type { Digest } from '../../../../lib/digest.js';

const DIGEST = `sha256:${'ab'.repeat(32)}` as Digest;

function sink(): { out: Writable; text: () => string } {
  let text = '';
  const out = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  return { out, text: () => text };
}

/** What a terminal shows after `text`: cursor-up and erase-to-end applied, lines kept. */
function screen(text: string): string[] {
  const lines: string[] = [];
  let row = 0;
  const esc = String.fromCharCode(27);
  const parts = text.split(new RegExp(`(${esc}\\[\\d+A\r${esc}\\[J)`));
  for (const part of parts) {
    const up = new RegExp(`^${esc}\\[(\\d+)A\r${esc}\\[J$`).exec(part);
    if (up) {
      row -= Number(up[1]);
      lines.length = row;
      continue;
    }
    for (const line of part.split('\n').slice(0, -1)) {
      lines[row++] = line;
    }
  }
  return lines;
}

describe('layerLine (state → line)', () => {
  it('shows bytes, speed, ETA, peers and sources while downloading', () => {
    const line = layerLine({
      digest: DIGEST,
      size: 40_000_000,
      state: 'downloading',
      bytes: 10_000_000,
      seconds: 2,
      peers: 1,
      sources: { peers: 5_000_000, registrySeed: 1_000_000, direct: 4_000_000 },
    });
    expect(line).toBe(
      'abababababab    40MB  10MB/40MB 5MB/s ETA 6s 1 peer (peers 5MB, registry seed 1MB, direct 4MB)',
    );
  });

  it('names only the sources that sent bytes, in the words of the pull summary', () => {
    const base = { digest: DIGEST, size: 100, bytes: 100, seconds: 1, state: 'done' as const };
    expect(layerLine({ ...base, sources: { peers: 0, registrySeed: 0, direct: 100 } })).toBe(
      'abababababab    100B  done (direct 100B)',
    );
    expect(layerLine({ ...base, sources: { peers: 0, registrySeed: 0, direct: 0 } })).toBe(
      'abababababab    100B  done',
    );
  });

  it('totals every layer under the table', () => {
    expect(
      totalLine([
        { size: 1_000_000, bytes: 0, state: 'present' },
        { size: 2_000_000, bytes: 500_000, state: 'downloading' },
        { size: 3_000_000, bytes: 0, state: 'waiting' },
      ]),
    ).toBe('total            6MB  1.5MB/6MB, 1 of 3 layers done');
  });

  it('shows compress and upload progress of a push', () => {
    const base = { digest: DIGEST, size: 2_000_000, bytes: 1_000_000, seconds: 1 };
    expect(layerLine({ ...base, state: 'compressing' })).toMatch(
      /compressing 1MB\/2MB 1MB\/s ETA 1s$/,
    );
    expect(layerLine({ ...base, state: 'uploading' })).toMatch(/uploading 1MB\/2MB/);
    expect(layerLine({ ...base, state: 'known' })).toMatch(/already in the registry$/);
  });

  it('formats durations', () => {
    expect([duration(5), duration(185), duration(3720)]).toEqual(['5s', '3m05s', '1h02m']);
  });
});

describe('LayerProgress', () => {
  it('on a terminal, one table, its total, then the status lines: the final screen has each once', () => {
    const { out, text } = sink();
    let now = 0;
    const p = new PullProgress(out, true, { now: () => now });
    const layer = (index: number, state: 'downloading' | 'done', downloaded: number) =>
      p.onEvent({
        kind: 'layer',
        index,
        digest: DIGEST,
        size: 100,
        state,
        downloaded,
        peers: 2,
        stats: { fromPeers: downloaded, fromRegistrySeed: 0, fromWebSeed: 0 },
      });
    layer(0, 'downloading', 0);
    layer(1, 'downloading', 0);
    now = 50;
    layer(0, 'downloading', 40); // throttled
    now = 200;
    layer(0, 'done', 100);
    p.onEvent({ kind: 'loading', omitLayers: 0 });
    layer(1, 'done', 100);
    p.onEvent({ kind: 'loaded', imageId: DIGEST });
    p.finish();
    const shown = screen(text());
    expect(shown).toEqual([
      'abababababab    100B  done (peers 100B)',
      'abababababab    100B  done (peers 100B)',
      'total           200B  200B/200B, 2 of 2 layers done',
      'loading into the Docker engine (0 bottom layers already present)',
      'loaded abababababab',
    ]);
  });

  it('without a terminal, prints state changes and a line per layer every interval', () => {
    const { out, text } = sink();
    let now = 0;
    const p = new LayerProgress(out, { tty: false, plainIntervalMs: 5_000, now: () => now });
    const set = (state: 'uploading' | 'uploaded', bytes: number) =>
      p.set(0, { digest: DIGEST, size: 100, state, bytes });
    set('uploading', 0);
    now = 1_000;
    set('uploading', 10);
    now = 5_000;
    set('uploading', 50);
    now = 6_000;
    set('uploaded', 100);
    p.finish();
    expect(text()).not.toContain('\u001b');
    expect(text().trim().split('\n')).toEqual([
      'abababababab    100B  uploading 0B/100B',
      'abababababab    100B  uploading 50B/100B 10B/s ETA 5s',
      'abababababab    100B  uploaded',
    ]);
  });
});

const DIFF_ID = `sha256:${'cd'.repeat(32)}` as Digest;

describe('PushProgress', () => {
  it('names a layer by its diffId while compressing, by its blob digest (as a pull does) once sent', () => {
    const { out, text } = sink();
    const p = new PushProgress(out, false, { now: () => 0 });
    p.onEvent({
      kind: 'layer-progress',
      index: 0,
      diffId: DIFF_ID,
      phase: 'compressing',
      bytes: 0,
      size: 100,
    });
    p.onEvent({
      kind: 'layer',
      index: 0,
      diffId: DIFF_ID,
      digest: DIGEST,
      outcome: 'uploaded',
      size: 80,
    });
    expect(text().split('\n')).toEqual([
      'cdcdcdcdcdcd    100B  compressing 0B/100B',
      'abababababab     80B  uploaded',
      '',
    ]);
  });

  it('on a terminal, the config and manifest lines come under the table, not above it', () => {
    const { out, text } = sink();
    const p = new PushProgress(out, true, { now: () => 0 });
    for (const index of [0, 1])
      p.onEvent({
        kind: 'layer',
        index,
        diffId: DIFF_ID,
        digest: DIGEST,
        outcome: 'uploaded',
        size: 100,
      });
    p.onEvent({ kind: 'config', uploaded: true });
    p.onEvent({ kind: 'manifest', digest: DIGEST });
    p.finish();
    expect(screen(text())).toEqual([
      'abababababab    100B  uploaded',
      'abababababab    100B  uploaded',
      'total           200B  200B/200B, 2 of 2 layers done',
      'config: uploaded',
      `manifest: ${DIGEST}`,
    ]);
  });
});
