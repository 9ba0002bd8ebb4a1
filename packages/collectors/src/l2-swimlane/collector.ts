/** The l2 swimlane collector. */
import * as path from 'node:path';
import type { CollectorSummary, ExportOptions } from '../collector';
import { CollectorError, CollectorErrorCode } from '../errors';
import { CollectorBase, type DeviceCounters, type SetupResult } from '../framework/base-collector';
import type { CollectorContext } from '../framework/context';
import type { CollectedBuffer } from '../framework/drain-engine';
import type { ResourceLedger } from '../framework/lifecycle';
import type { OutputFiles } from '../export/output-files';
import type { SharedRegion } from '../memory';
import type { ProtocolGeometry } from '../protocol/geometry';
import { writeL2PerfJson } from './export-json';
import { writeSwimlaneTrace } from './export-trace';
import { l2Geometry } from './geometry';
import { AicoreJoin } from './join';
import {
  AicpuPhaseHeader,
  AicpuPhaseRecord,
  L2BufferKind,
  L2PerfAicoreBufferState,
  L2PerfAicoreRecord,
  L2PerfAicoreRingA5,
  L2PerfBufferState,
  L2PerfHeader,
  L2PerfRecordA2a3,
  L2PerfRecordA5,
  l2RegionOffsets,
  PHASE_MAGIC,
} from './layout';
import { phaseClassOf } from './phases';
import { L2TaskStore } from './task-store';

/** File names of the export. */
export const L2_PERF_RECORDS_FILE = 'l2_perf_records.json';
/** The Chrome-trace export. */
export const SWIMLANE_TRACE_FILE = 'swimlane.trace.json';

/** l2 swimlane options. */
export interface L2SwimlaneOptions {
  /** Level 1–4 (1 AI Core timing, 2 + AI CPU timing, 3 + scheduler phases, 4 + orchestrator phases). */
  readonly level: number;
}

const A2 = L2PerfRecordA2a3;
const A5 = L2PerfRecordA5;

/** Collects task timings and phases; writes `l2_perf_records.json` and `swimlane.trace.json`. */
export class L2SwimlaneCollector extends CollectorBase {
  /** @inheritDoc */
  readonly name = 'l2Swimlane' as const;
  /** The level. */
  readonly level: number;
  private store: L2TaskStore | undefined;
  private join: AicoreJoin | undefined;
  private offsets = l2RegionOffsets('a2a3', 1);
  private unmatchedTimingRecords = 0;

  /** Creates the collector. */
  constructor(ctx: CollectorContext, options: L2SwimlaneOptions) {
    super(ctx);
    const level = options?.level;
    if (!Number.isInteger(level) || level < 1 || level > 4) {
      throw new CollectorError(CollectorErrorCode.InvalidArgument, 'l2Swimlane.create', `level must be 1, 2, 3 or 4 (got ${String(level)})`);
    }
    this.level = level;
  }

  protected geometry(): ProtocolGeometry {
    return l2Geometry(this.ctx.arch, this.ctx.numCores, this.level);
  }

