/**
 * `alternating_matmul_add`: independent cube and vector tasks, interleaved in
 * submission order, so both core types are busy at once. C[b,m] = A[b,m]·B[b,m] on cube cores and
 * Z[b,n] = X[b,n] + Y[b,n] on vector cores, over 128×128 float32 tiles.
 */
import type { Callable } from '../callable-registry';
import { InvalidArgumentError } from '../errors';
import { scalarArg, type TaskArg, type TaskSpec } from '../runtime-image/task-graph';
import { f32Arg } from './tensors';
import { loadWorkloadKernels } from './kernels';
import { workloadComputePool } from './compute-pool';
import { checkWorkloadRunOptions, resolveCase, withSession } from './session';
import type { Workload, WorkloadCase, WorkloadResult, WorkloadRunner, WorkloadRunOptions } from './types';
import { FLOAT_1E3 } from './verify';

/** Rows (and columns) of a tile. */
export const TILE_DIM = 128;
/** Elements of a tile. */
export const TILE_ELEMS = TILE_DIM * TILE_DIM;
/** Bytes of a tile. */
export const TILE_BYTES = TILE_ELEMS * 4;
/** Seeds of A, B, X, Y (A uses the upstream runner's 42). */
export const ALTERNATING_SEEDS = { A: 42, B: 43, X: 44, Y: 45 } as const;
/** Inputs are standard normal variates times this (the upstream runner's `randn * 0.01`). */
export const ALTERNATING_INPUT_SCALE = 0.01;

/** The shape parameters of the workload (the upstream runner's scalar arguments). */
export interface AlternatingParams {
  /** Batches. */
  batch: number;
  /** Matmul tiles per batch (A, B, C are `[batch, M, 128, 128]`). */
  m: number;
  /** Add tiles per batch (X, Y, Z are `[batch, N, 128, 128]`). */
  n: number;
  /** Consecutive matmul tiles per cube task. */
  matmulBatch: number;
  /** Consecutive add tiles per vector task. */
  addBatch: number;
}

/** A case of `alternating_matmul_add`. */
export interface AlternatingCase extends WorkloadCase, AlternatingParams {}

/** The cases: the upstream runner's `default`, and one with enough tasks to keep every core of either arch busy. */
export const ALTERNATING_CASES: readonly AlternatingCase[] = [
  { name: 'default', description: '1 matmul tile and 1 add tile (batch 1, M 1, N 1)', batch: 1, m: 1, n: 1, matmulBatch: 1, addBatch: 1 },
  {
    name: 'fill_cores',
    description: '256 matmul and 256 add tasks of one tile each (batch 64, M 4, N 4): more tasks than cores on both arches',
    batch: 64,
    m: 4,
    n: 4,
    matmulBatch: 1,
    addBatch: 1,
  },
];

/** Kernel-table indices of the workload's callable. */
export const ALTERNATING_KERNELS = { matmul: 0, add: 1 } as const;

/** Device addresses of the six tensors. */
export interface AlternatingTensors {
  /** Matmul left operands. */
  A: bigint;
  /** Matmul right operands. */
  B: bigint;
  /** Matmul results. */
  C: bigint;
  /** Add left operands. */
  X: bigint;
  /** Add right operands. */
  Y: bigint;
  /** Add results. */
  Z: bigint;
}

/**
 * Checks the shape parameters.
 *
 * @throws InvalidArgumentError unless every parameter is a positive safe integer
 */
export function checkAlternatingParams(p: AlternatingParams): void {
  for (const key of ['batch', 'm', 'n', 'matmulBatch', 'addBatch'] as const) {
    const v = p[key];
    if (!Number.isSafeInteger(v) || v < 1) throw new InvalidArgumentError('alternating_matmul_add', key, v, 'a positive integer');
  }
}

/** Splits `tiles` into groups of at most `perTask` consecutive tiles: [first tile, count] per task. */
export function tileGroups(tiles: number, perTask: number): [number, number][] {
  const groups: [number, number][] = [];
  for (let first = 0; first < tiles; first += perTask) groups.push([first, Math.min(perTask, tiles - first)]);
  return groups;
}

/**
 * The task graph: matmul task i, then add task i, for as long as either has tasks left. No
 * dependencies: every task reads and writes its own tiles.
 */
export function alternatingGraph(p: AlternatingParams, t: AlternatingTensors): TaskSpec[] {
  checkAlternatingParams(p);
  const mm = tileGroups(p.batch * p.m, p.matmulBatch);
  const add = tileGroups(p.batch * p.n, p.addBatch);
  // A task's operands: `count` consecutive tiles from `tile` on.
  const at = (base: bigint, [tile, count]: [number, number], role: 'input' | 'output'): TaskArg =>
    f32Arg(base + BigInt(tile) * BigInt(TILE_BYTES), [count, TILE_DIM, TILE_DIM], role);
  const tasks: TaskSpec[] = [];
  for (let i = 0; i < Math.max(mm.length, add.length); i++) {
    const g = mm[i];
    if (g !== undefined) {
      tasks.push({ kernel: ALTERNATING_KERNELS.matmul, args: [at(t.A, g, 'input'), at(t.B, g, 'input'), at(t.C, g, 'output'), scalarArg(g[1])], label: `matmul ${i}` });
    }
    const h = add[i];
    if (h !== undefined) {
      tasks.push({ kernel: ALTERNATING_KERNELS.add, args: [at(t.X, h, 'input'), at(t.Y, h, 'input'), at(t.Z, h, 'output'), scalarArg(h[1])], label: `add ${i}` });
    }
  }
  return tasks;
}

