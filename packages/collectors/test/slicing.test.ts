/**
 * Long host work gives the event loop its turns: the slicer and the generator drivers, drain
 * passes that end at their deadline (and rotate so no queue starves), and the sliced init and
 * finalize, which must acquire and release exactly what the one-shot ones do.
 */
import * as fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import {
  CollectorError,
  CollectorErrorCode,
  dumpGeometry,
  dumpLayout,
  dumpStateOffset,
  L2TaskStore,
  PmuCollector,
  pmuGeometry,
  pmuLayout,
  pmuStateOffset,
  ResourceLedger,
  runSliced,
  runToEnd,
  TensorDumpCollector,
  TimeSlicer,
  turnDeadline,
  UnitCost,
  writeSwimlaneTrace,
  yieldToEventLoop,
  type TraceInputs,
} from '../src';
import type { DrainEngine } from '../src/framework/drain-engine';
import type { FakeDeviceMemory } from './helpers/fake-memory';
import { fakeContext, tmpDir } from './helpers/harness';
import { TsProducer } from './helpers/ts-producer';

/** Counts event-loop turns (immediates) while it runs. */
function loopTurns(): { stop(): number } {
  let turns = 0;
  let on = true;
  const spin = (): void => {
    if (!on) return;
    turns++;
    setImmediate(spin);
  };
  setImmediate(spin);
  return {
    stop: () => {
      on = false;
      return turns;
    },
  };
}

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

/** 30 steps of 1 ms of work each. */
function* work(): Generator<void, string, undefined> {
  for (let i = 0; i < 30; i++) {
    busy(1);
    yield;
  }
  return 'done';
}

describe('slicer', () => {
  test('runSliced gives the event loop turns between slices; runToEnd does not', async () => {
    const sliced = loopTurns();
    expect(await runSliced(work(), new TimeSlicer(2))).toBe('done');
    expect(sliced.stop()).toBeGreaterThanOrEqual(5);

    const oneShot = loopTurns();
    expect(runToEnd(work())).toBe('done');
    await Promise.resolve();
    expect(oneShot.stop()).toBe(0);
  });

  test('a slice is due once its budget is used; pause starts a new one', async () => {
    await yieldToEventLoop(); // a turn of its own, whose shared budget nothing has used yet
    const s = new TimeSlicer(1000);
    expect(s.due).toBe(false);
    expect(s.pauseIfDue()).toBeUndefined();
    const z = new TimeSlicer(0);
    expect(z.due).toBe(true);
    const before = z.deadline;
    await z.pause();
    expect(z.deadline).toBeGreaterThanOrEqual(before);
  });

  test('pauseUnlessFits pauses before work that would run past the slice', async () => {
    await yieldToEventLoop();
    const s = new TimeSlicer(1000);
    expect(s.pauseUnlessFits(1)).toBeUndefined();
    const pausing = s.pauseUnlessFits(2000);
    expect(pausing).toBeInstanceOf(Promise);
    await pausing;
  });

  test('UnitCost expects the dearest recent unit, decaying', () => {
    const cost = new UnitCost();
    expect(cost.expected).toBe(0);
    const busy = (ms: number): number => {
      const end = performance.now() + ms;
      while (performance.now() < end);
      return ms;
    };
    expect(cost.measure(() => busy(20))).toBe(20); // returns what the unit returns
    const slow = cost.expected;
    expect(slow).toBeGreaterThanOrEqual(20);
    cost.measure(() => 0);
    expect(cost.expected).toBeCloseTo(slow * 0.75, 5); // a cheap unit after it: the slow one, decayed
    expect(() => cost.measure(() => {
      busy(40);
      throw new Error('unit failed');
    })).toThrow('unit failed');
    expect(cost.expected).toBeGreaterThanOrEqual(40); // a failing unit's cost counts too
  });

  test('sliced work resumed in the same turn shares its budget', async () => {
    await yieldToEventLoop();
    const first = turnDeadline(50);
    expect(turnDeadline(1000)).toBe(first); // same turn: the first caller's deadline
    const s = new TimeSlicer(1000);
    expect(s.deadline).toBe(first);
    await yieldToEventLoop();
    expect(turnDeadline(1000)).toBeGreaterThan(first + 500); // a new turn, a new budget
  });

  test('a generator that throws rejects runSliced with its error', async () => {
    function* failing(): Generator<void, void, undefined> {
      yield;
      throw new Error('step 2 failed');
    }
    await expect(runSliced(failing())).rejects.toThrow('step 2 failed');
  });

  test('ledger: the sliced release releases every resource once, newest first, and reports failures', async () => {
    const order: string[] = [];
    const ledger = new ResourceLedger();
    for (const name of ['a', 'b', 'c']) ledger.add(name, () => order.push(name));
    ledger.add('bad', () => {
      throw new Error('nope');
    });
    const released = ledger.releaseAllSliced('test', new TimeSlicer(0));
    ledger.releaseAll('test'); // a concurrent one-shot release finds nothing left to do
    await expect(released).rejects.toMatchObject({ code: CollectorErrorCode.ReleaseFailed });
    expect(order).toEqual(['c', 'b', 'a']);
  });
});

