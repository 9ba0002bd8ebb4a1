// Graph builders, checked without a device: validated by the real graph validator and executed
// by the host model in an adversarial order, then compared with the goldens.
import type { KernelRef, TaskSpec } from '../../src/runtime-image/task-graph';
import {
  ALTERNATING_CASES,
  DUMMY_TASK_CASES,
  TILE_BYTES,
  TILE_ELEMS,
  VECTOR_EXAMPLE_ORDERS,
  WORKLOAD_KERNELS,
  addTilesGolden,
  alternatingGraph,
  dummyTaskGolden,
  dummyTaskGraph,
  matmulTilesGolden,
  seededNormalF32,
  spmdGolden,
  spmdGraph,
  tileGroups,
  vectorExampleGolden,
  vectorExampleGraph,
  vectorExampleKernelIds,
  type WorkloadKernelName,
} from '../../src/workloads';
import { HostMemory, executeGraph } from './support/host-model';

/** A kernel table whose entries only carry names and core types (no device). */
function kernelTable(names: readonly WorkloadKernelName[]): KernelRef[] {
  return names.map((n, i) => {
    const spec = WORKLOAD_KERNELS[n];
    return { name: spec.name, entry: spec.name, imageAddr: 0x1000n * BigInt(i + 1), imageSize: 64, coreType: spec.coreType, argCount: spec.argCount };
  });
}

const DUMMY_KERNELS = kernelTable(['write_const', 'copy_first']);

function runDummy(tasks: TaskSpec[], mem: HostMemory, t: { x: bigint; y: bigint; w: bigint }): Record<'x' | 'y' | 'w', number[]> {
  executeGraph(mem, DUMMY_KERNELS, tasks);
  return { x: Array.from(mem.f32(t.x, 16)), y: Array.from(mem.f32(t.y, 16)), w: Array.from(mem.f32(t.w, 16)) };
}

function dummyTensors(mem: HostMemory): { x: bigint; y: bigint; w: bigint } {
  const t = { x: mem.alloc(64), y: mem.alloc(64), w: mem.alloc(64) };
  for (const a of Object.values(t)) mem.f32(a, 16).fill(-1);
  return t;
}

describe('dummyTaskGraph', () => {
  test.each(DUMMY_TASK_CASES.map((c) => [c.name, c] as const))('%s: executes to the golden', (_name, c) => {
    const mem = new HostMemory();
    const t = dummyTensors(mem);
    const tasks = dummyTaskGraph(c.shape, c.dummies, t);
    const dummies = tasks.filter((x) => x.kernel === null).length;
    expect(dummies).toBe(c.dummies);
    const g = dummyTaskGolden(c.shape);
    expect(runDummy(tasks, mem, t)).toEqual({ x: Array.from(g.x), y: Array.from(g.y), w: Array.from(g.w) });
  });

  test('long chain is more than 4 dummies, each waiting for the previous task', () => {
    const c = DUMMY_TASK_CASES.find((x) => x.shape === 'chain')!;
    expect(c.dummies).toBeGreaterThan(4);
    const tasks = dummyTaskGraph('chain', c.dummies, { x: 1n, y: 2n, w: 3n });
    tasks.slice(1).forEach((t, i) => expect(t.deps).toEqual([i]));
  });

  test('barrier: the dummy waits for both producers, the consumer only for the dummy', () => {
    const tasks = dummyTaskGraph('barrier', 1, { x: 1n, y: 2n, w: 3n });
    expect(tasks.map((t) => t.kernel ?? null)).toEqual([0, 0, null, 1]);
    expect(tasks[2]!.deps).toEqual([0, 1]);
    expect(tasks[3]!.deps).toEqual([2]);
  });

  test('the host model catches a graph whose dummy does not order the consumer', () => {
    const mem = new HostMemory();
    const t = dummyTensors(mem);
    const broken = dummyTaskGraph('single', 1, t).map((task, i) => (i === 2 ? { ...task, deps: [] } : task));
    expect(runDummy(broken, mem, t).y[0]).toBe(-1);
  });
});

