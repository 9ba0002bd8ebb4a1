/**
 * The host half of the queue protocol, shared by every collector: keeps each producer instance's
 * free queue topped up with buffers, pops full buffers off the per-thread ready queues, hands
 * their records to the collector, and recycles the buffers.
 *
 * Reads and writes go through a {@link DeviceAccess}, so the same code runs mapped (a2a3) and over
 * shadow copies (a5). It never drops a buffer on the host side: a popped buffer is consumed
 * synchronously before its entry is released, so there is no host-side queue to fill up.
 */
import { performance } from 'node:perf_hooks';
import type { CollectorDeviceMemory } from '../collector';
import { CollectorError, CollectorErrorCode } from '../errors';
import { freeQueueLayout, ReadyQueueEntry } from '../layout/common';
import type { DeviceAccess, DeviceWindow, SharedRegion } from '../memory/access';
import type { PoolGeometry, ProtocolGeometry, ReadyEntry } from '../protocol/geometry';
import { freeQueueOccupancy, freeQueueSlot, nextCounter, readyQueuePending } from '../protocol/queues';
import type { ResourceLedger } from './lifecycle';
import { runToEnd } from './slicer';

/** A full buffer as delivered to the collector. The views are valid only during the call. */
export interface CollectedBuffer {
  /** Index of the pool (producer instance) in the geometry. */
  readonly pool: number;
  /** The pool. */
  readonly geometry: PoolGeometry;
  /** The ready-queue entry it came from (`thread` = which AI CPU queue), or a synthetic one for a recovered leftover. */
  readonly entry: ReadyEntry;
  /** Records in the buffer (clamped to the buffer's capacity). */
  readonly count: number;
  /** `count` records, back to back. */
  readonly records: Uint8Array;
  /** A DataView over {@link records}. */
  readonly view: DataView;
  /** True when the buffer was recovered from an instance's current buffer after the run. */
  readonly recovered: boolean;
}

/** Receives buffers from the engine. */
export type BufferConsumer = (buffer: CollectedBuffer) => void;

/** A buffer the device still held after the run (`current_buf_ptr` with records in it). */
export interface Leftover {
  /** Pool index. */
  readonly pool: number;
  /** Records in it. */
  readonly count: number;
}

/** Engine options. */
export interface DrainEngineOptions {
  /**
   * Most buffers of one kind the engine may own, allocation on demand included (default: twice the
   * preallocated count). Beyond it the free queues are not topped up and the device drops.
   */
  readonly maxBuffersPerKind?: readonly number[];
  /**
   * The value every free queue's free-running head and tail start at (default 0). The protocol
   * accepts any start; tests start near 2^32 to exercise the wrap.
   */
  readonly firstFreeQueueCounter?: number;
}

interface OwnedBuffer {
  readonly kind: number;
  readonly window: DeviceWindow;
}

const ENTRY_INDEX = ReadyQueueEntry.offsetOf('index');
const ENTRY_KIND = ReadyQueueEntry.offsetOf('kind');
const ENTRY_PTR = ReadyQueueEntry.offsetOf('bufferPtr');
const ENTRY_SEQ = ReadyQueueEntry.offsetOf('bufferSeq');

/** The generic drain engine of one collector. */
export class DrainEngine {
  /** Records delivered per pool. */
  readonly collected: number[];
  /** Entries skipped because they named no pool, an unknown buffer, or a buffer of the wrong kind. */
  badEntries = 0;
  /** Buffers whose count exceeded their capacity (clamped). */
  clampedBuffers = 0;

  private readonly buffers = new Map<bigint, OwnedBuffer>();
  private readonly recycled: bigint[][];
  private readonly owned: number[];
  private readonly maxPerKind: number[];
  private readonly fqTails: number[];
  private readonly fqHeadOffsets: number[];
  private readonly fqTailOffsets: number[];
  private readonly statesStart: number;
  private readonly firstCounter: number;
  private firstQueue = 0;

