/**
 * Whether process `pid` exists on this host: signal 0 checks without signalling, and
 * EPERM means it exists under another user. Lock and hand-off files name their owner's pid
 * so that one left by a dead process can be taken over.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
