/** The tensor-dump collector. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CollectorSummary, ExportOptions } from '../collector';
import { CollectorError, CollectorErrorCode } from '../errors';
import { BackgroundWrites } from '../framework/background-writes';
import { CollectorBase, type DeviceCounters, type SetupResult } from '../framework/base-collector';
import { CoalescedAppends } from '../framework/coalesced-appends';
import type { CollectorContext } from '../framework/context';
import type { CollectedBuffer } from '../framework/drain-engine';
import type { ResourceLedger } from '../framework/lifecycle';
import { TimeSlicer, UnitCost } from '../framework/slicer';
import { RecordSpool } from '../framework/spool';
import type { OutputFiles } from '../export/output-files';
import type { SharedRegion } from '../memory';
import type { ProtocolGeometry } from '../protocol/geometry';
import { dumpGeometry, dumpStateOffset } from './geometry';
import { DUMP_MAGIC, DumpBufferState, DumpHeader, TensorDumpRecord } from './layout';
import { formatDumpManifestHead, writeDumpManifest, type DumpManifestCounts, type DumpRowLayout } from './manifest';

/** Relative paths of the export. */
export const TENSOR_DUMP_DIR = 'tensor_dump';
/** Manifest file name. */
export const TENSOR_DUMP_MANIFEST = 'tensor_dump.json';
/** Payload file name. */
export const TENSOR_DUMP_BIN = 'tensor_dump.bin';

/** Tensor-dump options. */
export interface TensorDumpCollectorOptions {
  /** Payload arena per dump thread, bytes (default: the arch's 128 MiB). */
  readonly arenaBytesPerThread?: number;
}

const R = TensorDumpRecord;
const ROW_BIN_OFFSET = R.size;
const ROW_BIN_SIZE = R.size + 8;
const ROW_OVERWRITTEN = R.size + 16;
const ROW_BYTES = R.size + 24;
const OFF_PAYLOAD = R.offsetOf('payloadOffset');
const OFF_SIZE = R.offsetOf('payloadSize');
// Field offsets of a spooled record, looked up once (the layout's lookup is by name).
const F = {
  ndims: R.offsetOf('ndims'),
  shapes: R.offsetOf('shapes'),
  strides: R.offsetOf('strides'),
  taskId: R.offsetOf('taskId'),
  subtaskId: R.offsetOf('subtaskId'),
  funcId: R.offsetOf('funcId'),
  role: R.offsetOf('role'),
  stage: R.offsetOf('stage'),
  argIndex: R.offsetOf('argIndex'),
  dtype: R.offsetOf('dtype'),
  isContiguous: R.offsetOf('isContiguous'),
  startOffset: R.offsetOf('startOffset'),
  truncated: R.offsetOf('truncated'),
} as const;
/** Where the manifest finds an entry's fields in a spooled row. */
export const DUMP_ROW_LAYOUT: DumpRowLayout = { ...F, binOffset: ROW_BIN_OFFSET, binSize: ROW_BIN_SIZE, overwritten: ROW_OVERWRITTEN };
/** Bytes of a spooled row: the device record, then the payload's .bin offset and size and the overwrite flag. */
export const DUMP_ROW_BYTES = ROW_BYTES;
// Payload bytes copied per step: a bounded device read between pauses (a copy into fresh pages
// costs a page fault per page). The pieces reach the .bin in blocks of many (CoalescedAppends).
const PAYLOAD_PIECE = 64 * 1024;
// Payload bytes copied but not yet written before the pump waits for the writes to catch up (a
// wait lets the device run further ahead of the copies, so only for a backlog this large).
const MAX_BIN_BACKLOG = 16 * 1024 * 1024;

/** Records taken from a buffer whose payloads are still to be copied. */
interface PendingRecords {
  readonly thread: number;
  readonly count: number;
  readonly records: Uint8Array;
  next: number;
}

/** Collects dumped tensors: metadata into the manifest, payloads into the .bin. */
export class TensorDumpCollector extends CollectorBase {
  /** @inheritDoc */
  readonly name = 'tensorDump' as const;
  private readonly arenaBytes: number;
  /**
   * Each AI CPU thread's arena, by device address. Payloads are copied out of it piece by piece;
   * it is never mapped whole (a host view of a 128 MiB arena counts as that much external memory
   * to V8, and every run's mapping of it brought on a full garbage collection).
   */
  private arenas: bigint[] = [];
  private spool: RecordSpool | undefined;
  /**
   * The open .bin: payload pieces gathered into large writes (most payloads are one small piece
   * each), written off the JS thread, in order.
   */
  private bin: CoalescedAppends | undefined;
  private binPath: string | undefined;
  private queue: PendingRecords[] = [];
  private pumping: Promise<void> | undefined;
  private pumpError: unknown;
  private disposed = false;
  private readonly counts: DumpManifestCounts = {
    total: 0,
    beforeDispatch: 0,
    afterCompletion: 0,
    input: 0,
    output: 0,
    inout: 0,
    truncated: 0,
    droppedRecords: 0,
    droppedOverwrite: 0,
  };

