import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebTorrent from '@docket/webtorrent';
import Peer from '@docket/webtorrent/lib/peer.js';
import { describe, expect, it } from 'vitest';

/**
 * docket's fork of webtorrent and of the two packages it changes (vendor/,
 * docs/webtorrent-fork.md) is what docket's code and the forked webtorrent load, and no
 * upstream copy sits in node_modules for anything to load instead.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const FORKS = [
  { name: 'webtorrent', version: '3.0.21' },
  { name: 'torrent-piece', version: '4.0.1' },
  { name: 'bittorrent-protocol', version: '5.0.9' },
] as const;

interface PackageJson {
  name: string;
  version: string;
  private?: boolean;
  upstream?: { name: string; version: string };
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  overrides?: Record<string, string>;
}

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as PackageJson;

/** The folder Node loads package `name` from for a module in `fromDir` (node_modules lookup). */
function packageDir(name: string, fromDir: string): string | undefined {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    if (dirname(dir) === dir) return undefined;
  }
}

describe('the vendored fork', () => {
  it.each(FORKS)('$name: docket loads @docket/$name from vendor/$name', ({ name, version }) => {
    const dir = packageDir(`@docket/${name}`, join(ROOT, 'lib', 'p2p'));
    expect(dir).toBe(join(realpathSync(ROOT), 'vendor', name));
    const pkg = readJson(join(dir as string, 'package.json'));
    expect(pkg.name).toBe(`@docket/${name}`);
    expect(pkg.private).toBe(true);
    expect(pkg.upstream).toEqual({ name, version });
    expect(pkg.version).toMatch(new RegExp(`^${version.replaceAll('.', '\\.')}-docket\\.\\d+$`));
  });

  it('the forked webtorrent loads the forked torrent-piece and bittorrent-protocol', () => {
    const webtorrent = join(ROOT, 'vendor', 'webtorrent');
    const deps = readJson(join(webtorrent, 'package.json')).dependencies ?? {};
    for (const name of ['torrent-piece', 'bittorrent-protocol']) {
      expect(deps[`@docket/${name}`]).toBe(`file:../${name}`);
      expect(deps[name]).toBeUndefined();
      expect(packageDir(`@docket/${name}`, join(webtorrent, 'lib'))).toBe(
        join(realpathSync(ROOT), 'vendor', name),
      );
    }
    const imports = ['index.js', 'lib/peer.js', 'lib/webconn.js', 'lib/torrent.js']
      .map((file) => readFileSync(join(webtorrent, file), 'utf8'))
      .join('\n');
    expect(imports).not.toMatch(/from '(torrent-piece|bittorrent-protocol)'/);
    expect(imports).toContain("from '@docket/torrent-piece'");
    expect(imports).toContain("from '@docket/bittorrent-protocol'");
  });

  it('no upstream copy of the forked packages is installed', () => {
    const upstream = (dir: string): string[] => {
      if (!existsSync(dir)) return [];
      return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const path = join(dir, entry.name);
        if (entry.name === 'node_modules') return upstream(path);
        if (!entry.isDirectory() && !entry.isSymbolicLink()) return [];
        if (entry.name.startsWith('@')) return upstream(path);
        const found = FORKS.some((f) => f.name === entry.name) ? [relative(ROOT, path)] : [];
        return [...found, ...upstream(join(path, 'node_modules'))];
      });
    };
    const roots = [ROOT, ...FORKS.map((f) => join(ROOT, 'vendor', f.name))];
    const found = roots.flatMap((dir) => upstream(join(dir, 'node_modules')));
    expect(found.filter((p) => !p.startsWith(`node_modules${sep}@docket${sep}`))).toEqual([]);
  });

  it("docket's code imports webtorrent and its parts only from the fork", () => {
    const offending: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (/\.tsx?$/.test(entry.name)) {
          const text = readFileSync(join(ROOT, path), 'utf8');
          if (/(from |import\()'(webtorrent|torrent-piece|bittorrent-protocol)['/]/.test(text))
            offending.push(path);
        }
      }
    };
    for (const dir of ['lib', 'client', 'registry', 'agent', 'cli', 'tracker', 'bench', 'test'])
      walk(dir);
    expect(offending).toEqual([]);
  });

  it("is a devDependency the CLI bundle carries; node-datachannel stays docket's own", () => {
    const pkg = readJson(join(ROOT, 'package.json'));
    for (const { name } of FORKS)
      expect(pkg.devDependencies?.[`@docket/${name}`]).toBe(`file:vendor/${name}`);
    // A file: dependency in `dependencies` cannot be installed from the packed tarball.
    expect(Object.values(pkg.dependencies ?? {}).filter((v) => v.startsWith('file:'))).toEqual([]);
    // The bundle imports node-datachannel (webrtc-polyfill); 0.33 installs without a build.
    expect(pkg.dependencies?.['node-datachannel']).toMatch(/^0\.33\./);
    expect(pkg.overrides?.['node-datachannel']).toBe('$node-datachannel');
  });

  it('keeps upstream webtorrent version in the peer id prefix and user agent', () => {
    expect(WebTorrent.VERSION).toBe('3.0.21');
  });

  it('sockets: a 256 KiB buffer and a cork until the next turn (change 3)', () => {
    expect(Peer.SOCKET_HIGH_WATER_MARK).toBe(256 * 1024);
    const calls: string[] = [];
    const conn = { cork: () => calls.push('cork'), uncork: () => calls.push('uncork') };
    const peer = Object.assign(Object.create(Peer.prototype) as Peer, { conn }) as Peer & {
      _corkUntilNextTurn(): void;
    };
    peer._corkUntilNextTurn();
    peer._corkUntilNextTurn();
    expect(calls).toEqual(['cork']);
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        expect(calls).toEqual(['cork', 'uncork']);
        resolve();
      }),
    );
  });
});
