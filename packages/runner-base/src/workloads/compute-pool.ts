/**
 * Worker threads for the workloads' heavy host computations (input generation, goldens), so a
 * workload call never freezes the caller's event loop with seconds of arithmetic: the jobs of
 * `compute-jobs.ts` run in a small pool of workers, created on first use and kept, unreferenced,
 * for the next call (an idle pool never keeps the process alive).
 *
 * Inputs a job takes are transferred to the worker (the caller gives them up); results come back
 * transferred, never copied.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { RunnerError, RunnerErrorCode } from '../errors';
import { jobTransferList, type ComputeJob, type ComputeResults } from './compute-jobs';

// The worker runs compiled JavaScript: next to this file in dist/, or in dist/ when this file is
// the TypeScript source (tests).
const WORKER_ENTRY = __filename.endsWith('.ts')
  ? path.resolve(__dirname, '..', '..', 'dist', 'workloads', 'compute-worker.js')
  : path.join(__dirname, 'compute-worker.js');

interface Pending {
  readonly resolve: (value: Float32Array) => void;
  readonly reject: (err: unknown) => void;
}

interface Slot {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
}

/** A reply of the worker. */
interface Reply {
  readonly id: number;
  readonly value?: Float32Array;
  readonly error?: { readonly name: string; readonly message: string; readonly code?: unknown };
}

/** A pool of compute workers. */
export class ComputePool {
  private readonly slots: Slot[] = [];
  private nextId = 0;
  private next = 0;

  /** @param size workers at most (default: one less than the cores, at least 1, at most 2) */
  constructor(readonly size: number = Math.max(1, Math.min(2, os.availableParallelism() - 1))) {}

  /**
   * Runs `job` on a worker. The job's input arrays are transferred: the caller must not use them
   * afterwards.
   *
   * @throws (rejects with) the job's error, rebuilt with its name, message and code; a
   *   `WORKLOAD_COMPUTE_FAILED` RunnerError when the worker died
   */
  run<J extends ComputeJob>(job: J): Promise<ComputeResults[J['op']]> {
    const slot = this.slot();
    const id = this.nextId++;
    return new Promise<Float32Array>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      if (slot.pending.size === 1) slot.worker.ref();
      slot.worker.postMessage({ id, job }, jobTransferList(job));
    });
  }

  /** Stops every worker (pending jobs reject). */
  async close(): Promise<void> {
    const slots = this.slots.splice(0);
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private slot(): Slot {
    // Fill the pool first, then take the least busy worker (round robin among equals).
    if (this.slots.length < this.size && this.slots.every((s) => s.pending.size > 0)) return this.spawn();
    let best = this.slots[this.next++ % this.slots.length]!;
    for (const s of this.slots) if (s.pending.size < best.pending.size) best = s;
    return best;
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_ENTRY);
    worker.unref();
    const slot: Slot = { worker, pending: new Map() };
    const fail = (err: unknown): void => {
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots.splice(i, 1);
      for (const p of slot.pending.values()) p.reject(err);
      slot.pending.clear();
    };
    worker.on('message', (reply: Reply) => {
      const p = slot.pending.get(reply.id);
      if (p === undefined) return;
      slot.pending.delete(reply.id);
      if (slot.pending.size === 0) worker.unref();
      if (reply.error !== undefined) p.reject(Object.assign(new Error(reply.error.message), { name: reply.error.name, code: reply.error.code }));
      else p.resolve(reply.value!);
    });
    worker.on('error', (err) => fail(new RunnerError(RunnerErrorCode.ComputeFailed, `workloadCompute: a compute worker failed: ${err.message}`, { op: 'workloadCompute', cause: err })));
    worker.on('exit', (code) => fail(new RunnerError(RunnerErrorCode.ComputeFailed, `workloadCompute: a compute worker exited (code ${code}) before it answered`, { op: 'workloadCompute' })));
    this.slots.push(slot);
    return slot;
  }
}

let shared: ComputePool | undefined;

/** The process's pool for the bundled workloads (created on first use). */
export function workloadComputePool(): ComputePool {
  shared ??= new ComputePool();
  return shared;
}
