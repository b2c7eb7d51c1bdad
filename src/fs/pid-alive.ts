// Whether a process exists, for the engine's ownership records (mount records, the content
// cache's lock). It only asks the OS (signal 0); it does not decide what a dead owner means.

/** True if a process with `pid` exists (EPERM: it exists but belongs to someone else). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