describe('alternatingGraph', () => {
  const tensors = { A: 0x100000n, B: 0x200000n, C: 0x300000n, X: 0x400000n, Y: 0x500000n, Z: 0x600000n };

  test('fill_cores: 256 matmul and 256 add tasks, interleaved, independent, one tile each', () => {
    const c = ALTERNATING_CASES.find((x) => x.name === 'fill_cores')!;
    const tasks = alternatingGraph(c, tensors);
    expect(tasks).toHaveLength(512);
    tasks.forEach((t, i) => {
      expect(t.kernel).toBe(i % 2);
      expect(t.deps ?? []).toEqual([]);
    });
    // more tasks of each kind than either arch has cores of that kind (a5: 36 cube, 72 vector)
    expect(tasks.filter((t) => t.kernel === 0).length).toBeGreaterThan(36);
    expect(tasks.filter((t) => t.kernel === 1).length).toBeGreaterThan(72);
    expect(tasks[6]!.args![0]).toEqual({
      kind: 'addr',
      value: tensors.A + 3n * BigInt(TILE_BYTES),
      tensor: { bytes: TILE_BYTES, dtype: 'float32', shape: [1, 128, 128], role: 'input' },
    });
  });

  test('groups consecutive tiles, the last group taking the remainder', () => {
    expect(tileGroups(10, 4)).toEqual([[0, 4], [4, 4], [8, 2]]);
    const tasks = alternatingGraph({ batch: 5, m: 2, n: 1, matmulBatch: 4, addBatch: 2 }, tensors);
    // 3 matmul tasks (10 tiles by 4), 3 add tasks (5 tiles by 2), alternating
    expect(tasks.map((t) => t.kernel)).toEqual([0, 1, 0, 1, 0, 1]);
    expect(tasks.map((t) => t.args![3])).toEqual([4, 2, 4, 2, 2, 1].map((v) => ({ kind: 'scalar', value: v })));
  });

  test('rejects non-positive parameters', () => {
    expect(() => alternatingGraph({ batch: 0, m: 1, n: 1, matmulBatch: 1, addBatch: 1 }, tensors)).toThrow(/batch/);
    expect(() => alternatingGraph({ batch: 1, m: 1, n: 1, matmulBatch: 1.5, addBatch: 1 }, tensors)).toThrow(/matmulBatch/);
  });

  test('executes to the golden (batch 2, M 2, N 3, tasks of 3 and 2 tiles)', () => {
    const p = { batch: 2, m: 2, n: 3, matmulBatch: 3, addBatch: 2 };
    const mem = new HostMemory();
    const mm = p.batch * p.m * TILE_ELEMS;
    const ad = p.batch * p.n * TILE_ELEMS;
    const host = { A: seededNormalF32(mm, 1, 0.01), B: seededNormalF32(mm, 2, 0.01), X: seededNormalF32(ad, 3, 0.01), Y: seededNormalF32(ad, 4, 0.01) };
    const t = { A: mem.alloc(mm * 4), B: mem.alloc(mm * 4), C: mem.alloc(mm * 4), X: mem.alloc(ad * 4), Y: mem.alloc(ad * 4), Z: mem.alloc(ad * 4) };
    for (const k of ['A', 'B', 'X', 'Y'] as const) mem.f32(t[k], host[k].length).set(host[k]);
    executeGraph(mem, kernelTable(['matmul_tile128', 'add_tile128']), alternatingGraph(p, t));
    expect(mem.f32(t.C, mm)).toEqual(matmulTilesGolden(host.A, host.B));
    expect(mem.f32(t.Z, ad)).toEqual(addTilesGolden(host.X, host.Y));
  });
});

describe('vectorExampleGraph', () => {
  test.each(Object.entries(VECTOR_EXAMPLE_ORDERS))('%s kernel order: five tasks that execute to f = 47', (_name, order) => {
    const n = 256;
    const mem = new HostMemory();
    const t = { a: mem.alloc(n * 4), b: mem.alloc(n * 4), f: mem.alloc(n * 4), scratch: mem.alloc(16 * n) };
    mem.f32(t.a, n).fill(2);
    mem.f32(t.b, n).fill(3);
    const tasks = vectorExampleGraph(vectorExampleKernelIds(order), t, n);
    expect(tasks).toHaveLength(5);
    executeGraph(mem, kernelTable(order), tasks);
    expect(Array.from(mem.f32(t.f, n))).toEqual(Array.from(vectorExampleGolden(new Float32Array(n).fill(2), new Float32Array(n).fill(3))));
  });

  test('every task depends on the producers of what it reads', () => {
    const tasks = vectorExampleGraph(vectorExampleKernelIds(VECTOR_EXAMPLE_ORDERS.primary), { a: 1n, b: 2n, f: 3n, scratch: 4n }, 8);
    expect(tasks.map((t) => t.deps ?? [])).toEqual([[], [0], [0], [1, 2], [0, 3]]);
  });

  test('the host model catches a missing dependency', () => {
    const n = 16;
    const mem = new HostMemory();
    const t = { a: mem.alloc(n * 4), b: mem.alloc(n * 4), f: mem.alloc(n * 4), scratch: mem.alloc(16 * n) };
    mem.f32(t.a, n).fill(2);
    mem.f32(t.b, n).fill(3);
    const order = VECTOR_EXAMPLE_ORDERS.primary;
    const tasks = vectorExampleGraph(vectorExampleKernelIds(order), t, n).map((task, i) => (i === 3 ? { ...task, deps: [2] } : task));
    executeGraph(mem, kernelTable(order), tasks);
    expect(mem.f32(t.f, n)[0]).not.toBe(47);
  });

  test('kernel ids follow the order; an order missing a kernel is rejected', () => {
    expect(vectorExampleKernelIds(VECTOR_EXAMPLE_ORDERS.reordered)).toEqual({ mul: 0, add: 1, addScalar: 2 });
    expect(() => vectorExampleKernelIds(['vector_add', 'vector_mul'])).toThrow(/vector_add_scalar/);
  });
});

describe('spmdGraph', () => {
  test('one mixed task; executes to the golden', () => {
    const mem = new HostMemory();
    const out = mem.alloc(48 * 4);
    const tasks = spmdGraph(out);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]!.kernel).toEqual({ cube: 0, vector0: 1, vector1: 1 });
    executeGraph(mem, kernelTable(['spmd_read_aic', 'spmd_read_aiv']), tasks);
    expect(mem.f32(out, 48)).toEqual(spmdGolden());
  });
});
