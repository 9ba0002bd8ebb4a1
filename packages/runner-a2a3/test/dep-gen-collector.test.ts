// The dep_gen collector over simulated device memory, with the device side played by a TypeScript
// producer that follows the shared-memory protocol through plain device copies (as a device writer
// would: it never touches the host's mappings).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CollectorErrorCode, type CollectorDeviceMemory } from '@npurun/collectors';
import { openDevice, type HalDevice } from '@npurun/hal-native';
import { DEPS_JSON_FILE, DEPS_NOT_WRITTEN, DepGenCollector } from '../src/dep-gen/collector';
import {
  DEP_GEN_INVALID_TASK_ID,
  DEP_GEN_READY_QUEUE_SIZE,
  DEP_GEN_RECORDS_PER_BUFFER,
  DEP_GEN_SLOT_COUNT,
  DEP_GEN_STATE_OFFSET,
  DepGenArgType,
  DepGenBuffer,
  DepGenBufferState,
  DepGenFlag,
  DepGenHeader,
  DepGenOverflowRecord,
  DepGenRecord,
  DepGenTensor,
} from '../src/dep-gen/layout';

function memoryOf(d: HalDevice, failAllocAfter = Infinity): CollectorDeviceMemory & { live: Set<bigint> } {
  const live = new Set<bigint>();
  let allocs = 0;
  return {
    live,
    alloc: (size) => {
      if (++allocs > failAllocAfter) throw new Error('out of device memory (test)');
      const a = d.malloc(size);
      live.add(a);
      return a;
    },
    free: (a) => {
      d.free(a);
      live.delete(a);
    },
    copyToDevice: (dst, src) => d.copyToDevice(dst, src),
    copyFromDevice: (dst, src) => d.copyFromDevice(dst, src),
    mapToHost: (a, size) => d.mapToHost(a, size),
    unmapFromHost: (a) => d.unmapFromHost(a),
  };
}

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 1));

/** The orchestrator's half of the protocol, written with device copies only. */
class FakeOrchestrator {
  private current = 0n;
  private count = 0;
  private seq = 0;
  private total = 0;
  private overflow = 0;
  private dropped = 0;
  constructor(
    private readonly d: HalDevice,
    private readonly base: bigint,
    private readonly row = 0,
  ) {}

  private u32(off: number): number {
    const b = new Uint32Array(1);
    this.d.copyFromDevice(b, this.base + BigInt(off));
    return b[0]!;
  }
  private setU32(addr: bigint, v: number): void {
    this.d.copyToDevice(addr, new Uint32Array([v >>> 0]));
  }
  private setU64(addr: bigint, v: bigint): void {
    this.d.copyToDevice(addr, new BigUint64Array([v]));
  }
  private state(field: Parameters<typeof DepGenBufferState.offsetOf>[0]): number {
    return DEP_GEN_STATE_OFFSET + DepGenBufferState.offsetOf(field);
  }

  private popFree(): bigint {
    const head = this.u32(this.state('freeQueueHead'));
    if (this.u32(this.state('freeQueueTail')) === head) return 0n;
    const slot = new BigUint64Array(1);
    this.d.copyFromDevice(slot, this.base + BigInt(this.state('freeQueueBufferPtrs') + 8 * (head % DEP_GEN_SLOT_COUNT)));
    this.setU32(this.base + BigInt(this.state('freeQueueHead')), head + 1);
    return slot[0]!;
  }

  private readyFull(): boolean {
    const tail = this.u32(DepGenHeader.offsetOf('queueTails') + 4 * this.row);
    return (tail + 1) % DEP_GEN_READY_QUEUE_SIZE === this.u32(DepGenHeader.offsetOf('queueHeads') + 4 * this.row);
  }

  private enqueue(buf: bigint): void {
    const tail = this.u32(DepGenHeader.offsetOf('queueTails') + 4 * this.row);
    const entry = new DataView(new ArrayBuffer(32));
    entry.setBigUint64(8, buf, true);
    entry.setUint32(16, this.seq++, true);
    this.d.copyToDevice(this.base + BigInt((this.row * DEP_GEN_READY_QUEUE_SIZE + tail) * 32), new Uint8Array(entry.buffer));
    this.setU32(this.base + BigInt(DepGenHeader.offsetOf('queueTails') + 4 * this.row), (tail + 1) % DEP_GEN_READY_QUEUE_SIZE);
  }

  private syncState(): void {
    this.setU64(this.base + BigInt(this.state('currentBufPtr')), this.current);
    for (const [f, v] of [
      ['totalRecordCount', this.total],
      ['totalOverflowRecordCount', this.overflow],
      ['droppedRecordCount', this.dropped],
    ] as const) {
      this.setU32(this.base + BigInt(this.state(f)), v);
    }
  }