function pmuProducers(mem: FakeDeviceMemory, shm: bigint, cores: number, threads: number): TsProducer[] {
  const geo = pmuGeometry('a2a3', cores);
  const S = pmuLayout.PmuBufferStateA2a3;
  return Array.from({ length: cores }, (_, core) => {
    const at = pmuStateOffset('a2a3', core);
    return new TsProducer(mem, shm, geo, { pool: core, thread: core % threads, totalOffset: at + S.offsetOf('totalRecordCount'), droppedOffset: at + S.offsetOf('droppedRecordCount') });
  });
}

describe('drain passes', () => {
  test('a pass past its deadline consumes one buffer and the next pass starts at the next queue', async () => {
    const { ctx, mem } = fakeContext('a2a3', { numCores: 4, aicpuThreads: 2 });
    const c = new PmuCollector(ctx, { eventGroup: 2 });
    const { dataBase } = c.init();
    const prods = pmuProducers(mem, dataBase, 4, 2);
    prods.forEach((p) => p.begin());
    // 3 full buffers per core (512 records each) wait in the ready queues of both threads.
    for (let i = 0; i < 3 * 512; i++) prods.forEach((p) => p.append(() => undefined));
    const engine = (c as unknown as { engine: DrainEngine }).engine;
    const seen: number[] = [];
    const threadOf = (): number[] => engine.collected.map((n, pool) => (n > 0 ? pool % 2 : -1));
    for (let k = 0; k < 4; k++) {
      expect(engine.tick(0)).toBe(1); // deadline long gone: one buffer per pass
      seen.push(...threadOf());
    }
    // Both threads' queues were served within the first passes (rotation), not thread 0 alone.
    expect(new Set(seen.filter((t) => t >= 0))).toEqual(new Set([0, 1]));
    // Without a deadline a pass takes everything that is ready.
    expect(engine.tick()).toBe(12 - 4);
    expect(engine.tick()).toBe(0);
    await c.reconcile();
    expect(engine.collected.reduce((a, b) => a + b, 0)).toBe(4 * 3 * 512);
    c.finalize();
    expect(mem.allocs.size).toBe(0);
  });
});

describe.each(['a2a3', 'a5'] as const)('sliced init and finalize on %s', (arch) => {
  test('initAsync acquires what init does; finalizeAsync releases all of it', async () => {
    const one = fakeContext(arch);
    const a = new PmuCollector(one.ctx, { eventGroup: 2 });
    a.init();
    const sliced = fakeContext(arch);
    const b = new PmuCollector(sliced.ctx, { eventGroup: 2 });
    const addresses = await b.initAsync();
    expect(b.isInitialized).toBe(true);
    expect(addresses.dataBase).toBeDefined();
    expect(sliced.mem.allocCount).toBe(one.mem.allocCount);
    expect(sliced.mem.allocs.size).toBe(one.mem.allocs.size);
    expect(sliced.mem.mapped.size).toBe(one.mem.mapped.size);
    await b.finalizeAsync();
    await b.finalizeAsync(); // idempotent
    b.finalize();
    expect(sliced.mem.allocs.size).toBe(0);
    expect(sliced.mem.mapped.size).toBe(0);
    a.finalize();
  });

  test('a failed initAsync rolls everything back; finalize during initAsync wins', async () => {
    const failing = fakeContext(arch);
    const memory = failing.mem;
    // Fail an allocation in the middle of the buffers.
    const realAlloc = memory.alloc.bind(memory);
    let n = 0;
    memory.alloc = (size) => {
      if (++n === 5) throw new Error('out of device memory');
      return realAlloc(size);
    };
    const c = new TensorDumpCollector(failing.ctx, { arenaBytesPerThread: 4096 });
    await expect(c.initAsync()).rejects.toMatchObject({ code: CollectorErrorCode.InitFailed });
    expect(memory.allocs.size).toBe(0);
    expect(c.isInitialized).toBe(false);

    const raced = fakeContext(arch);
    const d = new PmuCollector(raced.ctx, { eventGroup: 2 });
    const init = d.initAsync();
    d.finalize();
    const err = await init.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CollectorError);
    expect((err as CollectorError).code).toBe(CollectorErrorCode.InvalidState);
    expect(raced.mem.allocs.size).toBe(0);
    expect(raced.mem.mapped.size).toBe(0);
    await expect(d.initAsync()).rejects.toMatchObject({ code: CollectorErrorCode.InvalidState });
  });
});

