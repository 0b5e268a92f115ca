import { describe, expect, it } from 'vitest';
import { startCli } from '../../helpers/run-cli.js';

describe('docket tracker', () => {
  it('logs JSON lines with ISO times, as the registry does', async () => {
    const tracker = startCli(['tracker', '--host', '127.0.0.1', '--port', '0']);
    try {
      const stderr = await tracker.waitForStderr(/tracker listening.*\n/, 30_000);
      const line = JSON.parse(
        stderr.split('\n').find((l) => l.includes('tracker listening')) ?? '',
      );
      expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    } finally {
      tracker.child.kill('SIGINT');
      await tracker.result;
    }
  });
});