  constructor(
    private readonly op: string,
    readonly geometry: ProtocolGeometry,
    private readonly shared: SharedRegion,
    private readonly access: DeviceAccess,
    private readonly memory: CollectorDeviceMemory,
    private readonly ledger: ResourceLedger,
    private readonly consume: BufferConsumer,
    options: DrainEngineOptions = {},
  ) {
    const kinds = geometry.kinds.length;
    this.collected = geometry.pools.map(() => 0);
    this.recycled = Array.from({ length: kinds }, () => []);
    this.owned = new Array<number>(kinds).fill(0);
    const pre = new Array<number>(kinds).fill(0);
    for (const p of geometry.pools) pre[p.kind] = (pre[p.kind] ?? 0) + p.preallocate;
    this.maxPerKind = pre.map((n, k) => options.maxBuffersPerKind?.[k] ?? 2 * n);
    this.firstCounter = (options.firstFreeQueueCounter ?? 0) >>> 0;
    this.fqTails = geometry.pools.map(() => this.firstCounter);
    this.fqHeadOffsets = geometry.pools.map((p) => p.freeQueueOffset + freeQueueLayout(p.slotCount).offsetOf('head'));
    this.fqTailOffsets = geometry.pools.map((p) => p.freeQueueOffset + freeQueueLayout(p.slotCount).offsetOf('tail'));
    this.statesStart = Math.min(geometry.sharedBytes, ...geometry.pools.map((p) => p.freeQueueOffset));
  }

  /** Buffers of each kind the engine owns. */
  get ownedBuffers(): readonly number[] {
    return this.owned;
  }

  /**
   * Allocates every pool's preallocated buffers and fills its free queue (in the host image; the
   * caller pushes the image before the device runs). Run inside the collector's init.
   */
  prime(): void {
    runToEnd(this.primeSteps());
  }

  /**
   * {@link prime} as a generator that yields after each buffer it allocates (allocating and
   * mapping a buffer is a device call, and a collector may preallocate hundreds), so a caller can
   * pause between them (see `framework/slicer.ts`).
   */
  *primeSteps(): Generator<void, void, undefined> {
    for (let i = 0; i < this.geometry.pools.length; i++) {
      const pool = this.geometry.pools[i]!;
      this.shared.view.setUint32(this.fqHeadOffsets[i]!, this.firstCounter, true);
      this.shared.view.setUint32(this.fqTailOffsets[i]!, this.firstCounter, true);
      for (let n = 0; n < pool.preallocate; n++) {
        this.recycled[pool.kind]!.push(this.allocate(pool.kind));
        yield;
      }
      this.topUp(i, false);
    }
  }

  /**
   * One pass: pops ready entries of every thread, consumes them, refills, then tops every free
   * queue up. Returns the number of buffers consumed (0 = idle).
   *
   * @param deadline on the `performance.now()` clock: once it has passed, the pass consumes no
   *   further entry (those left wait for the next pass), so one pass stays short however much the
   *   device has queued
   */
  tick(deadline: number = Infinity): number {
    const rq = this.geometry.readyQueues;
    this.shared.pull(rq.headsOffset, rq.tailsOffset + 4 * rq.threads - rq.headsOffset);
    let consumed = 0;
    // A pass cut short by its deadline starts the next one at the next queue, so no queue starves.
    const first = this.firstQueue;
    for (let k = 0; k < rq.threads; k++) {
      const q = (first + k) % rq.threads;
      consumed += this.drainQueue(q, deadline);
      if (consumed > 0 && deadline !== Infinity && performance.now() > deadline) {
        this.firstQueue = (q + 1) % rq.threads;
        break;
      }
    }
    this.shared.pull(this.statesStart, this.geometry.sharedBytes - this.statesStart);
    for (let i = 0; i < this.geometry.pools.length; i++) this.topUp(i, true);
    return consumed;
  }

