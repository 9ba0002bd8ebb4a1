/**
 * The entry of a workload compute worker (see `compute-pool.ts`): runs each job it is sent and
 * posts the result back, transferring the result's buffer.
 */
import { parentPort } from 'node:worker_threads';
import { runComputeJob, type ComputeJob } from './compute-jobs';

/** A job as the pool posts it. */
interface JobMessage {
  readonly id: number;
  readonly job: ComputeJob;
}

const port = parentPort;
if (port !== null) {
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
