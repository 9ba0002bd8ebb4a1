// dep_gen replay: records → deps.json, as a pure function.
import { DepGenArgType, DepGenFlag, DepGenOverflowRecord, DepGenRecord, DepGenTensor, DEP_GEN_INVALID_TASK_ID } from '../src/dep-gen/layout';
import { decodeRecords, type CapturedRecord, type CapturedTask, type CapturedTensor } from '../src/dep-gen/records';
import { dependencyEdgesOf, replayDeps, replayDepsSteps } from '../src/dep-gen/replay';
import { runSliced, TimeSlicer } from '@npurun/collectors';
import { serializeDepsJson, writeDepsJsonSliced, type DepsJson } from '../src/dep-gen/deps-json';
import { depsTensorId } from '../src/dep-gen/tensor-id';
import { regionOverlap } from '../src/dep-gen/overlap';

const FLOAT32 = 0;
const BIG = 0xfedcba9876543210n; // above 2^53: must survive as a string

function tensor(addr: bigint, over: Partial<CapturedTensor> = {}): CapturedTensor {
  return {
    bufferAddr: addr,
    bufferSize: 512n,
    ownerTaskId: DEP_GEN_INVALID_TASK_ID,
    startOffset: 0n,
    version: 0,
    dtype: FLOAT32,
    manualDep: false,
    isContiguous: true,
    shapes: [128],
    strides: [1],
    ndims: 1,
    ...over,
  };
}

function task(taskId: bigint, args: [number, CapturedTensor][] = [], deps: bigint[] = [], flags = 0): CapturedTask {
  return {
    kind: 'task',
    taskId,
    flags,
    explicitDepCount: deps.length,
    explicitDeps: deps,
    tensorCount: args.length,
    argTypes: args.map((a) => a[0]),
    tensors: args.map((a) => a[1]),
  };
}

// FNV-1a 64 reference computation, byte by byte with bigint (independent of the implementation).
function fnv(bytes: number[]): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = BigInt.asUintN(64, (h ^ BigInt(b)) * 0x100000001b3n);
  return h;
}

describe('tensor id', () => {
  it('is FNV-1a-64 over the little-endian address then the little-endian version', () => {
    const addr = 0x1122334455667788n;
    const le = [0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 3, 0, 0, 0];
    expect(depsTensorId(addr, 3)).toBe(fnv(le));
    expect(depsTensorId(addr, -1)).toBe(fnv([...le.slice(0, 8), 0xff, 0xff, 0xff, 0xff]));
    expect(depsTensorId(addr, 3)).not.toBe(depsTensorId(addr, 4));
  });
});