  /** Runs {@link tick} until a pass finds nothing. Returns the buffers consumed. */
  drainAll(): number {
    let total = 0;
    for (;;) {
      const n = this.tick();
      if (n === 0) return total;
      total += n;
    }
  }

  /** Instances whose current buffer still holds records (after the run: a flush that did not happen). */
  leftovers(): Leftover[] {
    this.shared.pull(this.statesStart, this.geometry.sharedBytes - this.statesStart);
    const out: Leftover[] = [];
    this.geometry.pools.forEach((pool, i) => {
      const ptr = this.currentBuffer(pool);
      if (ptr === undefined) return;
      const count = this.bufferCount(ptr, pool.kind);
      if (count > 0) out.push({ pool: i, count });
    });
    return out;
  }

  /**
   * Delivers the records of every leftover current buffer (a run that failed before its flush) and
   * counts them as collected. The device's pointer is left as is: the run is over.
   */
  recoverLeftovers(): number {
    let recovered = 0;
    for (const left of this.leftovers()) {
      const pool = this.geometry.pools[left.pool]!;
      const ptr = this.currentBuffer(pool)!;
      const entry: ReadyEntry = { thread: -1, index: pool.instance, kind: pool.kind, bufferPtr: ptr, bufferSeq: -1 };
      this.deliver(left.pool, pool, entry, this.buffers.get(ptr)!, true);
      recovered += left.count;
    }
    return recovered;
  }

  private currentBuffer(pool: PoolGeometry): bigint | undefined {
    if (pool.currentBufPtrOffset === undefined) return undefined;
    const ptr = this.shared.view.getBigUint64(pool.currentBufPtrOffset, true);
    const owned = this.buffers.get(ptr);
    return ptr !== 0n && owned !== undefined && owned.kind === pool.kind ? ptr : undefined;
  }

  private bufferCount(ptr: bigint, kind: number): number {
    const geo = this.geometry.kinds[kind]!.buffer;
    const raw = this.buffers.get(ptr)!.window.read(geo.countOffset, 4);
    return Math.min(new DataView(raw.buffer, raw.byteOffset, 4).getUint32(0, true), geo.capacity);
  }

  private drainQueue(q: number, deadline: number): number {
    const rq = this.geometry.readyQueues;
    const view = this.shared.view;
    const headOff = rq.headsOffset + 4 * q;
    let head = view.getUint32(headOff, true);
    const tail = view.getUint32(rq.tailsOffset + 4 * q, true);
    const pending = readyQueuePending(head, tail, rq.capacity);
    if (pending === undefined || pending === 0) return 0;
    let consumed = 0;
    for (let n = 0; n < pending; n++) {
      const entryOff = rq.entriesOffset + (q * rq.capacity + head) * rq.entryBytes;
      this.shared.pull(entryOff, rq.entryBytes);
      const entry: ReadyEntry = {
        thread: q,
        index: view.getUint32(entryOff + ENTRY_INDEX, true),
        kind: view.getUint32(entryOff + ENTRY_KIND, true),
        bufferPtr: view.getBigUint64(entryOff + ENTRY_PTR, true),
        bufferSeq: view.getUint32(entryOff + ENTRY_SEQ, true),
      };
      // A zero pointer behind a published tail is a torn read through a shadow copy: stop here and
      // pick the entry up on the next tick rather than consume half of it.
      if (entry.bufferPtr === 0n) break;
      this.consumeEntry(entry);
      head = (head + 1) % rq.capacity;
      consumed++;
      if (deadline !== Infinity && performance.now() > deadline) break;
    }
    this.shared.writeU32(headOff, head);
    return consumed;
  }

