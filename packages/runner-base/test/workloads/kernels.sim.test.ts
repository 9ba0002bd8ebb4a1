// Every workload kernel, compiled the way the workloads compile it (runner-base's compileKernel),
// called on the simulator through a test AI CPU program (programs/kernel_harness.cc) and checked
// against the workloads' goldens. No runner and no scheduler are involved.
import { HalError } from '@npurun/hal-native';
import type { CallableKernel } from '../../src/callable-registry';
import {
  TILE_ELEMS,
  WORKLOAD_KERNELS,
  addTilesGolden,
  f32Bits,
  loadWorkloadKernels,
  matmulTilesGolden,
  seededNormalF32,
  spmdGolden,
  vectorExampleGolden,
  type WorkloadKernelName,
} from '../../src/workloads';
import { EXACT, FLOAT_1E3, MismatchLog, compareTensor } from '../../src/workloads/verify';
import { KernelHarness, compileHarness } from './support/kernel-harness';

const ALL = Object.keys(WORKLOAD_KERNELS) as WorkloadKernelName[];
const SENTINEL = -7.25;

function expectMatch(expected: ArrayLike<number>, actual: ArrayLike<number>, tol = EXACT): void {
  const log = new MismatchLog(5);
  compareTensor(log, 'out', expected, actual, tol);
  expect(log.first).toEqual([]);
}

