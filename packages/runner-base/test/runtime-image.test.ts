import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  GraphError,
  RT_NONE,
  RtArgKind,
  RtCoreType,
  RuntimeImageHeader,
  RuntimeImageKernel,
  RuntimeImageTask,
  RuntimeImageTensor,
  TaskGraphBuilder,
  addrArg,
  decodeRuntimeImage,
  encodeRuntimeImage,
  runtimeImageHeaderText,
  runtimeImageIncludeDir,
  scalarArg,
  type GraphErrorReason,
  type KernelRef,
  type TaskGraph,
} from '../src';
import { encodeRuntimeImageSteps } from '../src/runtime-image/encode';
import { GRAPH_TASKS_PER_STEP } from '../src/runtime-image/validate-graph';

const cube: KernelRef = { name: 'matmul', entry: 'kernel_matmul', imageAddr: 0x1000n, imageSize: 4096, coreType: 'cube', argCount: 3 };
const vec: KernelRef = { name: 'add', entry: 'kernel_add', imageAddr: 0x3000n, imageSize: 2048n, coreType: 'vector', argCount: 3 };
const vecAny: KernelRef = { name: 'spmd', entry: 'kernel_spmd', imageAddr: 0x5000n, imageSize: 512, coreType: 'vector' };

function reasonOf(graph: unknown): GraphErrorReason | undefined {
  try {
    encodeRuntimeImage(graph as TaskGraph);
  } catch (e) {
    expect(e).toBeInstanceOf(GraphError);
    expect((e as GraphError).code).toBe('GRAPH_INVALID');
    return (e as GraphError).reason;
  }
  return undefined;
}

describe('task graph validation', () => {
  const a = addrArg(0x9000n);
  test.each<[string, unknown, GraphErrorReason]>([
    ['no tasks', { kernels: [cube], tasks: [] }, 'empty'],
    ['not a graph', 42, 'empty'],
    ['unknown kernel id', { kernels: [cube], tasks: [{ kernel: 1, args: [a, a, a] }] }, 'unknownKernel'],
    ['negative kernel id', { kernels: [cube], tasks: [{ kernel: -1 }] }, 'unknownKernel'],
    ['unknown mixed kernel id', { kernels: [cube, vecAny], tasks: [{ kernel: { cube: 0, vector0: 1, vector1: 7 } }] }, 'unknownKernel'],
    ['mixed with a vector kernel on the cube slot', { kernels: [vecAny], tasks: [{ kernel: { cube: 0, vector0: 0, vector1: 0 } }] }, 'kernelCoreType'],
    ['asserted core type disagrees', { kernels: [cube], tasks: [{ kernel: 0, coreType: 'vector', args: [a, a, a] }] }, 'kernelCoreType'],
    ['dummy with a core type', { kernels: [], tasks: [{ kernel: null, coreType: 'cube' }] }, 'kernelCoreType'],
    ['dangling dependency', { kernels: [], tasks: [{ deps: [3] }] }, 'danglingDependency'],
    ['non-integer dependency', { kernels: [], tasks: [{}, { deps: [0.5] }] }, 'danglingDependency'],
    ['self dependency', { kernels: [], tasks: [{ deps: [0] }] }, 'selfDependency'],
    ['duplicate dependency', { kernels: [], tasks: [{}, { deps: [0, 0] }] }, 'duplicateDependency'],
    ['two-task cycle', { kernels: [], tasks: [{ deps: [1] }, { deps: [0] }] }, 'cycle'],
    ['cycle behind a root', { kernels: [], tasks: [{}, { deps: [0, 3] }, { deps: [1] }, { deps: [2] }] }, 'cycle'],
    ['too few args', { kernels: [cube], tasks: [{ kernel: 0, args: [a] }] }, 'argumentCount'],
    ['too many args on a mixed task', { kernels: [cube, vec], tasks: [{ kernel: { cube: 0, vector0: 1, vector1: 1 }, args: [a, a, a, a] }] }, 'argumentCount'],
    ['address as a number', { kernels: [vecAny], tasks: [{ kernel: 0, args: [{ kind: 'addr', value: 5 }] }] }, 'argumentValue'],
    ['unknown arg kind', { kernels: [vecAny], tasks: [{ kernel: 0, args: [{ kind: 'f32', value: 1 }] }] }, 'argumentValue'],
    ['scalar too small', { kernels: [vecAny], tasks: [{ kernel: 0, args: [scalarArg(-(1n << 63n) - 1n)] }] }, 'argumentValue'],
    ['non-integer scalar', { kernels: [vecAny], tasks: [{ kernel: 0, args: [scalarArg(0.5)] }] }, 'argumentValue'],
    ['entry not an identifier', { kernels: [{ ...vecAny, entry: 'bad-name' }], tasks: [{ kernel: 0 }] }, 'kernelEntry'],
    ['entry too long', { kernels: [{ ...vecAny, entry: 'k'.repeat(64) }], tasks: [{ kernel: 0 }] }, 'kernelEntry'],
    ['null image address', { kernels: [{ ...vecAny, imageAddr: 0n }], tasks: [{ kernel: 0 }] }, 'kernelImage'],
    ['empty image', { kernels: [{ ...vecAny, imageSize: 0 }], tasks: [{ kernel: 0 }] }, 'kernelImage'],
    ['bad kernel core type', { kernels: [{ ...vecAny, coreType: 'mixed' }], tasks: [{ kernel: 0 }] }, 'kernelCoreType'],
  ])('%s', (_name, graph, reason) => {
    expect(reasonOf(graph)).toBe(reason);
  });

  test('a cycle error names the tasks on the cycle in execution order', () => {
    try {
      encodeRuntimeImage({ kernels: [], tasks: [{}, { deps: [0, 3] }, { deps: [1] }, { deps: [2] }] });
      throw new Error('expected a cycle');
    } catch (e) {
      expect((e as Error).message).toMatch(/cycle: (1 -> 2 -> 3 -> 1|2 -> 3 -> 1 -> 2|3 -> 1 -> 2 -> 3)/);
    }
  });

  test('forward dependencies (to later tasks) are fine when acyclic', () => {
    expect(reasonOf({ kernels: [], tasks: [{ deps: [1] }, {}] })).toBeUndefined();
  });
});

