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
  /**
   * Resolves with the first stdout line matching `pattern` (Date.now() when it arrived);
   * rejects when the process exits first or after `timeoutMs`.
   */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<{ line: string; at: number }>;
  cpuSeconds(): number;
}

export interface SpawnOptions {
  /** Network namespace to run in (`ip netns exec`, which execs: the pid is the command's). */
  netns?: string;
  env?: NodeJS.ProcessEnv;
  /** File receiving stdout and stderr. */
  log: string;
}

const STDERR_TAIL_CHARS = 2_000;

class ManagedProcess implements Managed {
  readonly pid: number;
  readonly exited: Promise<Exit>;
  private out = '';
  /** The last few KiB of stderr, quoted when the process exits before an awaited line. */
  private errTail = '';
  private readonly lineListeners = new Set<(line: string, at: number) => void>();
  private partial = '';

  constructor(
    readonly name: string,
    child: ChildProcess,
    log: string,
  ) {
    if (child.pid === undefined) throw new Error(`${name}: spawn failed`);
    this.pid = child.pid;
    const file = createWriteStream(log);
    child.stdout?.on('data', (chunk: Buffer) => {
      const at = Date.now();
      const text = chunk.toString();
      this.out += text;
      file.write(chunk);
      const lines = (this.partial + text).split('\n');
      this.partial = lines.pop() ?? '';
      for (const line of lines) for (const listener of this.lineListeners) listener(line, at);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      file.write(chunk);
      this.errTail = (this.errTail + chunk.toString()).slice(-STDERR_TAIL_CHARS);
    });
    // 'close' comes after the last stdout chunk; a descendant holding the pipe open must not
    // delay it more than 2 s past 'exit'.
    this.exited = new Promise((resolve) => {
      let exit: Exit = { code: null, signal: null };
      const finish = () => {
        file.end();
        resolve(exit);
      };
      child.on('exit', (code, signal) => {
        exit = { code, signal };
        setTimeout(finish, 2_000).unref();
      });
      child.on('close', finish);
      child.on('error', finish);
    });
  }

  stdout(): string {
    return this.out;
  }

  cpuSeconds(): number {
    return treeCpuSeconds(this.pid);
  }

  waitForLine(pattern: RegExp, timeoutMs: number): Promise<{ line: string; at: number }> {
    const seen = this.out.split('\n').find((l) => pattern.test(l));
    if (seen !== undefined) return Promise.resolve({ line: seen, at: Date.now() });
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.lineListeners.delete(listener);
      };
      const listener = (line: string, at: number) => {
        if (!pattern.test(line)) return;
        done();
        resolve({ line, at });
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${this.name}: no line matching ${pattern} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.lineListeners.add(listener);
      void this.exited.then((exit) => {
        if (!this.lineListeners.has(listener)) return;
        done();
        const stderr = this.errTail.trim();
        const said = stderr ? `; stderr: ${stderr}` : '';
        reject(
          new Error(`${this.name} exited (${exit.code ?? exit.signal}) before ${pattern}${said}`),
        );
      });
    });
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