  protected setup(shared: SharedRegion, ledger: ResourceLedger): SetupResult {
    const arch = this.ctx.arch;
    const n = this.ctx.numCores;
    this.offsets = l2RegionOffsets(arch, n);
    const h = L2PerfHeader[arch];
    h.writeField(shared.bytes, 'numCores', n);
    h.writeField(shared.bytes, 'l2PerfLevel', this.level);
    // core_to_thread starts unassigned (-1) until the AI CPU writes its map.
    shared.bytes.fill(0xff, this.offsets.phaseHeader + AicpuPhaseHeader[arch].offsetOf('coreToThread'), this.offsets.phaseHeader + AicpuPhaseHeader[arch].offsetOf('coreToThread') + this.arch.maxCores);
    this.store = ledger.acquire('l2Swimlane spools', () => new L2TaskStore(this.spoolDir!, this.arch.maxAicpuThreads), (s) => s.dispose());
    const memory = this.ctx.memory;
    if (arch === 'a2a3') {
      this.join = new AicoreJoin(n, (row) => this.store!.addTask(row));
      // aicoreRingAddr: one slot per core, zeroed by the host; the AI CPU fills each slot with
      // its core's rotation line and the AI Core reads its slot lazily.
      const table = ledger.acquire('l2Swimlane ring table', () => memory.alloc(8 * n), (a) => memory.free(a));
      memory.copyToDevice(table, new Uint8Array(8 * n));
      return { extra: { ringTable: table } };
    }
    // a5: staging rings the AI Core writes and the AI CPU joins from; the host fills the table.
    const rings = ledger.acquire('l2Swimlane staging rings', () => memory.alloc(n * L2PerfAicoreRingA5.size), (a) => memory.free(a));
    const rv = this.access.window(rings, n * L2PerfAicoreRingA5.size);
    rv.zero();
    rv.release();
    const perCoreRings = Array.from({ length: n }, (_, i) => rings + BigInt(i * L2PerfAicoreRingA5.size));
    const table = ledger.acquire('l2Swimlane ring table', () => memory.alloc(8 * n), (a) => memory.free(a));
    const bytes = new Uint8Array(8 * n);
    const tv = new DataView(bytes.buffer);
    perCoreRings.forEach((r, i) => {
      tv.setBigUint64(8 * i, r, true);
      L2PerfBufferState.writeField(shared.bytes, 'aicoreRingPtr', r, this.offsets.taskStates + i * L2PerfBufferState.size);
    });
    memory.copyToDevice(table, bytes);
    return { extra: { perCoreRings, ringTable: table } };
  }

  protected onBuffer(b: CollectedBuffer): void {
    const store = this.store!;
    const v = b.view;
    const core = b.geometry.instance;
    if (b.geometry.kind === L2BufferKind.Task) {
      if (this.ctx.arch === 'a2a3') {
        for (let i = 0; i < b.count; i++) {
          const at = i * A2.size;
          this.join!.addTask(core, v.getUint32(at + A2.offsetOf('regTaskId'), true), {
            taskId: v.getBigUint64(at + A2.offsetOf('taskId'), true),
            dispatch: v.getBigUint64(at + A2.offsetOf('dispatchTime'), true),
            finish: v.getBigUint64(at + A2.offsetOf('finishTime'), true),
            funcId: v.getUint32(at + A2.offsetOf('funcId'), true),
            coreId: core,
            coreType: v.getInt32(at + A2.offsetOf('coreType'), true),
            fanout: [],
          });
        }
      } else {
        for (let i = 0; i < b.count; i++) {
          const at = i * A5.size;
          const start = v.getBigUint64(at + A5.offsetOf('startTime'), true);
          if (start === 0n) {
            this.unmatchedTimingRecords++;
            continue;
          }
          const n = Math.max(0, Math.min(128, v.getInt32(at + A5.offsetOf('fanoutCount'), true)));
          const fan: bigint[] = [];
          for (let k = 0; k < n; k++) fan.push(v.getBigUint64(at + A5.offsetOf('fanout') + 8 * k, true));
          store.addTask({
            taskId: v.getBigUint64(at + A5.offsetOf('taskId'), true),
            start,
            end: v.getBigUint64(at + A5.offsetOf('endTime'), true),
            dispatch: v.getBigUint64(at + A5.offsetOf('dispatchTime'), true),
            finish: v.getBigUint64(at + A5.offsetOf('finishTime'), true),
            funcId: v.getUint32(at + A5.offsetOf('funcId'), true),
            coreId: core,
            coreType: v.getInt32(at + A5.offsetOf('coreType'), true),
            fanout: fan,
          });
        }
      }
    } else if (b.geometry.kind === L2BufferKind.Phase) {
      for (let i = 0; i < b.count; i++) {
        const at = i * AicpuPhaseRecord.size;
        const id = v.getUint32(at + AicpuPhaseRecord.offsetOf('phaseId'), true);
        store.addPhase(core, phaseClassOf(this.ctx.arch, id), b.records, at);
      }
    } else {
      const R = L2PerfAicoreRecord;
      for (let i = 0; i < b.count; i++) {
        const at = i * R.size;
        const start = v.getBigUint64(at + R.offsetOf('startTime'), true);
        if (start === 0n) continue; // a slot the AI Core never wrote (it dropped)
        this.join!.addTiming(core, v.getUint32(at + R.offsetOf('taskId'), true), start, v.getBigUint64(at + R.offsetOf('endTime'), true));
      }
    }
  }