describe.each(['a2a3', 'a5'] as const)('tensor-dump payloads in slices on %s', (arch) => {
  /** A dump collector with one thread and a producer that writes payloads of `bytes` into its arena. */
  async function setup(arena: number, start = 0): Promise<{ c: TensorDumpCollector; mem: FakeDeviceMemory; dump: (i: number, bytes: number) => void; flush: () => void }> {
    const { ctx, mem } = fakeContext(arch, { aicpuThreads: 1 });
    const c = new TensorDumpCollector(ctx, { arenaBytesPerThread: arena });
    const { dataBase } = await c.initAsync();
    const st = dumpStateOffset(arch, 0);
    const B = dumpLayout.DumpBufferState;
    const T = dumpLayout.TensorDumpRecord;
    const sv = mem.view(dataBase + BigInt(st), B.size);
    const arenaBytes = mem.locate(sv.getBigUint64(B.offsetOf('arenaBase'), true), arena);
    const p = new TsProducer(mem, dataBase, dumpGeometry(arch, 1), { pool: 0, thread: 0, droppedOffset: st + B.offsetOf('droppedRecordCount') });
    p.begin();
    let cursor = start;
    const dump = (i: number, bytes: number): void => {
      const off = cursor;
      cursor += bytes;
      sv.setBigUint64(B.offsetOf('arenaWriteOffset'), BigInt(cursor), true);
      for (let k = 0; k < bytes; k++) arenaBytes.mem[arenaBytes.off + ((off + k) % arena)] = (i * 7 + k) & 0xff;
      p.append((v) => {
        v.setBigUint64(T.offsetOf('taskId'), BigInt(i), true);
        v.setUint8(T.offsetOf('ndims'), 1);
        v.setBigUint64(T.offsetOf('payloadOffset'), BigInt(off), true);
        v.setBigUint64(T.offsetOf('payloadSize'), BigInt(bytes), true);
        v.setUint32(T.offsetOf('shapes'), bytes, true);
        v.setUint32(T.offsetOf('strides'), 1, true);
      });
    };
    return { c, mem, dump, flush: () => p.flush() };
  }

  test('payloads larger than a copy piece, wrapping the arena, arrive whole', async () => {
    // The arena holds everything, but the first payload starts near its end: copies wrap.
    const arena = 8 << 20;
    const { c, mem, dump, flush } = await setup(arena, arena - 500_000);
    c.start();
    const sizes = [1_300_000, 900_000, 2_000_000, 1_500_000, 700_001];
    sizes.forEach((bytes, i) => dump(i, bytes));
    flush();
    const s = await c.reconcile();
    expect(s).toMatchObject({ collected: sizes.length, dropped: 0, clean: true });
    const out = tmpDir('dump-pieces');
    const [manifestPath, binPath] = await c.exportFiles(out, { incomplete: false });
    const m = JSON.parse(fs.readFileSync(manifestPath!, 'utf8'));
    const bin = fs.readFileSync(binPath!);
    expect(bin.length).toBe(sizes.reduce((a, b) => a + b, 0));
    m.tensors.forEach((t: { bin_offset: number; bin_size: number; overwritten: boolean }, i: number) => {
      expect(t).toMatchObject({ bin_size: sizes[i], overwritten: false });
      const got = bin.subarray(t.bin_offset, t.bin_offset + t.bin_size);
      let bad = -1;
      for (let k = 0; k < got.length && bad < 0; k++) if (got[k] !== ((i * 7 + k) & 0xff)) bad = k;
      expect(bad).toBe(-1);
    });
    await c.finalizeAsync();
    expect(mem.allocs.size).toBe(0);
    fs.rmSync(out, { recursive: true, force: true });
  });

  test('finalize while payloads are still being copied stops the copying cleanly', async () => {
    const { c, mem, dump, flush } = await setup(8 << 20);
    c.start();
    for (let i = 0; i < 6; i++) dump(i, 1_000_000);
    flush();
    // Let the poller take the buffer and the pump start, then pull everything out from under it.
    await new Promise((r) => setTimeout(r, 5));
    c.finalize();
    await new Promise((r) => setTimeout(r, 20));
    expect(mem.allocs.size).toBe(0);
    expect(mem.mapped.size).toBe(0);
  });
});