  /** Creates the collector. */
  constructor(ctx: CollectorContext, options: TensorDumpCollectorOptions = {}) {
    super(ctx);
    const arena = options.arenaBytesPerThread ?? this.arch.dump.arenaBytesPerThread;
    if (!Number.isSafeInteger(arena) || arena < 4096) {
      throw new CollectorError(CollectorErrorCode.InvalidArgument, 'tensorDump.create', `arenaBytesPerThread must be an integer ≥ 4096 (got ${String(arena)})`);
    }
    this.arenaBytes = arena;
  }

  protected geometry(): ProtocolGeometry {
    return dumpGeometry(this.ctx.arch, this.ctx.aicpuThreads);
  }

  protected setup(shared: SharedRegion, ledger: ResourceLedger): SetupResult {
    const arch = this.ctx.arch;
    const h = DumpHeader[arch];
    h.writeField(shared.bytes, 'numDumpThreads', this.ctx.aicpuThreads);
    h.writeField(shared.bytes, 'recordsPerBuffer', this.arch.dump.recordsPerBuffer);
    h.writeField(shared.bytes, 'arenaSizePerThread', BigInt(this.arenaBytes));
    h.writeField(shared.bytes, 'magic', DUMP_MAGIC);
    const memory = this.ctx.memory;
    for (let t = 0; t < this.ctx.aicpuThreads; t++) {
      const base = ledger.acquire('tensorDump arena', () => memory.alloc(this.arenaBytes), (a) => memory.free(a));
      this.arenas.push(base);
      const at = dumpStateOffset(arch, t);
      DumpBufferState.writeField(shared.bytes, 'arenaBase', base, at);
      DumpBufferState.writeField(shared.bytes, 'arenaSize', BigInt(this.arenaBytes), at);
    }
    this.spool = ledger.acquire('tensorDump spool', () => new RecordSpool(this.spoolDir!, 'tensor_dump', ROW_BYTES, 1024), (s) => s.dispose());
    this.binPath = path.join(this.spoolDir!, TENSOR_DUMP_BIN);
    ledger.add('tensorDump payload file', () => this.closeBin());
    return {};
  }

  protected onBuffer(buffer: CollectedBuffer): void {
    // Only the records are taken now (the buffer goes back to the device when this returns); their
    // payloads, up to the arena's size each, are copied by the pump in slices.
    this.queue.push({ thread: buffer.geometry.instance, count: buffer.count, records: buffer.records.slice(), next: 0 });
    this.startPump();
  }

  private startPump(): void {
    if (this.pumping !== undefined || this.disposed) return;
    this.pumping = this.pump().finally(() => {
      this.pumping = undefined;
      // Records queued after the pump's last look but before this ran would otherwise wait.
      if (this.queue.length > 0) this.startPump();
    });
  }

  /** Copies the payloads of queued records into the .bin and spools their rows, one slice at a time. */
  private async pump(): Promise<void> {
    const slicer = new TimeSlicer();
    // Steps are mostly a payload piece's copy and write: the slice ends before one that would
    // overrun it rather than after.
    const stepCost = new UnitCost();
    try {
      while (this.queue.length > 0 && !this.disposed) {
        const batch = this.queue[0]!;
        while (batch.next < batch.count && !this.disposed) {
          const steps = this.recordSteps(batch.thread, batch.records, batch.next++);
          for (;;) {
            const done = stepCost.measure(() => steps.next().done === true);
            await slicer.pauseUnlessFits(stepCost.expected);
            if (this.bin !== undefined && this.bin.backlog > MAX_BIN_BACKLOG) {
              await this.bin.drained();
              slicer.restart();
            }
            if (done) break;
            if (this.disposed) return;
          }
        }
        this.queue.shift();
      }
    } catch (err) {
      this.pumpError ??= err;
      this.queue = [];
    }
  }

  protected override async settle(): Promise<void> {
    while (this.pumping !== undefined || (this.queue.length > 0 && !this.disposed)) {
      this.startPump();
      await this.pumping;
    }
    if (this.bin !== undefined) {
      try {
        await this.bin.drained();
      } catch (e) {
        this.pumpError ??= e;
      }
    }
    const err = this.pumpError;
    this.pumpError = undefined;
    if (err !== undefined) throw err;
  }