  /** Waits (yielding to the host's drain) until a buffer is current and has room. */
  private async room(): Promise<void> {
    for (;;) {
      if (this.current === 0n) this.current = this.popFree();
      if (this.current !== 0n && this.count < DEP_GEN_RECORDS_PER_BUFFER) return;
      if (this.current !== 0n && !this.readyFull()) {
        const next = this.popFree();
        if (next !== 0n) {
          this.enqueue(this.current);
          this.current = next;
          this.count = 0;
          this.setU32(next, 0);
          return;
        }
      }
      await tick();
    }
  }

  /** Appends one record slot; `drop` simulates a device that could not store it. */
  async append(slot: Uint8Array, drop = false): Promise<void> {
    if (drop) {
      this.dropped++;
      this.syncState();
      return;
    }
    await this.room();
    this.d.copyToDevice(this.current + BigInt(DepGenBuffer.offsetOf('records') + this.count * DepGenRecord.size), slot);
    this.count++;
    this.setU32(this.current, this.count);
    this.syncState();
  }

  /** One submit: base record plus overflow records for deps beyond 64. */
  async submit(taskId: bigint, deps: bigint[], tensorAddrs: bigint[], opts: { drop?: boolean } = {}): Promise<void> {
    this.total++;
    const extra = deps.length > 64 ? Math.ceil((deps.length - 64) / 326) : 0;
    this.overflow += extra;
    const base = DepGenRecord.encode({
      taskId,
      flags: DepGenFlag.inManualScope | (extra > 0 ? DepGenFlag.hasOverflow : 0),
      tensorCount: tensorAddrs.length,
      explicitDepCount: deps.length,
      explicitDeps: [...deps.slice(0, 64), ...new Array<bigint>(Math.max(0, 64 - deps.length)).fill(0n)],
      argTypes: [...tensorAddrs.map(() => DepGenArgType.noDep), ...new Array<number>(16 - tensorAddrs.length).fill(0)],
    });
    tensorAddrs.forEach((a, i) =>
      base.set(DepGenTensor.encode({ bufferAddr: a, ownerTaskId: DEP_GEN_INVALID_TASK_ID, dtype: 0xff }), DepGenRecord.offsetOf('tensors') + i * DepGenTensor.size),
    );
    await this.append(base, opts.drop);
    for (let o = 0; o < extra; o++) {
      const part = deps.slice(64 + o * 326, 64 + (o + 1) * 326);
      const rec = DepGenOverflowRecord.encode({
        taskId,
        flags: DepGenFlag.overflow | (o + 1 === extra ? DepGenFlag.lastOverflow : 0),
        depCount: part.length,
        deps: [...part, ...new Array<bigint>(326 - part.length).fill(0n)],
      });
      await this.append(rec, opts.drop);
    }
  }

  /** Thread exit: hand the partly filled buffer to the host. */
  async flush(): Promise<void> {
    if (this.current !== 0n && this.count > 0) {
      while (this.readyFull()) await tick();
      this.enqueue(this.current);
      this.current = 0n;
      this.count = 0;
      this.syncState();
    }
  }
}