describe('swimlane trace export in slices', () => {
  /** A slicer whose slice is always used up, counting the pauses it makes. */
  class CountingSlicer extends TimeSlicer {
    pauses = 0;
    constructor() {
      super(0);
    }
    override async pause(): Promise<void> {
      this.pauses++;
      await super.pause();
    }
  }

  /**
   * Exports the trace of `recorded` swimlane tasks (task i on core i % 6) with `inputs`, through a
   * slicer that pauses at every check: its pauses in all, those made before the first byte was
   * written, and the bytes written.
   */
  async function pausesOfTrace(recorded: number, inputs?: TraceInputs): Promise<{ pauses: number; beforeFirstByte: number | undefined; bytes: number }> {
    const dir = tmpDir('trace-pace');
    const store = new L2TaskStore(dir, 2);
    try {
      for (let i = 0; i < recorded; i++) {
        const start = 1000n + 40n * BigInt(i);
        store.addTask({ taskId: BigInt(i), start, end: start + 25n, dispatch: start - 3n, finish: start + 30n, funcId: i % 3, coreId: i % 6, coreType: i % 6 < 2 ? 0 : 1, fanout: [] });
      }
      const slicer = new CountingSlicer();
      let beforeFirstByte: number | undefined;
      let bytes = 0;
      const sink = {
        writeBytes(chunk: Uint8Array, release?: () => void): undefined {
          beforeFirstByte ??= slicer.pauses;
          bytes += chunk.length;
          release?.();
          return undefined;
        },
      };
      await writeSwimlaneTrace(sink, store, { arch: 'a2a3', deviceId: 0, numCores: 6, timestampHz: 50_000_000, incomplete: false, inputs }, slicer);
      return { pauses: slicer.pauses, beforeFirstByte, bytes };
    } finally {
      store.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  test.each([
    ['no host graph, no PMU', false],
    ['a host graph', true],
  ])('the first pass over the tasks pauses too (%s)', async (_what, withGraph) => {
    const tasks = 64 * 20;
    const inputs = withGraph ? { tasks: [{ id: 0, kernel: 'k', deps: [] }, { id: 1, kernel: 'k', deps: [0] }] } : undefined;
    // The first pass reads every task before anything is written: count its pauses up to the first byte.
    const { beforeFirstByte } = await pausesOfTrace(tasks, inputs);
    expect(beforeFirstByte).toBeGreaterThanOrEqual(tasks / 64);
  });

  test('arrows and PMU samples of tasks the swimlane did not record are skipped in slices too', async () => {
    // A host graph and PMU samples of 64 × 40 tasks, only the first of which the swimlane recorded.
    const n = 64 * 40;
    const tasks = Array.from({ length: n }, (_, i) => ({ id: i, kernel: 'k', deps: i === 0 ? [] : [i - 1] }));
    const samples = Array.from({ length: n }, (_, i) => ({ taskId: BigInt(i + 1), coreId: 1, totalCycles: 10n, counters: [1] }));
    const { pauses, bytes } = await pausesOfTrace(1, { tasks, pmu: { counterNames: ['a'], simulated: true, samples: () => samples } });
    expect(bytes).toBeGreaterThan(0);
    // At least one pause per 64 arrows and per 64 samples, though none of them is drawn.
    expect(pauses).toBeGreaterThanOrEqual((2 * n - 1) / 64);
  });
});
