import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { delay, inNetns } from './exec.js';
import { isAlive, processTree, treeCpuSeconds } from './procfs.js';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A process the test bed started; it is stopped by its pid, with its descendants. */
export interface Managed {
  readonly name: string;
  readonly pid: number;
  /** Everything the process wrote to stdout so far (also copied to the log file). */
  stdout(): string;
  readonly exited: Promise<Exit>;
  cpuSeconds(): number;
}

export interface SpawnOptions {
  /** Network namespace to run in (`ip netns exec`, which execs: the pid is the command's). */
  netns?: string;
  env?: NodeJS.ProcessEnv;
  /** File receiving stdout and stderr. */
  log: string;
}

class ManagedProcess implements Managed {
  readonly pid: number;
  readonly exited: Promise<Exit>;
  private out = '';

  constructor(
    readonly name: string,
    child: ChildProcess,
    log: string,
  ) {
    if (child.pid === undefined) throw new Error(`${name}: spawn failed`);
    this.pid = child.pid;
    const file = createWriteStream(log);
    child.stdout?.on('data', (chunk: Buffer) => {
      this.out += chunk.toString();
      file.write(chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => file.write(chunk));
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        file.end();
        resolve({ code, signal });
      });
      child.on('error', () => resolve({ code: null, signal: null }));
    });
  }

  stdout(): string {
    return this.out;
  }

  cpuSeconds(): number {
    return treeCpuSeconds(this.pid);
  }
}

/**
 * Every process one test bed run started. `stopAll` ends them (TERM, then KILL after a
 * bounded wait), descendants included, by pid: nothing else on the machine is touched.
 */
export class ProcessGroup {
  private readonly live = new Set<ManagedProcess>();

  spawn(name: string, cmd: string, args: string[], opts: SpawnOptions): Managed {
    const [file, argv] = opts.netns ? inNetns(opts.netns, cmd, args) : [cmd, args];
    const child = spawn(file, argv, {
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Own process group: a terminal's Ctrl-C reaches the bench, which tears down in order.
      detached: true,
    });
    const managed = new ManagedProcess(name, child, opts.log);
    this.live.add(managed);
    void managed.exited.then(() => this.live.delete(managed));
    return managed;
  }

  /** Sends `signal`, waits up to `graceMs` for the exit, then SIGKILLs the whole tree. */
  async stop(proc: Managed, graceMs = 15_000, signal: NodeJS.Signals = 'SIGTERM'): Promise<Exit> {
    const tree = processTree(proc.pid);
    signalPid(proc.pid, signal);
    const exit = await Promise.race([proc.exited, delay(graceMs).then(() => undefined)]);
    for (const pid of tree) if (isAlive(pid)) signalPid(pid, 'SIGKILL');
    return (
      exit ??
      (await Promise.race([
        proc.exited,
        delay(5_000).then(() => ({ code: null, signal: 'SIGKILL' as const })),
      ]))
    );
  }

  async stopAll(graceMs = 15_000): Promise<void> {
    await Promise.all([...this.live].map((p) => this.stop(p, graceMs)));
  }
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}