describe('DepGenCollector', () => {
  let d: HalDevice;
  let out: string;
  beforeAll(() => {
    d = openDevice({ platform: 'a2a3sim' });
  });
  afterAll(() => d.close());
  beforeEach(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'npurun-depgen-'));
  });
  afterEach(() => fs.rmSync(out, { recursive: true, force: true }));

  const make = (memory: CollectorDeviceMemory): DepGenCollector => new DepGenCollector({ arch: 'a2a3', memory, numCores: 3, aicpuThreads: 1, poll: { maxIdleDelayMs: 1 } });

  it('drains more buffers than it preallocated while the producer runs, and writes deps.json', async () => {
    const memory = memoryOf(d);
    const c = make(memory);
    const { dataBase } = c.init();
    const bytes = new Uint8Array(DepGenHeader.size);
    d.copyFromDevice(bytes, dataBase);
    expect(DepGenHeader.readField(bytes, 'numInstances')).toBe(1);
    c.start();
    const dev = new FakeOrchestrator(d, dataBase, 2);
    const edges: [bigint, bigint][] = [];
    const n = 300; // ~10 buffers: needs recycling through the free queue
    for (let i = 0n; i < BigInt(n); i++) {
      const deps = i === 0n ? [] : i === 200n ? Array.from({ length: 100 }, (_, k) => BigInt(k)) : [i - 1n];
      deps.forEach((p) => edges.push([p, i]));
      await dev.submit(i, deps, [0x1000n + i]);
    }
    await dev.flush();
    await c.stop();
    const summary = await c.reconcile();
    expect(summary).toMatchObject({ name: 'depGen', collected: n + 1, dropped: 0, total: n + 1, clean: true });
    expect(summary.notes.some((s) => s.startsWith(DEPS_NOT_WRITTEN))).toBe(false);
    expect(c.dependencyEdges()?.map((e) => [e.pred, e.succ])).toEqual(edges);
    const files = await c.exportFiles(out, { incomplete: false });
    expect(files).toEqual([path.join(out, DEPS_JSON_FILE)]);
    const deps = JSON.parse(fs.readFileSync(files[0]!, 'utf8'));
    expect(deps.tasks).toHaveLength(n);
    expect(deps.tasks[5]).toMatchObject({ task_id: '5', scope: 'manual', args: [{ idx: 0, type: 'UNKNOWN', dtype: 'UNKNOWN' }] });
    expect(deps.edges.map((e: { pred: string; succ: string }) => [BigInt(e.pred), BigInt(e.succ)])).toEqual(edges);
    c.finalize();
    expect(memory.live.size).toBe(0);
  });

  it('writes nothing and says why when records were dropped', async () => {
    const memory = memoryOf(d);
    const c = make(memory);
    const dev = new FakeOrchestrator(d, c.init().dataBase);
    c.start();
    await dev.submit(0n, [], []);
    await dev.submit(1n, [0n], [], { drop: true });
    await dev.flush();
    const summary = await c.reconcile();
    expect(summary).toMatchObject({ collected: 1, dropped: 1, total: 2, clean: false });
    expect(summary.notes.find((s) => s.startsWith(DEPS_NOT_WRITTEN))).toContain('did not reconcile clean');
    expect(await c.exportFiles(out, { incomplete: false })).toEqual([]);
    expect(fs.existsSync(path.join(out, DEPS_JSON_FILE))).toBe(false);
    expect(c.dependencyEdges()).toBeUndefined();
    c.finalize();
    expect(memory.live.size).toBe(0);
  });

  it('writes nothing when the device never flushed its last buffer, or the run was incomplete', async () => {
    const c = make(memoryOf(d));
    const dev = new FakeOrchestrator(d, c.init().dataBase);
    c.start();
    await dev.submit(0n, [], []);
    await c.stop();
    const s = await c.reconcile();
    expect(s.clean).toBe(false);
    expect(s.notes.join('\n')).toMatch(/unflushed device buffer/);
    expect(await c.exportFiles(out, { incomplete: false })).toEqual([]);
    c.finalize();

    const c2 = make(memoryOf(d));
    const dev2 = new FakeOrchestrator(d, c2.init().dataBase);
    c2.start();
    await dev2.submit(0n, [], []);
    await dev2.flush();
    await c2.stop();
    const s2 = await c2.reconcile({ incomplete: true });
    expect(s2.notes.find((n) => n.startsWith(DEPS_NOT_WRITTEN))).toContain('the run did not complete');
    expect(await c2.exportFiles(out, { incomplete: true })).toEqual([]);
    c2.finalize();
  });

  it('init is all-or-nothing: a failed allocation releases everything already allocated', () => {
    const memory = memoryOf(d, 3); // shared region + 2 of the 4 buffers
    const c = make(memory);
    expect(() => c.init()).toThrow(expect.objectContaining({ code: CollectorErrorCode.InitFailed }));
    expect(memory.live.size).toBe(0);
  });

  it('exists on a2a3 only', () => {
    expect(() => new DepGenCollector({ arch: 'a5', memory: memoryOf(d), numCores: 3, aicpuThreads: 1 })).toThrow(
      expect.objectContaining({ code: CollectorErrorCode.InvalidArgument }),
    );
  });
});

describe('DepGenCollector expectedTasks', () => {
  let d: HalDevice;
  beforeAll(() => {
    d = openDevice({ platform: 'a2a3sim' });
  });
  afterAll(() => d.close());

  it('refuses a capture with fewer tasks than the run submitted', async () => {
    const c = new DepGenCollector({ arch: 'a2a3', memory: memoryOf(d), numCores: 3, aicpuThreads: 1 }, { expectedTasks: 2 });
    const dev = new FakeOrchestrator(d, c.init().dataBase);
    c.start();
    await dev.submit(0n, [], []);
    await dev.flush();
    const s = await c.reconcile();
    expect(s.clean).toBe(true); // the counts add up; the graph does not
    expect(s.notes.find((n) => n.startsWith(DEPS_NOT_WRITTEN))).toContain('captured 1 task(s), the run submitted 2');
    expect(c.deps).toBeUndefined();
    c.finalize();
  });

  it('rejects a bad expectedTasks with a typed error', () => {
    expect(() => new DepGenCollector({ arch: 'a2a3', memory: memoryOf(d), numCores: 3, aicpuThreads: 1 }, { expectedTasks: -1 })).toThrow(
      expect.objectContaining({ code: CollectorErrorCode.InvalidArgument }),
    );
  });
});