describe('runtime image encoding', () => {
  function sampleGraph(): TaskGraph {
    const b = new TaskGraphBuilder();
    const k0 = b.addKernel(cube);
    const k1 = b.addKernel(vec);
    const k2 = b.addKernel(vecAny);
    const p = b.addTask(k0, [addrArg(0xa000n), addrArg(0xb000n), scalarArg(-2)]);
    const d = b.addDummy([p]);
    const c = b.addTask(k1, [addrArg(0xc000n), scalarArg(7n), scalarArg((1n << 64n) - 1n)], [d]);
    b.addTask({ cube: k0, vector0: k2, vector1: k2 }, [addrArg(0xa000n), addrArg(0xb000n), addrArg(0xd000n)], [p, c]);
    return b.build();
  }

  test('round-trips through decode: tasks, args, kinds, successors, kernels', () => {
    const img = encodeRuntimeImage(sampleGraph());
    expect(img).toMatchObject({ taskCount: 4, kernelCount: 3, edgeCount: 4, dummyCount: 1 });
    const d = decodeRuntimeImage(img.bytes);
    expect(d.header.taskCount).toBe(4);
    expect(d.header.rootCount).toBe(1);
    expect(d.header.totalSize).toBe(BigInt(img.bytes.byteLength));
    expect(Number(d.header.tasksOffset) % 8).toBe(0);
    expect(Number(d.header.argsOffset) % 8).toBe(0);

    const [t0, t1, t2, t3] = d.tasks;
    expect(t0).toMatchObject({ kernelIds: [0, RT_NONE, RT_NONE], coreType: RtCoreType.cube, flags: 0, predCount: 0, pending: 0, state: 0 });
    expect(t0!.args).toEqual([0xa000n, 0xb000n, (1n << 64n) - 2n]);
    expect(t0!.argKinds).toEqual([RtArgKind.addr, RtArgKind.addr, RtArgKind.scalar]);
    expect(t0!.successors.sort()).toEqual([1, 3]);
    expect(t1).toMatchObject({ kernelIds: [RT_NONE, RT_NONE, RT_NONE], coreType: RtCoreType.none, flags: 1, predCount: 1, pending: 1, argCount: 0 });
    expect(t1!.successors).toEqual([2]);
    expect(t2).toMatchObject({ coreType: RtCoreType.vector, predCount: 1 });
    expect(t2!.args).toEqual([0xc000n, 7n, (1n << 64n) - 1n]);
    expect(t2!.successors).toEqual([3]);
    expect(t3).toMatchObject({ kernelIds: [0, 2, 2], coreType: RtCoreType.mixed, predCount: 2, pending: 2, successorCount: 0 });

    expect(d.kernels).toEqual([
      { imageAddr: 0x1000n, imageSize: 4096n, coreType: RtCoreType.cube, argCount: 3, entry: 'kernel_matmul' },
      { imageAddr: 0x3000n, imageSize: 2048n, coreType: RtCoreType.vector, argCount: 3, entry: 'kernel_add' },
      { imageAddr: 0x5000n, imageSize: 512n, coreType: RtCoreType.vector, argCount: undefined, entry: 'kernel_spmd' },
    ]);
  });

  test('sections do not overlap and successor lists partition the edges', () => {
    const img = encodeRuntimeImage(sampleGraph());
    const d = decodeRuntimeImage(img.bytes);
    const h = d.header;
    expect(Number(h.kernelsOffset)).toBeGreaterThanOrEqual(Number(h.tasksOffset) + h.taskCount * RuntimeImageTask.size);
    expect(Number(h.argsOffset)).toBeGreaterThanOrEqual(Number(h.kernelsOffset) + h.kernelCount * RuntimeImageKernel.size);
    expect(Number(h.argKindsOffset)).toBeGreaterThanOrEqual(Number(h.argsOffset) + h.argCount * 8);
    expect(Number(h.successorsOffset)).toBeGreaterThanOrEqual(Number(h.argKindsOffset) + h.argCount);
    const offsets = d.tasks.map((t) => [t.successorOffset, t.successorCount]);
    let next = 0;
    for (const [off, n] of offsets) {
      expect(off).toBe(next);
      next += n!;
    }
    expect(next).toBe(h.successorCount);
  });

  test('encoding is deterministic', () => {
    expect(Buffer.from(encodeRuntimeImage(sampleGraph()).bytes)).toEqual(Buffer.from(encodeRuntimeImage(sampleGraph()).bytes));
  });

  test('decode rejects foreign bytes', () => {
    expect(() => decodeRuntimeImage(new Uint8Array(10))).toThrow(GraphError);
    expect(() => decodeRuntimeImage(new Uint8Array(200))).toThrow(/bad magic/);
  });
});