  private consumeEntry(entry: ReadyEntry): void {
    const poolIndex = this.geometry.resolve(entry);
    const owned = this.buffers.get(entry.bufferPtr);
    const pool = poolIndex === undefined ? undefined : this.geometry.pools[poolIndex];
    if (pool === undefined || owned === undefined || owned.kind !== pool.kind) {
      this.badEntries++;
      return;
    }
    this.deliver(poolIndex!, pool, entry, owned, false);
    this.recycled[pool.kind]!.push(entry.bufferPtr);
    this.topUp(poolIndex!, true);
  }

  private deliver(poolIndex: number, pool: PoolGeometry, entry: ReadyEntry, owned: OwnedBuffer, recovered: boolean): void {
    const geo = this.geometry.kinds[pool.kind]!.buffer;
    const rawCount = new DataView(owned.window.read(geo.countOffset, 4).slice().buffer).getUint32(0, true);
    if (rawCount > geo.capacity) this.clampedBuffers++;
    const count = Math.min(rawCount, geo.capacity);
    const records = owned.window.read(geo.recordsOffset, count * geo.recordBytes);
    this.consume({
      pool: poolIndex,
      geometry: pool,
      entry,
      count,
      records,
      view: new DataView(records.buffer, records.byteOffset, records.byteLength),
      recovered,
    });
    this.collected[poolIndex]! += count;
  }

  private topUp(poolIndex: number, live: boolean): void {
    const pool = this.geometry.pools[poolIndex]!;
    const view = this.shared.view;
    const head = view.getUint32(this.fqHeadOffsets[poolIndex]!, true);
    let tail = this.fqTails[poolIndex]!;
    let occupancy = freeQueueOccupancy(head, tail);
    // More than the queue holds means the head is garbage; pushing would overwrite live slots.
    if (occupancy > pool.slotCount) return;
    const tailOff = this.fqTailOffsets[poolIndex]!;
    while (occupancy < pool.slotCount) {
      const ptr = this.takeBuffer(pool.kind, live);
      if (ptr === undefined) break;
      const slotOff = pool.freeQueueOffset + 8 * freeQueueSlot(tail, pool.slotCount);
      if (live) {
        this.shared.writeU64(slotOff, ptr);
        tail = nextCounter(tail);
        this.shared.writeU32(tailOff, tail);
      } else {
        view.setBigUint64(slotOff, ptr, true);
        tail = nextCounter(tail);
        view.setUint32(tailOff, tail, true);
      }
      occupancy++;
    }
    this.fqTails[poolIndex] = tail;
  }

  private takeBuffer(kind: number, live: boolean): bigint | undefined {
    const ready = this.recycled[kind]!.pop();
    if (ready !== undefined) return ready;
    if (!live || this.owned[kind]! >= this.maxPerKind[kind]!) return undefined;
    try {
      return this.allocate(kind);
    } catch {
      // Out of device memory mid-run: the device drops and counts it; the host must not fail the run.
      this.maxPerKind[kind] = this.owned[kind]!;
      return undefined;
    }
  }

  private allocate(kind: number): bigint {
    const geo = this.geometry.kinds[kind]!.buffer;
    const addr = this.ledger.acquire(`${this.op} buffer`, () => this.memory.alloc(geo.bytes), (a) => this.memory.free(a));
    const window = this.ledger.acquire(`${this.op} buffer view`, () => this.access.window(addr, geo.bytes), (w) => w.release());
    // Only the count needs a known value: a producer writes records before it publishes the count,
    // and the host reads no further than the count. Zeroing whole buffers (a5's l2 buffers are
    // ~1 MiB each, eight per core) would cost more than the run itself.
    window.zeroRange(geo.countOffset, 4);
    this.buffers.set(addr, { kind, window });
    this.owned[kind]!++;
    return addr;
  }

  /** @internal Throws the standard error for a failed tick. */
  static drainFailure(op: string, err: unknown): CollectorError {
    return new CollectorError(CollectorErrorCode.DrainFailed, op, err instanceof Error ? err.message : String(err), { cause: err });
  }
}
