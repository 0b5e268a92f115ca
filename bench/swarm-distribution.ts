import type { BenchImage } from '../testbed/bench-image.js';
import { removeImage, verifyImage } from '../testbed/bench-image.js';
import { dockerPull } from '../testbed/docker-progress.js';
import type { DistributionRegistry } from './distribution.js';
import { measurePhase, type PhaseResult } from '../testbed/phase.js';
import type { PeerHost, Testbed } from '../testbed/testbed.js';

/**
 * Baseline: `hosts` engines `docker pull` the image from Docker Distribution at once. Each
 * engine then runs the image (network none) and must print the origin's output; the image is
 * removed afterwards so the next phase starts empty.
 */
export async function distributionSwarm(
  tb: Testbed,
  opts: {
    hosts: PeerHost[];
    registry: DistributionRegistry;
    image: BenchImage;
    mbit: number;
    timeoutMs: number;
  },
): Promise<PhaseResult> {
  const ref = `${opts.registry.address}/${opts.image.name}:${opts.image.tag}`;
  const result = await measurePhase(tb, {
    system: 'distribution',
    hosts: opts.hosts,
    imageBytes: opts.image.bytes,
    mbit: opts.mbit,
    registry: opts.registry.process,
    pull: async (host) => {
      await withTimeout(
        dockerPull(host.engine.docker, ref),
        opts.timeoutMs,
        `pull on h${host.index}`,
      );
      return { doneAt: Date.now() };
    },
  });
  if (result.failedHosts === 0)
    await Promise.all(opts.hosts.map((h) => verifyImage(h.engine.docker, ref, opts.image)));
  await Promise.all(opts.hosts.map((h) => removeImage(h.engine.docker, ref)));
  return result;
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