  protected readCounters(shared: SharedRegion): DeviceCounters {
    let total = 0;
    let dropped = 0;
    let mismatch = 0;
    const S = L2PerfBufferState;
    const states = [
      ...Array.from({ length: this.ctx.numCores }, (_, i) => this.offsets.taskStates + i * S.size),
      ...Array.from({ length: this.arch.maxAicpuThreads }, (_, t) => this.offsets.phaseStates + t * S.size),
    ];
    for (const at of states) {
      total += S.readField(shared.bytes, 'totalRecordCount', at);
      dropped += S.readField(shared.bytes, 'droppedRecordCount', at);
      if (this.ctx.arch === 'a5') mismatch += S.readField(shared.bytes, 'mismatchRecordCount', at);
    }
    if (this.ctx.arch === 'a2a3') {
      // Unlike the upstream runner, the AI Core pools are reconciled too: the AI CPU counts every
      // completion on the core and adds a whole buffer to dropped when a rotation fails.
      const A = L2PerfAicoreBufferState;
      for (let i = 0; i < this.ctx.numCores; i++) {
        const at = this.offsets.aicoreStates + i * A.size;
        total += A.readField(shared.bytes, 'totalRecordCount', at);
        dropped += A.readField(shared.bytes, 'droppedRecordCount', at);
      }
    }
    return { total, dropped, mismatch };
  }

  protected override extraNotes(): string[] {
    this.join?.finish();
    const notes: string[] = [];
    const unmatched = (this.join?.unmatchedTasks ?? 0) + this.unmatchedTimingRecords;
    if (unmatched > 0) notes.push(`${unmatched} task record(s) had no AI Core timing and were left out of the export`);
    if ((this.join?.unmatchedTimings ?? 0) > 0) notes.push(`${this.join!.unmatchedTimings} AI Core timing record(s) had no task record`);
    return notes;
  }

  /** The core→thread map, when the AI CPU initialized the phase header. */
  private coreToThread(): number[] | undefined {
    const shared = this.shared!;
    const ph = AicpuPhaseHeader[this.ctx.arch];
    shared.pull(this.offsets.phaseHeader, ph.size);
    const hdr = ph.decode(shared.bytes, this.offsets.phaseHeader);
    if (hdr.magic !== PHASE_MAGIC || hdr.numSchedThreads > this.arch.maxAicpuThreads) return undefined;
    return hdr.coreToThread.slice(0, this.ctx.numCores);
  }

  protected async writeFiles(outputDir: string, options: ExportOptions, _summary: CollectorSummary | undefined, out: OutputFiles): Promise<string[]> {
    const store = this.store!;
    const jsonPath = path.join(outputDir, L2_PERF_RECORDS_FILE);
    const tracePath = path.join(outputDir, SWIMLANE_TRACE_FILE);
    await out.writeText(jsonPath, (json) =>
      writeL2PerfJson(json, store, {
        arch: this.ctx.arch,
        level: this.level,
        timestampHz: this.arch.timestampHz,
        coreToThread: this.level >= 3 ? this.coreToThread() : undefined,
        incomplete: options.incomplete,
      }),
    );
    await out.writeText(tracePath, (trace) =>
      writeSwimlaneTrace(trace, store, {
        arch: this.ctx.arch,
        deviceId: this.ctx.deviceId ?? 0,
        numCores: this.ctx.numCores,
        timestampHz: this.arch.timestampHz,
        kernelNames: options.kernelNames,
        edges: options.dependencyEdges,
        incomplete: options.incomplete,
        ...(options.trace !== undefined ? { inputs: options.trace } : {}),
      }),
    );
    return [jsonPath, tracePath];
  }

  protected disposeHost(): void {
    this.store = undefined;
    this.join = undefined;
  }
}