/**
 * Golden C: A·B per 128×128 tile, row-major, accumulated in double precision and rounded to
 * float32 once (the device accumulates in float32; the 1e-3 tolerance covers the difference).
 */
export function matmulTilesGolden(a: Float32Array, b: Float32Array): Float32Array {
  if (a.length !== b.length || a.length % TILE_ELEMS !== 0) {
    throw new InvalidArgumentError('matmulTilesGolden', 'B', b.length, `the same whole number of tiles as A (A has ${a.length} elements)`);
  }
  const c = new Float32Array(a.length);
  const acc = new Float64Array(TILE_DIM);
  for (let base = 0; base < a.length; base += TILE_ELEMS) {
    for (let i = 0; i < TILE_DIM; i++) {
      acc.fill(0);
      for (let k = 0; k < TILE_DIM; k++) {
        const aik = a[base + i * TILE_DIM + k]!;
        const row = base + k * TILE_DIM;
        for (let j = 0; j < TILE_DIM; j++) acc[j]! += aik * b[row + j]!;
      }
      c.set(acc, base + i * TILE_DIM);
    }
  }
  return c;
}

/** Golden Z: X + Y element by element, rounded to float32 (exactly what the device computes). */
export function addTilesGolden(x: Float32Array, y: Float32Array): Float32Array {
  if (x.length !== y.length) throw new InvalidArgumentError('addTilesGolden', 'Y', y.length, `as long as X (${x.length} elements)`);
  const z = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) z[i] = x[i]! + y[i]!;
  return z;
}

/** The callable's run arguments. */
export interface AlternatingArgs {
  /** Shape parameters. */
  params: AlternatingParams;
  /** Device tensors. */
  tensors: AlternatingTensors;
  /** Host views C and Z are read into after the run. */
  readback: { C: Float32Array; Z: Float32Array };
}

/** The callable: matmul_tile128 and add_tile128. */
export function alternatingCallable(kernels: Callable['kernels']): Callable<AlternatingArgs> {
  return {
    kernels,
    orchestrate: (args) => ({
      tasks: alternatingGraph(args.params, args.tensors),
      outputs: [
        { addr: args.tensors.C, view: args.readback.C },
        { addr: args.tensors.Z, view: args.readback.Z },
      ],
    }),
  };
}

async function runAlternating(runner: WorkloadRunner, options?: WorkloadRunOptions): Promise<WorkloadResult> {
  options = checkWorkloadRunOptions(alternatingMatmulAdd, options);
  const c = resolveCase(alternatingMatmulAdd, options.case);
  checkAlternatingParams(c);
  const kernels = await loadWorkloadKernels(['matmul_tile128', 'add_tile128'], runner.platform, options.compile);
  return withSession(runner, alternatingMatmulAdd.name, c.name, options, async (s) => {
    const mmElems = c.batch * c.m * TILE_ELEMS;
    const addElems = c.batch * c.n * TILE_ELEMS;
    // Inputs and goldens are seconds of arithmetic at fill_cores: they run on worker threads, so
    // the caller's event loop stays free. The goldens are computed while the device runs.
    const pool = workloadComputePool();
    const normal = (length: number, seed: number): Promise<Float32Array> => pool.run({ op: 'normalF32', length, seed, scale: ALTERNATING_INPUT_SCALE });
    const [A, B, X, Y] = await Promise.all([
      normal(mmElems, ALTERNATING_SEEDS.A),
      normal(mmElems, ALTERNATING_SEEDS.B),
      normal(addElems, ALTERNATING_SEEDS.X),
      normal(addElems, ALTERNATING_SEEDS.Y),
    ]);
    const tensors: AlternatingTensors = {
      A: await s.tensor(A),
      B: await s.tensor(B),
      C: await s.zeros(mmElems * 4),
      X: await s.tensor(X),
      Y: await s.tensor(Y),
      Z: await s.zeros(addElems * 4),
    };
    // The inputs are on the device: hand them to the workers (transferred, not copied).
    const goldens = Promise.all([pool.run({ op: 'matmulTilesGolden', a: A, b: B }), pool.run({ op: 'addTilesGolden', x: X, y: Y })]);
    goldens.catch(() => undefined); // a failed run is reported first; this rejection then has no reader
    const readback = { C: new Float32Array(mmElems), Z: new Float32Array(addElems) };
    const id = s.id('callable');
    s.prepare(id, alternatingCallable(kernels));
    await s.run(id, { params: c, tensors, readback } satisfies AlternatingArgs);
    const [goldenC, goldenZ] = await goldens;
    await s.verify('C', goldenC, readback.C, FLOAT_1E3);
    await s.verify('Z', goldenZ, readback.Z, FLOAT_1E3);
    return s.result(alternatingGraph(c, tensors).length);
  });
}

/** The `alternating_matmul_add` workload. */
export const alternatingMatmulAdd: Workload<AlternatingCase> = {
  name: 'alternating_matmul_add',
  description: 'interleaved independent cube matmuls and vector adds over 128×128 float32 tiles',
  cases: ALTERNATING_CASES,
  defaultCase: 'default',
  run: runAlternating,
};