describe('replayDeps', () => {
  it('writes the upstream schema: tasks, tensors, edges, every u64 as a string', () => {
    const x = tensor(20971520n);
    const { deps, problems } = replayDeps([
      task(0n, [[DepGenArgType.output, tensor(0n)]]),
      task(1n, [
        [DepGenArgType.input, { ...x, ownerTaskId: 0n }],
        [DepGenArgType.output, tensor(0n)],
      ]),
    ]);
    expect(problems).toEqual([]);
    const id = depsTensorId(20971520n, 0).toString();
    expect(deps).toEqual({
      tasks: [
        { task_id: '0', scope: 'auto', args: [{ idx: 0, type: 'OUTPUT' }] },
        {
          task_id: '1',
          scope: 'auto',
          args: [
            { idx: 0, type: 'INPUT', tensor_id: id, dtype: 'FLOAT32', shape: [128], start_offset: '0', strides: [1] },
            { idx: 1, type: 'OUTPUT' },
          ],
        },
      ],
      tensors: [{ tensor_id: id, buffer_addr: '20971520', version: 0, dtype: 'FLOAT32', buffer_numel: '128' }],
      edges: [
        {
          pred: '0',
          succ: '1',
          arg: 0,
          source: 'creator',
          tensor_id: id,
          consumer_dtype: 'FLOAT32',
          consumer_shape: [128],
          consumer_start_offset: '0',
          consumer_strides: [1],
        },
      ],
    });
    const text = serializeDepsJson(deps);
    expect(text.endsWith('\n')).toBe(true);
    expect(text.trimEnd()).not.toMatch(/\s/);
    expect(JSON.parse(text)).toEqual(deps);
  });

  it('keeps u64 values above 2^53 exact', () => {
    const { deps } = replayDeps([task(BIG - 1n), task(BIG, [[DepGenArgType.noDep, tensor(BIG)]], [BIG - 1n])]);
    expect(deps.tasks.map((t) => t.task_id)).toEqual([(BIG - 1n).toString(), BIG.toString()]);
    expect(deps.tensors[0]!.buffer_addr).toBe(BIG.toString());
    expect(deps.edges).toEqual([{ pred: (BIG - 1n).toString(), succ: BIG.toString(), arg: -1, source: 'explicit' }]);
    expect(dependencyEdgesOf(deps)).toEqual([{ pred: BIG - 1n, succ: BIG }]);
  });

  it('finds tensormap producers, newest first, with overlap and producer geometry; dedupes by producer', () => {
    const buf = 0x1000n;
    const whole = tensor(buf, { shapes: [4, 8], strides: [8, 1], ndims: 2, bufferSize: 128n });
    const topHalf = tensor(buf, { shapes: [2, 8], strides: [8, 1], ndims: 2, bufferSize: 128n });
    const bottomRight = tensor(buf, { shapes: [2, 4], strides: [8, 1], ndims: 2, startOffset: 20n, bufferSize: 128n });
    const { deps, problems } = replayDeps([
      task(10n, [[DepGenArgType.outputExisting, topHalf]]),
      task(11n, [[DepGenArgType.outputExisting, bottomRight]]),
      // reads everything: depends on both writers; 10 also explicitly (deduped to the explicit edge)
      task(12n, [[DepGenArgType.input, whole]], [10n]),
    ]);
    expect(problems).toEqual([]);
    const into12 = deps.edges.filter((e) => e.succ === '12');
    expect(into12.map((e) => [e.pred, e.source])).toEqual([
      ['10', 'explicit'],
      ['11', 'tensormap'],
    ]);
    expect(into12[1]).toMatchObject({ arg: 0, overlap: 'covered', producer_shape: [2, 4], producer_start_offset: '20', producer_strides: [8, 1] });
  });

  it('retires an entry an INOUT write covers, and ignores NO_DEP, manual_dep and manual-scope tensors', () => {
    const buf = 0x2000n;
    const t = tensor(buf);
    const { deps } = replayDeps([
      task(0n, [[DepGenArgType.outputExisting, t]]),
      task(1n, [[DepGenArgType.inout, t]]), // covers 0's write: 0 is retired
      task(2n, [[DepGenArgType.input, t]]), // sees only 1
      task(3n, [[DepGenArgType.noDep, t]]), // no lookup
      task(4n, [[DepGenArgType.input, { ...t, manualDep: true }]]), // no lookup
      task(5n, [[DepGenArgType.input, { ...t, ownerTaskId: 0n }]], [], DepGenFlag.inManualScope), // no fan-in at all
    ]);
    expect(deps.edges.map((e) => `${e.pred}>${e.succ}:${e.source}`)).toEqual(['0>1:tensormap', '1>2:tensormap']);
    expect(deps.tasks[5]!.scope).toBe('manual');
  });

  it('stitches overflow records to their base record', () => {
    const deps = Array.from({ length: 70 }, (_, i) => BigInt(i));
    const base: CapturedTask = { ...task(100n, [], deps.slice(0, 64), DepGenFlag.hasOverflow), explicitDepCount: 70 };
    const records: CapturedRecord[] = [
      ...deps.map((d) => task(d)),
      base,
      { kind: 'overflow', taskId: 100n, flags: DepGenFlag.overflow | DepGenFlag.lastOverflow, deps: deps.slice(64) },
    ];
    const r = replayDeps(records);
    expect(r.problems).toEqual([]);
    expect(r.deps.tasks).toHaveLength(71);
    expect(r.deps.edges.map((e) => e.pred)).toEqual(deps.map(String));
  });

  it('reports captures it cannot trust', () => {
    const orphan = replayDeps([{ kind: 'overflow', taskId: 7n, flags: DepGenFlag.overflow | DepGenFlag.lastOverflow, deps: [1n] }]);
    expect(orphan.problems).toEqual(['overflow record of task 7 does not follow its base record']);
    const truncated = replayDeps([{ ...task(1n, [], [0n]), explicitDepCount: 5 }]);
    expect(truncated.problems).toEqual(['task 1: 5 explicit dependencies declared, 1 captured']);
    const unfinished = replayDeps([{ ...task(1n, [], [0n], DepGenFlag.hasOverflow), explicitDepCount: 1 }]);
    expect(unfinished.problems).toEqual(['task 1: overflow chain ended without its last record']);
    expect(replayDeps([task(1n), task(1n)]).problems).toEqual(['task 1 was submitted twice']);
    expect(replayDeps([{ ...task(2n), tensorCount: 17 }]).problems).toEqual(['task 2: tensor_count 17 exceeds 16']);
  });

  it('sliced replay and serialization give the same deps.json as the one-shot ones', async () => {
    // A chain of 600 tasks over shared buffers: creators, tensormap entries, explicit deps, dummies.
    const records: CapturedRecord[] = [];
    for (let i = 0; i < 600; i++) {
      const buf = 0x10000n + BigInt(i % 7) * 0x1000n;
      const args: Array<[number, CapturedTensor]> = [
        [DepGenArgType.input, tensor(buf, { ownerTaskId: i > 0 ? BigInt(i - 1) : DEP_GEN_INVALID_TASK_ID })],
        [i % 3 === 0 ? DepGenArgType.inout : DepGenArgType.outputExisting, tensor(buf + 0x800n)],
      ];
      records.push(task(BigInt(i), i % 50 === 49 ? [] : args, i % 11 === 0 && i > 0 ? [BigInt(i - 5)] : []));
    }
    const once = replayDeps(records);
    const sliced = await runSliced(replayDepsSteps(records), new TimeSlicer(0));
    expect(sliced).toEqual(once);
    expect(once.deps.edges.length).toBeGreaterThan(600);
    // Written piece by piece, pausing at every check, through a sink that asks to wait now and then.
    const written = async (deps: DepsJson, slicer?: TimeSlicer): Promise<string> => {
      const parts: string[] = [];
      await writeDepsJsonSliced(deps, { write: (text) => (parts.push(text) % 7 === 0 ? Promise.resolve() : undefined) }, slicer);
      return parts.join('');
    };
    expect(await written(once.deps, new TimeSlicer(0))).toBe(serializeDepsJson(once.deps));
    const empty = { tasks: [], tensors: [], edges: [] };
    expect(await written(empty)).toBe(serializeDepsJson(empty));
  });

  it('pauses after every task, in manual scopes too, and while stitching a long capture', () => {
    const records: CapturedRecord[] = [];
    for (let i = 0; i < 3000; i++) records.push(task(BigInt(i), [[DepGenArgType.input, tensor(0x1000n)]], [], DepGenFlag.inManualScope));
    let pauses = 0;
    const steps = replayDepsSteps(records);
    let r = steps.next();
    for (; r.done !== true; r = steps.next()) pauses++;
    // One per task, and one per 1 024 records and tasks looked at while stitching (6 000 in all).
    expect(pauses).toBe(3000 + 5);
    expect(r.value).toEqual(replayDeps(records));
    expect(r.value.deps.tasks.every((t) => t.scope === 'manual')).toBe(true);
  });

  it('a buffer written over and over: every read sees the latest write and the writes still live, however long the capture', () => {
    // Task 0 writes all of A; every later task accumulates into its first half. Each accumulation
    // covers the one before (which it retires) but not task 0's write, which stays live throughout.
    const A = 0x10000n;
    const half = (): CapturedTensor => tensor(A, { shapes: [128], bufferSize: 1024n });
    const records: CapturedRecord[] = [task(0n, [[DepGenArgType.outputExisting, tensor(A, { shapes: [256], bufferSize: 1024n })]])];
    for (let i = 1; i < 3000; i++) records.push(task(BigInt(i), [[DepGenArgType.inout, half()]]));
    const { deps, problems } = replayDeps(records);
    expect(problems).toEqual([]);
    const expected = ['0->1'];
    for (let i = 2; i < 3000; i++) expected.push(`${i - 1}->${i}`, `0->${i}`);
    expect(dependencyEdgesOf(deps).map((e) => `${e.pred}->${e.succ}`)).toEqual(expected);
  });

  it('names unknown dtypes and arg types UNKNOWN and reports no element count for them', () => {
    const { deps } = replayDeps([task(0n, [[DepGenArgType.noDep, tensor(64n, { dtype: 0xff, shapes: [], strides: [], ndims: 0, bufferSize: 0n })]])]);
    expect(deps.tasks[0]!.args[0]).toEqual({ idx: 0, type: 'UNKNOWN', tensor_id: depsTensorId(64n, 0).toString(), dtype: 'UNKNOWN', shape: [], start_offset: '0', strides: [] });
    expect(deps.tensors[0]).toMatchObject({ dtype: 'UNKNOWN', buffer_numel: '0' });
  });
});

