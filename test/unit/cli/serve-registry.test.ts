import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { banner, cliCommand } from '../../../cli/serve-registry.js';

describe('the registry banner names a login command that runs from where it was started', () => {
  const bin = mkdtempSync(join(tmpdir(), 'docket-unit-path-'));
  const empty = mkdtempSync(join(tmpdir(), 'docket-unit-path-'));
  writeFileSync(join(bin, 'docket'), '#!/bin/sh\n');
  chmodSync(join(bin, 'docket'), 0o755);
  afterAll(() => {
    rmSync(bin, { recursive: true, force: true });
    rmSync(empty, { recursive: true, force: true });
  });

  it('says `docket` when it is on PATH (npm link, npm install -g, the Docker image)', () => {
    expect(cliCommand(`${empty}:${bin}`, '/src/docket/bin/docket.js', '/src/docket')).toBe(
      'docket',
    );
  });

  it('says `node bin/docket.js` in a checkout without it, absolute from elsewhere', () => {
    expect(cliCommand(empty, '/src/docket/bin/docket.js', '/src/docket')).toBe(
      'node bin/docket.js',
    );
    expect(cliCommand(undefined, '/src/docket/bin/docket.js', '/home/me')).toBe(
      'node /src/docket/bin/docket.js',
    );
    expect(cliCommand('', '/my src/bin/docket.js', '/tmp')).toBe("node '/my src/bin/docket.js'");
  });

  it('puts it in the log-in line', () => {
    const r = {
      url: 'http://127.0.0.1:5000',
      publicUrl: 'http://127.0.0.1:5000',
      dataDir: 'docket-data',
      adminToken: 'secret',
      adminTokenPath: 'docket-data/admin-token',
    };
    expect(banner(r, '0.1.0', 'node bin/docket.js')).toContain(
      '  log in with:  node bin/docket.js login --registry http://127.0.0.1:5000 --token-stdin < docket-data/admin-token\n',
    );
  });

  it("says where the admin token is when it is another replica's", () => {
    const r = {
      url: 'http://127.0.0.1:5001',
      publicUrl: 'http://127.0.0.1:5001',
      dataDir: 'replica-b',
      adminToken: undefined,
      adminTokenPath: 'replica-b/admin-token',
    };
    const text = banner(r, '0.1.0');
    expect(text).toContain('made by another registry sharing it');
    expect(text).toContain('admin-token file to replica-b/admin-token');
    expect(text).not.toContain('log in with');
  });
});
