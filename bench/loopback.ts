import type { DistributionRegistry } from './distribution.js';
import { dockerCliPull, dockerPull, dockerPush } from '../testbed/docker-progress.js';
import { type DocketRegistry, docketEnv, runDocket } from '../testbed/docket.js';
import { type BenchImage, removeImage, verifyImage } from '../testbed/bench-image.js';
import { buildTestImage } from '../testbed/images.js';
import type { Engine } from '../testbed/engine.js';
import type { Testbed } from '../testbed/testbed.js';

/**
 * Single host, unshaped: the origin's own engine pushes to / pulls from each registry over
 * the origin's loopback. CPU = engine + registry (+ the docket client) during the step.
 */
export class Loopback {
  constructor(
    private readonly tb: Testbed,
    private readonly engine: Engine,
    private readonly image: BenchImage,
    private readonly timeoutMs: number,
    private readonly nodeArgs: string[] = [],
  ) {}

  private docketPulls = 0;

  private get ref(): string {
    return `${this.image.name}:${this.image.tag}`;
  }

  private async timed(
    registry: { cpuSeconds(): number },
    step: () => Promise<number>,
  ): Promise<{ seconds: number; cpu: number }> {
    const cpu0 = this.engine.process.cpuSeconds() + registry.cpuSeconds();
    const started = Date.now();
    const clientCpu = await step();
    const seconds = (Date.now() - started) / 1000;
    const cpu = this.engine.process.cpuSeconds() + registry.cpuSeconds() - cpu0 + clientCpu;
    return { seconds, cpu };
  }

  async distributionPush(
    registry: DistributionRegistry,
  ): Promise<{ seconds: number; cpu: number }> {
    const repo = `${registry.loopbackAddress}/${this.image.name}`;
    await this.engine.docker.getImage(this.ref).tag({ repo, tag: this.image.tag });
    return this.timed(registry.process, async () => {
      await dockerPush(this.engine.docker, repo, this.image.tag);
      return 0;
    });
  }

  async docketPush(registry: DocketRegistry): Promise<{ seconds: number; cpu: number }> {
    const env = docketEnv(this.tb.path('h0', 'docket-push'), {
      dockerHost: this.engine.dockerHost,
      token: registry.token,
    });
    return this.timed(registry.process, async () => {
      const run = await runDocket(
        this.tb,
        this.tb.origin,
        'docket-push',
        ['push', '--registry', registry.loopbackUrl, this.ref],
        env,
        this.timeoutMs,
        this.nodeArgs,
      );
      return run.cpu;
    });
  }

  /** Removes the image from the origin's engine (by id: all its tags; the base image stays). */
  private forget(): Promise<void> {
    return removeImage(this.engine.docker, this.image.id);
  }

  /** `via`: the engine API call alone, or Docker's CLI (its start-up included). */
  async distributionPull(
    registry: DistributionRegistry,
    via: 'api' | 'cli' = 'api',
  ): Promise<{ seconds: number; cpu: number }> {
    const ref = `${registry.loopbackAddress}/${this.ref}`;
    await this.forget();
    const r = await this.timed(registry.process, async () => {
      if (via === 'cli') await dockerCliPull(this.engine.dockerHost, ref, this.timeoutMs);
      else await dockerPull(this.engine.docker, ref);
      return 0;
    });
    await verifyImage(this.engine.docker, ref, this.image);
    return r;
  }

  /**
   * The common deploy: a new version whose only change is a small top layer. Builds
   * `<name>:<tag>-update` (the image + one 200 kB layer) and pushes it to both registries;
   * each returned function times one registry's pull of it while the engine holds the
   * image it extends.
   */
  async prepareUpdate(
    dist: DistributionRegistry,
    docket: DocketRegistry,
  ): Promise<{
    distribution(): Promise<number>;
    distributionCli(): Promise<number>;
    docket(): Promise<number>;
  }> {
    const tag = `${this.image.tag}-update`;
    const ref = `${this.image.name}:${tag}`;
    const docker = this.engine.docker;
    await buildTestImage(docker, ref, [{ file: 'update.bin', size: 200_000, seed: tag }], {
      base: this.ref,
    });
    const distRepo = `${dist.loopbackAddress}/${this.image.name}`;
    await docker.getImage(ref).tag({ repo: distRepo, tag });
    await dockerPush(docker, distRepo, tag);
    const env = docketEnv(this.tb.path('h0', 'docket-update'), {
      dockerHost: this.engine.dockerHost,
      token: docket.token,
    });
    const run = (name: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}) =>
      runDocket(
        this.tb,
        this.tb.origin,
        name,
        args,
        { ...env, ...extraEnv },
        this.timeoutMs,
        this.nodeArgs,
      );
    await run('docket-push-update', ['push', '--registry', docket.loopbackUrl, ref]);
    let pulls = 0;
    const { Id: id } = await docker.getImage(ref).inspect();
    const forget = async () => {
      await docker.getImage(id).remove({ force: true });
      if (!(await this.has(this.ref))) throw new Error(`${this.ref} went with the update`);
    };
    const timed = async (pull: () => Promise<unknown>) => {
      await forget();
      const started = Date.now();
      await pull();
      return (Date.now() - started) / 1000;
    };
    return {
      distribution: () => timed(() => dockerPull(docker, `${distRepo}:${tag}`)),
      distributionCli: () =>
        timed(() => dockerCliPull(this.engine.dockerHost, `${distRepo}:${tag}`, this.timeoutMs)),
      docket: () =>
        timed(() =>
          run(
            'docket-pull-update',
            ['pull', '--registry', docket.loopbackUrl, '--seed-time', '0', '-q', '--bare-tag', ref],
            // An empty cache each time: the new layer comes from the registry.
            { DOCKET_CACHE_DIR: this.tb.path('h0', `docket-update-cache-${pulls++}`) },
          ),
        ),
    };
  }

  private has(ref: string): Promise<boolean> {
    return this.engine.docker
      .getImage(ref)
      .inspect()
      .then(() => true)
      .catch(() => false);
  }

  /**
   * `docket pull` with an empty cache. `mode` 'swarm' adds `--no-direct`: every layer comes
   * over BitTorrent from the registry's seed, none over the direct HTTP download.
   * clientCpu: the docket process alone.
   */
  async docketPull(
    registry: DocketRegistry,
    mode: 'direct' | 'swarm' = 'direct',
  ): Promise<{ seconds: number; cpu: number; clientCpu: number }> {
    await this.forget();
    let clientCpu = 0;
    // A fresh dir (blob cache) for each pull: every layer comes from the registry.
    const dir = this.tb.path('h0', `docket-pull-${this.docketPulls++}`);
    const env = docketEnv(dir, { dockerHost: this.engine.dockerHost });
    const r = await this.timed(registry.process, async () => {
      // --bare-tag: the image is verified under its bare name, as docker would name it.
      const args = [
        'pull',
        '--registry',
        registry.loopbackUrl,
        '--seed-time',
        '0',
        '-q',
        '--bare-tag',
        ...(mode === 'swarm' ? ['--no-direct'] : []),
        this.ref,
      ];
      clientCpu = (
        await runDocket(
          this.tb,
          this.tb.origin,
          'docket-pull-h0',
          args,
          env,
          this.timeoutMs,
          this.nodeArgs,
        )
      ).cpu;
      return clientCpu;
    });
    await verifyImage(this.engine.docker, this.ref, this.image);
    return { ...r, clientCpu };
  }
}
