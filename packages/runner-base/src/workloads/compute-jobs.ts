/**
 * The heavy host computations of the bundled workloads, as jobs a worker thread runs: generating
 * seeded inputs and computing goldens. Each job is a pure function of its message, so the same
 * code gives the same bits on the main thread and in a worker.
 */
import { addTilesGolden, matmulTilesGolden } from './alternating-matmul-add';
import { seededNormalF32 } from './prng';

/** A job: its operation and arguments. Arrays in a job are transferred to the worker, not copied. */
export type ComputeJob =
  | { readonly op: 'normalF32'; readonly length: number; readonly seed: number; readonly scale: number }
  | { readonly op: 'matmulTilesGolden'; readonly a: Float32Array; readonly b: Float32Array }
  | { readonly op: 'addTilesGolden'; readonly x: Float32Array; readonly y: Float32Array };

/** What each operation returns. */
export interface ComputeResults {
  /** `seededNormalF32(length, seed, scale)`. */
  normalF32: Float32Array;
  /** `matmulTilesGolden(a, b)`. */
  matmulTilesGolden: Float32Array;
  /** `addTilesGolden(x, y)`. */
  addTilesGolden: Float32Array;
}

/** Runs a job where it is called (in the worker, or inline). */
export function runComputeJob(job: ComputeJob): Float32Array {
  switch (job.op) {
    case 'normalF32':
      return seededNormalF32(job.length, job.seed, job.scale);
    case 'matmulTilesGolden':
      return matmulTilesGolden(job.a, job.b);
    case 'addTilesGolden':
      return addTilesGolden(job.x, job.y);
  }
}

/** The array buffers a job hands over (the inputs the caller gives up). */
export function jobTransferList(job: ComputeJob): ArrayBuffer[] {
  const arrays = job.op === 'matmulTilesGolden' ? [job.a, job.b] : job.op === 'addTilesGolden' ? [job.x, job.y] : [];
  const buffers = new Set<ArrayBuffer>();
  for (const a of arrays) if (a.buffer instanceof ArrayBuffer) buffers.add(a.buffer);
  return [...buffers];
}