describe.each(['a2a3sim', 'a5sim'] as const)('workload kernels on %s', (platform) => {
  let h: KernelHarness;
  const k = {} as Record<WorkloadKernelName, CallableKernel>;

  beforeAll(async () => {
    const [harness, kernels] = await Promise.all([compileHarness(), loadWorkloadKernels(ALL, platform)]);
    kernels.forEach((kernel, i) => (k[ALL[i]!] = kernel));
    h = new KernelHarness(platform, harness);
  }, 240_000);
  afterAll(() => h?.close());

  const call = (name: WorkloadKernelName, args: (bigint | number)[], coreType = WORKLOAD_KERNELS[name].coreType, ctx = {}): Promise<void> =>
    h.call(k[name].image, k[name].entry ?? name, args, { coreType, ...ctx });

  test('every kernel declares the arg count and core type of its source', () => {
    for (const name of ALL) expect(k[name]).toMatchObject({ name, entry: name, coreType: WORKLOAD_KERNELS[name].coreType, argCount: WORKLOAD_KERNELS[name].args.length });
  });

  test('write_const writes 42 into out[0] and nothing else', async () => {
    const out = h.upload(new Float32Array(16).fill(-1));
    await call('write_const', [out]);
    expectMatch([42, ...Array(15).fill(-1)], h.read(new Float32Array(16), out));
  });

  test('copy_first copies in[0] to out[0] and nothing else', async () => {
    const input = h.upload(Float32Array.from([7.5, 1, 2, 3]));
    const out = h.upload(new Float32Array(4).fill(-1));
    await call('copy_first', [input, out]);
    expectMatch([7.5, -1, -1, -1], h.read(new Float32Array(4), out));
  });

  test('matmul_tile128 computes C = A·B for the given tile count only', async () => {
    const a = seededNormalF32(3 * TILE_ELEMS, 42, 1); // scale 1: the 1e-3 tolerance then bites
    const b = seededNormalF32(3 * TILE_ELEMS, 43, 1);
    const [A, B] = [h.upload(a), h.upload(b)];
    const C = h.upload(new Float32Array(3 * TILE_ELEMS).fill(SENTINEL));
    await call('matmul_tile128', [A, B, C, 2]);
    const c = h.read(new Float32Array(3 * TILE_ELEMS), C);
    expectMatch(matmulTilesGolden(a.subarray(0, 2 * TILE_ELEMS), b.subarray(0, 2 * TILE_ELEMS)), c.subarray(0, 2 * TILE_ELEMS), FLOAT_1E3);
    expect(c.subarray(2 * TILE_ELEMS).every((v) => v === SENTINEL)).toBe(true);
    // a transposed operand would differ well beyond the tolerance
    const log = new MismatchLog(1);
    expect(compareTensor(log, 'C', matmulTilesGolden(b.subarray(0, TILE_ELEMS), a.subarray(0, TILE_ELEMS)), c.subarray(0, TILE_ELEMS), FLOAT_1E3)).toBeGreaterThan(1000);
  });

  test('add_tile128 computes Z = X + Y exactly for the given tile count only', async () => {
    const x = seededNormalF32(2 * TILE_ELEMS, 44, 0.01);
    const y = seededNormalF32(2 * TILE_ELEMS, 45, 0.01);
    const Z = h.upload(new Float32Array(2 * TILE_ELEMS).fill(SENTINEL));
    await call('add_tile128', [h.upload(x), h.upload(y), Z, 1]);
    const z = h.read(new Float32Array(2 * TILE_ELEMS), Z);
    expectMatch(addTilesGolden(x.subarray(0, TILE_ELEMS), y.subarray(0, TILE_ELEMS)), z.subarray(0, TILE_ELEMS));
    expect(z.subarray(TILE_ELEMS).every((v) => v === SENTINEL)).toBe(true);
  });

  test.each([
    ['vector_add', (a: number, b: number) => a + b],
    ['vector_mul', (a: number, b: number) => a * b],
  ] as const)('%s over n elements, element n untouched', async (name, op) => {
    const n = 1001;
    const x = seededNormalF32(n, 1, 3);
    const y = seededNormalF32(n, 2, 3);
    const out = h.upload(new Float32Array(n + 1).fill(SENTINEL));
    await call(name, [h.upload(x), h.upload(y), out, n]);
    const got = h.read(new Float32Array(n + 1), out);
    expectMatch(Float32Array.from(x, (v, i) => op(v, y[i]!)), got.subarray(0, n));
    expect(got[n]).toBe(SENTINEL);
  });

  test.each([1, 2, -2.25, 0.1])('vector_add_scalar adds %s passed as float32 bits', async (s) => {
    const n = 500;
    const x = seededNormalF32(n, 3, 3);
    const out = h.upload(new Float32Array(n + 1).fill(SENTINEL));
    await call('vector_add_scalar', [h.upload(x), out, f32Bits(s), n]);
    const got = h.read(new Float32Array(n + 1), out);
    expectMatch(Float32Array.from(x, (v) => v + Math.fround(s)), got.subarray(0, n));
    expect(got[n]).toBe(SENTINEL);
  });

  test('the three vector kernels chained as the vector example give f = 47', async () => {
    const n = 16384;
    const a = new Float32Array(n).fill(2);
    const b = new Float32Array(n).fill(3);
    const [A, B] = [h.upload(a), h.upload(b)];
    const [c, d, e, g, f] = [0, 1, 2, 3, 4].map(() => h.upload(new Float32Array(n)));
    await call('vector_add', [A, B, c!, n]);
    await call('vector_add_scalar', [c!, d!, f32Bits(1), n]);
    await call('vector_add_scalar', [c!, e!, f32Bits(2), n]);
    await call('vector_mul', [d!, e!, g!, n]);
    await call('vector_add', [g!, c!, f!, n]);
    expectMatch(vectorExampleGolden(a, b), h.read(new Float32Array(n), f!));
  });

  test('spmd_read kernels, called as the three sub-cores of a mixed task, give the golden', async () => {
    const out = h.upload(new Float32Array(48));
    await call('spmd_read_aic', [out], 'cube', { blockIdx: 0, blockNum: 1 });
    await call('spmd_read_aiv', [out], 'vector', { blockIdx: 0, blockNum: 1, subBlockIdx: 0, subBlockNum: 2 });
    await call('spmd_read_aiv', [out], 'vector', { blockIdx: 0, blockNum: 1, subBlockIdx: 1, subBlockNum: 2 });
    expectMatch(spmdGolden(), h.read(new Float32Array(48), out));
  });

  test('spmd_read kernels report the ctx they are given, not constants', async () => {
    const out = h.upload(new Float32Array(48));
    await call('spmd_read_aic', [out], 'cube', { blockIdx: 3, blockNum: 5 });
    await call('spmd_read_aiv', [out], 'vector', { blockIdx: 3, blockNum: 5, subBlockIdx: 1, subBlockNum: 2 });
    const got = h.read(new Float32Array(48), out);
    expect(Array.from(got.subarray(0, 3))).toEqual([3, 5, 0]);
    expect(Array.from(got.subarray(16, 19))).toEqual([0, 0, 0]);
    expect(Array.from(got.subarray(32, 35))).toEqual([3, 5, 1]);
  });

  test('the harness fails the launch when the entry is not in the image', async () => {
    const out = h.upload(new Float32Array(1));
    await expect(h.call(k.write_const.image, 'no_such_kernel', [out], { coreType: 'cube' })).rejects.toBeInstanceOf(HalError);
  });
});
