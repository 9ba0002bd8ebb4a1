/**
 * The entry of a workload compute worker (see `compute-pool.ts`): runs each job it is sent and
 * posts the result back, transferring the result's buffer.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parentPort } from 'node:worker_threads';
import { runComputeJob, type ComputeJob } from './compute-jobs';

// How much lower than the caller this worker's thread is scheduled (a nice increment), as the
// simulated device's threads are: goldens are computed while the device runs, and on a machine
// with few cores the caller's event loop must get a core first.
const WORKER_NICE_INCREMENT = 10;

/**
 * Lowers this thread's priority (only this thread: Linux schedules threads one by one, and
 * `/proc/thread-self` names this one). Where that is not possible the worker simply keeps the
 * caller's priority; its results are the same either way.
 */
function lowerOwnPriority(): void {
  try {
    const tid = Number(path.basename(fs.readlinkSync('/proc/thread-self')));
    if (!Number.isSafeInteger(tid) || tid <= 0) return;
    os.setPriority(tid, Math.min(19, os.getPriority(tid) + WORKER_NICE_INCREMENT));
  } catch {
    // no /proc, or not allowed: scheduling only, nothing to report
  }
}

/** A job as the pool posts it. */
interface JobMessage {
  readonly id: number;
  readonly job: ComputeJob;
}

const port = parentPort;
if (port !== null) {
  lowerOwnPriority();
  port.on('message', ({ id, job }: JobMessage) => {
    try {
      const value = runComputeJob(job);
      port.postMessage({ id, value }, [value.buffer as ArrayBuffer]);
    } catch (err) {
      const e = err as { name?: unknown; message?: unknown; code?: unknown };
      port.postMessage({ id, error: { name: String(e?.name ?? 'Error'), message: String(e?.message ?? err), code: e?.code } });
    }
  });
}
