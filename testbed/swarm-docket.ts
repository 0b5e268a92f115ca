import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { type DocketRegistry, docketArgv, docketEnv } from './docket.js';
import { type BenchImage, removeImage, verifyImage } from './bench-image.js';
import { type BytesBySource, measurePhase, type PhaseResult, type PullOutcome } from './phase.js';
import type { Managed } from './processes.js';
import type { PeerHost, Testbed } from './testbed.js';

/** The part of `docket pull --json-summary` the bench reads (client/services/pull.ts). */
interface PullSummaryLine {
  bytes: { fromPeers: number; fromRegistrySeed: number; fromWebSeed: number };
}

/**
 * The swarm deploy: `hosts` run `docket pull` at the same moment; each keeps seeding until
 * every host has loaded the image (the JSON summary line is printed right after the load),
 * then all are stopped with SIGINT. Each engine then runs the image (network none) and must
 * print the origin's output; the image and each host's blob cache are removed afterwards.
 */
export async function docketSwarm(
  tb: Testbed,
  opts: {
    hosts: PeerHost[];
    registry: DocketRegistry;
    image: BenchImage;
    mbit: number;
    timeoutMs: number;
    label: string;
    /** Node flags for the docket processes (e.g. --cpu-prof). */
    nodeArgs?: string[];
  },
): Promise<PhaseResult> {
  const ref = `${opts.image.name}:${opts.image.tag}`;
  const pullers: Managed[] = [];
  try {
    const result = await measurePhase(tb, {
      system: 'docket',
      hosts: opts.hosts,
      imageBytes: opts.image.bytes,
      mbit: opts.mbit,
      registry: opts.registry.process,
      pull: async (host): Promise<PullOutcome> => {
        const proc = tb.spawn(
          host,
          `docket-pull-${opts.label}-h${host.index}`,
          process.execPath,
          docketArgv(
            [
              'pull',
              '--registry',
              opts.registry.url,
              '--seed-time',
              String(Math.ceil(opts.timeoutMs / 1000)),
              '--json-summary',
              // The image is verified under its bare name below.
              '--bare-tag',
              '--cache-dir',
              host.cacheDir,
              ref,
            ],
            opts.nodeArgs,
          ),
          docketEnv(tb.path(`h${host.index}`, 'docket'), {
            dockerHost: host.engine.dockerHost,
            cacheDir: host.cacheDir,
          }),
        );
        pullers.push(proc);
        const { line, at } = await proc.waitForLine(/^\{.*"bytes"/, opts.timeoutMs);
        return { doneAt: at, bytes: bytesOf(line), pullerCpu: proc.cpuSeconds() };
      },
    });
    if (result.failedHosts > 0) return result;
    await Promise.all(opts.hosts.map((h) => verifyImage(h.engine.docker, ref, opts.image)));
    return result;
  } finally {
    await Promise.all(pullers.map((p) => tb.processes.stop(p, 15_000, 'SIGINT')));
    for (const h of opts.hosts) {
      await removeImage(h.engine.docker, ref);
      await removeImage(h.engine.docker, `${new URL(opts.registry.url).host}/${ref}`);
      rmSync(h.cacheDir, { recursive: true, force: true });
      rmSync(join(tb.dir, `h${h.index}`, 'docket'), { recursive: true, force: true });
    }
  }
}

function bytesOf(line: string): BytesBySource {
  const s = JSON.parse(line) as PullSummaryLine;
  return {
    peers: s.bytes.fromPeers,
    registrySeed: s.bytes.fromRegistrySeed,
    webSeed: s.bytes.fromWebSeed,
  };
}