  /**
   * Spools record `i` of `records` and copies its payload, yielding between pieces of the copy.
   * Nothing else appends to the spool or the .bin meanwhile: the pump handles one record at a time.
   */
  private *recordSteps(thread: number, records: Uint8Array, i: number): Generator<void, void, undefined> {
    const spool = this.spool!;
    const stateAt = dumpStateOffset(this.ctx.arch, thread);
    const writeOffAt = stateAt + DumpBufferState.offsetOf('arenaWriteOffset');
    const rec = i * R.size;
    const at = spool.nextRow();
    new Uint8Array(spool.rowView.buffer, at, ROW_BYTES).set(records.subarray(rec, rec + R.size));
    const rv = spool.rowView;
    const payloadOffset = rv.getBigUint64(at + OFF_PAYLOAD, true);
    const payloadSize = Number(rv.getBigUint64(at + OFF_SIZE, true));
    let binOffset = 0;
    let binSize = 0;
    let overwritten = false;
    if (payloadSize > 0 && payloadSize <= this.arenaBytes) {
      binOffset = this.bin?.length ?? 0;
      yield* this.copyPayload(thread, payloadOffset, payloadSize);
      // The AI CPU advances its monotonic cursor before it copies a payload in, so anything more
      // than one arena behind the cursor (read after our copy) may have been overwritten.
      this.shared!.pull(writeOffAt, 8);
      const cursor = this.shared!.view.getBigUint64(writeOffAt, true);
      overwritten = cursor > BigInt(this.arenaBytes) && payloadOffset < cursor - BigInt(this.arenaBytes);
      if (overwritten) {
        binOffset = 0;
        this.bin!.dropTail(payloadSize);
      } else {
        binSize = payloadSize;
      }
    } else if (payloadSize > this.arenaBytes) {
      overwritten = true;
    }
    rv.setBigUint64(at + ROW_BIN_OFFSET, BigInt(binOffset), true);
    rv.setBigUint64(at + ROW_BIN_SIZE, BigInt(binSize), true);
    rv.setUint8(at + ROW_OVERWRITTEN, overwritten ? 1 : 0);
    this.count(rv, at, overwritten);
  }

  private *copyPayload(thread: number, payloadOffset: bigint, size: number): Generator<void, void, undefined> {
    this.bin ??= new CoalescedAppends(new BackgroundWrites(fs.openSync(this.binPath!, 'w+')));
    const arena = this.arenas[thread]!;
    let offset = Number(payloadOffset % BigInt(this.arenaBytes));
    let left = size;
    while (left > 0) {
      // One piece per step: a bounded device read.
      const piece = Math.min(left, PAYLOAD_PIECE, this.arenaBytes - offset);
      this.appendBin(arena + BigInt(offset), piece);
      left -= piece;
      offset = (offset + piece) % this.arenaBytes;
      if (left > 0) yield;
    }
  }

  /** Copies `length` arena bytes at `addr` out of the device and appends them to the .bin. */
  private appendBin(addr: bigint, length: number): void {
    // A copy now: the arena's bytes may be overwritten by the device before the write runs.
    const memory = this.ctx.memory;
    this.bin!.append(length, (into) => memory.copyFromDevice(into, addr));
  }

  private count(v: DataView, at: number, overwritten: boolean): void {
    const c = this.counts;
    c.total++;
    const stage = v.getUint8(at + F.stage);
    const role = v.getUint8(at + F.role);
    if (stage === 0) c.beforeDispatch++;
    else if (stage === 1) c.afterCompletion++;
    if (role === 0) c.input++;
    else if (role === 1) c.output++;
    else if (role === 2) c.inout++;
    if (v.getUint8(at + F.truncated) !== 0) c.truncated++;
    if (overwritten) c.droppedOverwrite++;
  }

  protected readCounters(shared: SharedRegion): DeviceCounters {
    let dropped = 0;
    for (let t = 0; t < this.ctx.aicpuThreads; t++) {
      dropped += DumpBufferState.readField(shared.bytes, 'droppedRecordCount', dumpStateOffset(this.ctx.arch, t));
    }
    return { total: 0, dropped, mismatch: 0, derivedTotal: true };
  }

  protected override extraNotes(): string[] {
    return this.counts.droppedOverwrite > 0 ? [`${this.counts.droppedOverwrite} payload(s) overwritten in the arena before the host copied them`] : [];
  }

  protected async writeFiles(outputDir: string, options: ExportOptions, summary: CollectorSummary | undefined, files: OutputFiles): Promise<string[]> {
    const dir = path.join(outputDir, TENSOR_DUMP_DIR);
    const manifestPath = path.join(dir, TENSOR_DUMP_MANIFEST);
    const binOut = path.join(dir, TENSOR_DUMP_BIN);
    // The payloads were spooled during the run; move them into place (a copy across file systems).
    const bin = this.bin;
    this.bin = undefined;
    if (bin !== undefined) await bin.close();
    if (this.binPath !== undefined && fs.existsSync(this.binPath)) await files.moveFile(this.binPath, binOut);
    else await files.writeFile(binOut, new Uint8Array(0));
    this.counts.droppedRecords = summary?.dropped ?? 0;
    const spool = this.spool!;
    await files.writeText(manifestPath, (out) => writeDumpManifest(out, formatDumpManifestHead(this.counts, options.incomplete), spool, ROW_BYTES, DUMP_ROW_LAYOUT));
    return [manifestPath, binOut];
  }

  /** Drops the payload writes not yet done and closes the .bin once the one in flight ends. */
  private closeBin(): void {
    const bin = this.bin;
    this.bin = undefined;
    bin?.abandon();
  }

  protected disposeHost(): void {
    // A pump paused mid-record sees this and stops before touching the arenas or files again.
    this.disposed = true;
    this.queue = [];
    this.closeBin();
    this.spool = undefined;
    this.arenas = [];
  }
}