describe('runtime_image.h', () => {
  test('compiles with g++ and agrees with the TypeScript layout (offsetof/sizeof)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-image-h-'));
    try {
      const include = runtimeImageIncludeDir();
      expect(fs.readFileSync(path.join(include, 'npurun', 'runtime_image.h'), 'utf8')).toBe(runtimeImageHeaderText());
      const lines: string[] = [];
      for (const layout of [RuntimeImageHeader, RuntimeImageTask, RuntimeImageKernel, RuntimeImageTensor]) {
        lines.push(`  std::printf("%s sizeof %zu\\n", "${layout.name}", sizeof(${layout.name}));`);
        for (const f of layout.fields) lines.push(`  std::printf("%s.%s %zu\\n", "${layout.name}", "${f.name}", offsetof(${layout.name}, ${f.cName}));`);
      }
      const src = path.join(dir, 'check.cpp');
      fs.writeFileSync(
        src,
        `#include <cstdio>\n#include <cstddef>\n#include <npurun/runtime_image.h>\nstatic_assert(NPURUN_RT_MAGIC == 0x5452504e, "magic");\nint main() {\n${lines.join('\n')}\n  return 0;\n}\n`,
      );
      const exe = path.join(dir, 'check');
      execFileSync('g++', ['-std=c++17', '-Wall', '-Werror', '-I', include, src, '-o', exe]);
      const out = execFileSync(exe, { encoding: 'utf8' }).trim().split('\n');
      const expected: string[] = [];
      for (const layout of [RuntimeImageHeader, RuntimeImageTask, RuntimeImageKernel, RuntimeImageTensor]) {
        expected.push(`${layout.name} sizeof ${layout.size}`);
        for (const f of layout.fields) expected.push(`${layout.name}.${f.name} ${f.offset}`);
      }
      expect(out).toEqual(expected);
      // and as C11
      const csrc = path.join(dir, 'check.c');
      fs.writeFileSync(csrc, '#include <npurun/runtime_image.h>\nint f(const npurun_rt_task *t) { return (int)t->pending; }\n');
      execFileSync('gcc', ['-std=c11', '-Wall', '-Werror', '-c', '-I', include, csrc, '-o', path.join(dir, 'check.o')]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('encodeRuntimeImageSteps', () => {
  test('yields every few hundred tasks and encodes what encodeRuntimeImage does', () => {
    const n = 3 * GRAPH_TASKS_PER_STEP + 5;
    const graph: TaskGraph = {
      kernels: [cube],
      tasks: Array.from({ length: n }, (_, i) => ({ kernel: 0, args: [addrArg(0x10n + BigInt(i)), scalarArg(i), scalarArg(-i)], deps: i > 0 ? [i - 1] : [] })),
    };
    const steps = encodeRuntimeImageSteps(graph);
    let pauses = 0;
    let r = steps.next();
    while (r.done !== true) {
      pauses++;
      r = steps.next();
    }
    expect(pauses).toBeGreaterThanOrEqual(6);
    expect(Buffer.from(r.value.bytes).equals(Buffer.from(encodeRuntimeImage(graph).bytes))).toBe(true);
    expect(r.value.taskCount).toBe(n);
  });

  test('a graph smaller than one step has no pause point (sliced, it costs no turn of the event loop)', () => {
    for (const n of [1, GRAPH_TASKS_PER_STEP - 1]) {
      const graph: TaskGraph = { kernels: [cube], tasks: Array.from({ length: n }, () => ({ kernel: 0, args: [addrArg(0x10n), scalarArg(1), scalarArg(2)] })) };
      const first = encodeRuntimeImageSteps(graph).next();
      expect(first.done).toBe(true);
    }
  });
});
