import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UploadUnknownError } from '../../../../registry/errors.js';
import { Metadata } from '../../../../registry/metadata/metadata.js';
import { UploadSessions } from '../../../../registry/services/upload-sessions.js';

const owner = { repository: 'reg/a', token: 'ci' };

describe('UploadSessions', () => {
  it('answers only to the repository and token that opened a session', async () => {
    const sessions = new UploadSessions(1000);
    sessions.open('id', owner);
    expect(() => sessions.check('id', owner)).not.toThrow();
    for (const other of [
      { ...owner, repository: 'reg/b' },
      { ...owner, token: 'other' },
      { ...owner, token: null },
    ]) {
      expect(() => sessions.check('id', other)).toThrow(UploadUnknownError);
      await expect(sessions.run('id', other, async () => 1)).rejects.toThrow(UploadUnknownError);
    }
    expect(() => sessions.check('nope', owner)).toThrow(UploadUnknownError);
  });

  it('runs the requests of one session one at a time, in order', async () => {
    const sessions = new UploadSessions(1000);
    sessions.open('id', owner);
    const events: string[] = [];
    let releaseFirst = (): void => {};
    const first = sessions.run('id', owner, async () => {
      events.push('first start');
      await new Promise<void>((done) => {
        releaseFirst = done;
      });
      events.push('first end');
    });
    const second = sessions.run('id', owner, async () => {
      events.push('second');
    });
    await Promise.resolve();
    expect(events).toEqual(['first start']);
    releaseFirst();
    await Promise.all([first, second]);
    expect(events).toEqual(['first start', 'first end', 'second']);
  });

  it('fails a request queued behind one that closed the session', async () => {
    const sessions = new UploadSessions(1000);
    sessions.open('id', owner);
    const closing = sessions.run('id', owner, async () => sessions.close('id'));
    const after = sessions.run('id', owner, async () => 'ran');
    await closing;
    await expect(after).rejects.toThrow(UploadUnknownError);
  });

  it('expires a session idle past the TTL, never one with a request in flight', async () => {
    let now = 0;
    const sessions = new UploadSessions(100, () => now);
    sessions.open('idle', owner);
    sessions.open('busy', owner);
    let release = (): void => {};
    let started = (): void => {};
    const running = new Promise<void>((done) => {
      started = done;
    });
    const busy = sessions.run(
      'busy',
      owner,
      () =>
        new Promise<void>((done) => {
          release = done;
          started();
        }),
    );
    await running;
    now = 101;
    expect(() => sessions.check('idle', owner)).toThrow(UploadUnknownError);
    expect(sessions.takeExpired()).toEqual(['idle']);
    expect(sessions.takeExpired()).toEqual([]);
    release();
    await busy;
    now = 201;
    expect(sessions.takeExpired()).toEqual([]);
    now = 202;
    expect(sessions.takeExpired()).toEqual(['busy']);
  });

  describe('shared through the database (replicas)', () => {
    async function twoReplicas(ttlMs: number, now: () => number) {
      const dir = await mkdtemp(join(tmpdir(), 'docket-upload-sessions-'));
      const metadata = Metadata.open(join(dir, 'docket.db'));
      return {
        a: new UploadSessions(ttlMs, now, metadata.uploadSessions),
        b: new UploadSessions(ttlMs, now, metadata.uploadSessions),
        metadata,
        async dispose() {
          metadata.close();
          await rm(dir, { recursive: true, force: true });
        },
      };
    }

    it('continues on one replica a session another opened, for its owner only, and closes it for both', async () => {
      const { a, b, metadata, dispose } = await twoReplicas(1000, Date.now);
      try {
        a.open('id', owner);
        expect(await b.run('id', owner, async () => 'ran on b')).toBe('ran on b');
        expect(() => b.check('id', { ...owner, token: 'other' })).toThrow(UploadUnknownError);
        expect(() => b.check('nope', owner)).toThrow(UploadUnknownError);
        b.close('id');
        expect(metadata.uploadSessions.get('id')).toBeUndefined();
        a.close('id');
      } finally {
        await dispose();
      }
    });

    it('expires a session only once it is idle on every replica, on one of them', async () => {
      let now = 0;
      const { a, b, dispose } = await twoReplicas(100, () => now);
      try {
        a.open('id', owner);
        now = 80;
        await b.run('id', owner, async () => undefined);
        now = 150;
        // Idle on A past the TTL, written to through B 70 ms ago.
        expect(a.takeExpired()).toEqual([]);
        expect(b.takeExpired()).toEqual([]);
        expect(() => a.check('id', owner)).not.toThrow();
        now = 181;
        expect(a.takeExpired()).toEqual(['id']);
        expect(b.takeExpired()).toEqual([]);
        expect(() => b.check('id', owner)).toThrow(UploadUnknownError);
      } finally {
        await dispose();
      }
    });
  });
});
