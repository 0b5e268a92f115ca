import { execFile } from 'node:child_process';

/** A command of the test bed (ip, tc, curl...) failed or ran out of time. */
export class TestbedCommandError extends Error {
  constructor(
    readonly command: string,
    readonly stderr: string,
    cause: unknown,
  ) {
    super(`${command} failed: ${stderr.trim() || (cause as Error).message}`, { cause });
    this.name = 'TestbedCommandError';
  }
}

/** Runs `cmd args` to completion (bounded by `timeoutMs`) and resolves with its stdout. */
export function run(
  cmd: string,
  args: string[],
  opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      {
        timeout: opts.timeoutMs ?? 30_000,
        killSignal: 'SIGKILL',
        maxBuffer: 16 * 1024 * 1024,
        env: opts.env ?? process.env,
      },
      (err, stdout, stderr) => {
        if (err) reject(new TestbedCommandError([cmd, ...args].join(' '), String(stderr), err));
        else resolve(String(stdout));
      },
    );
  });
}

/**
 * The argv that runs a command inside network namespace `ns`. nsenter(1) joins only the
 * network namespace and execs (the pid is the command's); `ip netns exec` would also mount
 * a fresh /sys, which hides the cgroup hierarchy dockerd needs.
 */
export function inNetns(ns: string, cmd: string, args: string[]): [string, string[]] {
  return ['nsenter', [`--net=/run/netns/${ns}`, '--', cmd, ...args]];
}

/** Resolves after `ms`, for bounded polling of things that emit no event (a port opening). */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