describe('regionOverlap', () => {
  const grid = (start: bigint, shapes: number[]): CapturedTensor => tensor(0n, { startOffset: start, shapes, strides: [8, 1], ndims: 2 });
  it('decides covered / other / none per dimension on a shared grid', () => {
    expect(regionOverlap(grid(0n, [4, 8]), grid(9n, [2, 2]))).toBe('covered');
    expect(regionOverlap(grid(0n, [2, 2]), grid(9n, [2, 2]))).toBe('other');
    // byte ranges intersect, columns do not
    expect(regionOverlap(grid(0n, [4, 2]), grid(4n, [4, 2]))).toBe('none');
  });
  it('falls back to byte extents across different grids', () => {
    const flat = tensor(0n, { startOffset: 0n, shapes: [64], strides: [1], ndims: 1 });
    expect(regionOverlap(flat, grid(9n, [2, 2]))).toBe('covered');
    expect(regionOverlap(grid(9n, [2, 2]), flat)).toBe('other');
    expect(regionOverlap(tensor(0n, { startOffset: 100n, shapes: [4], strides: [1] }), flat)).toBe('none');
  });
});

describe('decodeRecords', () => {
  it('reads base and overflow slots through the declared layouts', () => {
    const bytes = new Uint8Array(2 * DepGenRecord.size);
    const t = DepGenTensor.encode({ bufferAddr: BIG, bufferSize: 64n, ownerTaskId: 3n, startOffset: 2n, version: -2, ndims: 2, dtype: 2, manualDep: 1, isContiguous: 1, shapes: [2, 3, 0, 0, 0], strides: [3, 1, 0, 0, 0] });
    DepGenRecord.encodeInto(
      {
        taskId: 9n,
        flags: DepGenFlag.hasOverflow,
        tensorCount: 1,
        explicitDepCount: 65,
        explicitDeps: Array.from({ length: 64 }, (_, i) => BigInt(i)),
        argTypes: [DepGenArgType.inout, ...new Array<number>(15).fill(0)],
      },
      bytes,
      0,
    );
    bytes.set(t, DepGenRecord.offsetOf('tensors'));
    DepGenOverflowRecord.encodeInto({ taskId: 9n, flags: DepGenFlag.overflow | DepGenFlag.lastOverflow, depCount: 1, deps: [64n, ...new Array<bigint>(325).fill(0n)] }, bytes, DepGenRecord.size);
    const [base, over] = decodeRecords(new DataView(bytes.buffer), 2);
    expect(base).toMatchObject({ kind: 'task', taskId: 9n, explicitDepCount: 65, tensorCount: 1, argTypes: [DepGenArgType.inout] });
    expect((base as CapturedTask).explicitDeps).toHaveLength(64);
    expect((base as CapturedTask).tensors[0]).toEqual({
      bufferAddr: BIG,
      bufferSize: 64n,
      ownerTaskId: 3n,
      startOffset: 2n,
      version: -2,
      dtype: 2,
      manualDep: true,
      isContiguous: true,
      shapes: [2, 3],
      strides: [3, 1],
      ndims: 2,
    });
    expect(over).toEqual({ kind: 'overflow', taskId: 9n, flags: DepGenFlag.overflow | DepGenFlag.lastOverflow, deps: [64n] });
    expect(replayDeps([base!, over!]).deps.edges.filter((e) => e.source === 'explicit')).toHaveLength(65);
  });
});
