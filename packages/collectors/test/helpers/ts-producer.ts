/**
 * A TypeScript stand-in for the device's producer half of the protocol, driving synthetic device
 * memory in tests. It follows the same rules as device/src/collector_producer.c.
 */
import type { FakeDeviceMemory } from './fake-memory';
import type { ProtocolGeometry } from '../../src';

export interface TsProducerOptions {
  /** Index of the pool in the geometry. */
  pool: number;
  /** AI CPU thread whose ready queue we write. */
  thread: number;
  /** Offsets (absolute in the shared region) of the total/dropped counters, if kept. */
  totalOffset?: number;
  droppedOffset?: number;
}

export class TsProducer {
  private seq = 0;
  private pending = false;

  constructor(
    private readonly mem: FakeDeviceMemory,
    private readonly shm: bigint,
    private readonly geo: ProtocolGeometry,
    private readonly o: TsProducerOptions,
  ) {}

  private get s(): DataView {
    return this.mem.view(this.shm, this.geo.sharedBytes);
  }
  private get pool() {
    return this.geo.pools[this.o.pool]!;
  }
  private get kind() {
    return this.geo.kinds[this.pool.kind]!.buffer;
  }
  private bump(off: number | undefined, by = 1): void {
    if (off !== undefined) this.s.setUint32(off, this.s.getUint32(off, true) + by, true);
  }
  private get current(): bigint {
    return this.s.getBigUint64(this.pool.currentBufPtrOffset!, true);
  }
  private set current(v: bigint) {
    this.s.setBigUint64(this.pool.currentBufPtrOffset!, v, true);
  }
  private fq() {
    const p = this.pool;
    const head = p.freeQueueOffset + 8 * p.slotCount;
    return { head, tail: head + 4 };
  }
  private popFree(): bigint {
    const { head, tail } = this.fq();
    const h = this.s.getUint32(head, true);
    if (this.s.getUint32(tail, true) === h) return 0n;
    const buf = this.s.getBigUint64(this.pool.freeQueueOffset + 8 * (h % this.pool.slotCount), true);
    this.s.setUint32(head, (h + 1) >>> 0, true);
    return buf;
  }
  private freeAvailable(): boolean {
    const { head, tail } = this.fq();
    return this.s.getUint32(head, true) !== this.s.getUint32(tail, true);
  }
  private readyFull(): boolean {
    const rq = this.geo.readyQueues;
    const t = this.s.getUint32(rq.tailsOffset + 4 * this.o.thread, true);
    return (t + 1) % rq.capacity === this.s.getUint32(rq.headsOffset + 4 * this.o.thread, true);
  }
  private enqueue(buf: bigint): void {
    const rq = this.geo.readyQueues;
    const tOff = rq.tailsOffset + 4 * this.o.thread;
    const t = this.s.getUint32(tOff, true);
    const e = rq.entriesOffset + (this.o.thread * rq.capacity + t) * 32;
    this.s.setUint32(e, this.pool.instance, true);
    this.s.setUint32(e + 4, this.pool.kind, true);
    this.s.setBigUint64(e + 8, buf, true);
    this.s.setUint32(e + 16, this.seq++, true);
    this.s.setUint32(tOff, (t + 1) % rq.capacity, true);
  }
  private take(): void {
    const b = this.popFree();
    if (b !== 0n) this.count(b, 0);
    this.current = b;
  }
  private count(buf: bigint, v?: number): number {
    const dv = this.mem.view(buf + BigInt(this.kind.countOffset), 4);
    if (v !== undefined) dv.setUint32(0, v, true);
    return dv.getUint32(0, true);
  }
  private handoff(): boolean {
    if (!this.freeAvailable() || this.readyFull()) return false;
    this.enqueue(this.current);
    this.take();
    return true;
  }

  begin(): void {
    this.take();
  }

  /** Appends a record built by `fill` (which gets a DataView over the record slot). Returns false if dropped. */
  append(fill: (rec: DataView) => void): boolean {
    this.bump(this.o.totalOffset);
    if (this.current === 0n) {
      this.take();
      if (this.current === 0n) {
        this.bump(this.o.droppedOffset);
        return false;
      }
    }
    if (this.pending) {
      if (!this.handoff()) {
        this.bump(this.o.droppedOffset);
        return false;
      }
      this.pending = false;
    }
    const cur = this.current;
    const n = this.count(cur);
    fill(this.mem.view(cur + BigInt(this.kind.recordsOffset + n * this.kind.recordBytes), this.kind.recordBytes));
    this.count(cur, n + 1);
    if (n + 1 >= this.kind.capacity && !this.handoff()) this.pending = true;
    return true;
  }

  flush(): void {
    const cur = this.current;
    if (cur === 0n) return;
    const n = this.count(cur);
    if (n === 0) return;
    if (this.readyFull()) this.bump(this.o.droppedOffset, n);
    else this.enqueue(cur);
    this.current = 0n;
    this.pending = false;
  }
}
