/** Whether a process id names a running process (on this host's pid namespace). */

/**
 * True when `pid` names a live process. A process of another user counts as alive (`EPERM`): only
 * a pid the OS says does not exist (`ESRCH`) is dead.
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: unknown }).code !== 'ESRCH';
  }
}
