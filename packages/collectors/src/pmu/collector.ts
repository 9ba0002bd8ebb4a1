/** The PMU collector. */
import * as path from 'node:path';
import type { CollectorSummary, ExportOptions } from '../collector';
import { CollectorError, CollectorErrorCode } from '../errors';
import { CollectorBase, type DeviceCounters, type SetupResult } from '../framework/base-collector';
import type { CollectorContext } from '../framework/context';
import type { CollectedBuffer } from '../framework/drain-engine';
import type { ResourceLedger } from '../framework/lifecycle';
import { RecordSpool } from '../framework/spool';
import type { OutputFiles } from '../export/output-files';
import type { SharedRegion } from '../memory';
import type { PmuSample, PmuSamples } from '../trace/inputs';
import type { ProtocolGeometry } from '../protocol/geometry';
import { pmuEventGroupLabel } from './csv';
import { writePmuCsv } from './csv-export';
import { resolvePmuEventGroup, type ResolvedPmuEventGroup } from './events';
import { pmuGeometry, pmuStateOffset } from './geometry';
import { PmuAicoreRingA5, PmuBufferStateA2a3, PmuBufferStateA5, PmuHeader, PmuRecord } from './layout';

/** Relative path of the export. */
export const PMU_FILE = 'pmu.csv';

/** PMU options. */
export interface PmuCollectorOptions {
  /** Requested event group (> 0). Unknown groups fall back to PIPE_UTILIZATION (noted in the summary). */
  readonly eventGroup: number;
}

// Spool row: the AI CPU queue the buffer came from, the core, then the raw record.
const ROW_THREAD = 0;
const ROW_CORE = 4;
const ROW_RECORD = 8;

/** Collects per-task PMU counters and writes `pmu.csv` (created only when there is a record). */
export class PmuCollector extends CollectorBase {
  /** @inheritDoc */
  readonly name = 'pmu' as const;
  /** The event group in use. */
  readonly eventGroup: ResolvedPmuEventGroup;
  private spool: RecordSpool | undefined;
  private readonly recordBytes: number;

  /** Creates the collector. */
  constructor(ctx: CollectorContext, options: PmuCollectorOptions) {
    super(ctx);
    if (options === undefined || typeof options !== 'object') {
      throw new CollectorError(CollectorErrorCode.InvalidArgument, 'pmu.create', 'options { eventGroup } are required');
    }
    this.eventGroup = resolvePmuEventGroup(ctx.arch, options.eventGroup);
    this.recordBytes = PmuRecord[ctx.arch].size;
  }

  protected geometry(): ProtocolGeometry {
    return pmuGeometry(this.ctx.arch, this.ctx.numCores);
  }

  protected setup(shared: SharedRegion, ledger: ResourceLedger): SetupResult {
    const arch = this.ctx.arch;
    const h = PmuHeader[arch];
    h.writeField(shared.bytes, 'numCores', this.ctx.numCores);
    h.writeField(shared.bytes, 'eventType', this.eventGroup.table.group);
    this.spool = ledger.acquire('pmu spool', () => new RecordSpool(this.spoolDir!, 'pmu', ROW_RECORD + this.recordBytes), (s) => s.dispose());
    if (arch !== 'a5') return {};
    // a5: the AI Core writes its counters into a per-core staging ring the host allocates; the
    // table of ring addresses is what KernelArgs.aicorePmuRingAddrs points at.
    const n = this.ctx.numCores;
    const memory = this.ctx.memory;
    const rings = ledger.acquire('pmu staging rings', () => memory.alloc(n * PmuAicoreRingA5.size), (a) => memory.free(a));
    const ringView = this.access.window(rings, n * PmuAicoreRingA5.size);
    ringView.zero();
    ringView.release();
    const perCoreRings = Array.from({ length: n }, (_, i) => rings + BigInt(i * PmuAicoreRingA5.size));
    const table = ledger.acquire('pmu ring table', () => memory.alloc(8 * n), (a) => memory.free(a));
    const tableBytes = new Uint8Array(8 * n);
    const tv = new DataView(tableBytes.buffer);
    perCoreRings.forEach((r, i) => {
      tv.setBigUint64(8 * i, r, true);
      PmuBufferStateA5.writeField(shared.bytes, 'aicoreRingPtr', r, pmuStateOffset(arch, i));
    });
    memory.copyToDevice(table, tableBytes);
    return { extra: { perCoreRings, ringTable: table } };
  }

  protected onBuffer(buffer: CollectedBuffer): void {
    const spool = this.spool!;
    const v = spool.rowView;
    for (let i = 0; i < buffer.count; i++) {
      const at = spool.nextRow();
      v.setInt32(at + ROW_THREAD, buffer.entry.thread, true);
      v.setUint32(at + ROW_CORE, buffer.geometry.instance, true);
      new Uint8Array(v.buffer, at + ROW_RECORD, this.recordBytes).set(buffer.records.subarray(i * this.recordBytes, (i + 1) * this.recordBytes));
    }
  }

  /** The records collected so far, for the trace's counter tracks (read back from the spool). */
  samples(): PmuSamples {
    const table = this.eventGroup.table;
    const used = table.counterNames.map((n, i) => (n === '' ? -1 : i)).filter((i) => i >= 0);
    const rec = PmuRecord[this.ctx.arch];
    const taskOff = ROW_RECORD + rec.offsetOf('taskId');
    const cyclesOff = ROW_RECORD + rec.offsetOf('pmuTotalCycles');
    const countersOff = ROW_RECORD + rec.offsetOf('pmuCounters');
    const spool = this.spool;
    return {
      counterNames: used.map((i) => table.counterNames[i]!),
      simulated: this.ctx.simulated === true,
      *samples(): Generator<PmuSample> {
        if (spool === undefined) return;
        for (const chunk of spool.chunks(1024)) {
          const v = chunk.view;
          for (let r = 0; r < chunk.rows; r++) {
            const at = r * spool.rowBytes;
            yield {
              taskId: v.getBigUint64(at + taskOff, true),
              coreId: v.getUint32(at + ROW_CORE, true),
              totalCycles: v.getBigUint64(at + cyclesOff, true),
              counters: used.map((slot) => v.getUint32(at + countersOff + 4 * slot, true)),
            };
          }
        }
      },
    };
  }

  protected readCounters(shared: SharedRegion): DeviceCounters {
    let total = 0;
    let dropped = 0;
    let mismatch = 0;
    for (let core = 0; core < this.ctx.numCores; core++) {
      const at = pmuStateOffset(this.ctx.arch, core);
      if (this.ctx.arch === 'a2a3') {
        total += PmuBufferStateA2a3.readField(shared.bytes, 'totalRecordCount', at);
        dropped += PmuBufferStateA2a3.readField(shared.bytes, 'droppedRecordCount', at);
      } else {
        total += PmuBufferStateA5.readField(shared.bytes, 'totalRecordCount', at);
        dropped += PmuBufferStateA5.readField(shared.bytes, 'droppedRecordCount', at);
        mismatch += PmuBufferStateA5.readField(shared.bytes, 'mismatchRecordCount', at);
      }
    }
    return { total, dropped, mismatch };
  }

  protected override extraNotes(): string[] {
    const notes: string[] = [];
    const g = this.eventGroup;
    if (g.fellBack) notes.push(`event group ${g.requested} is not valid on ${this.ctx.arch}; used ${g.table.name} (${g.table.group})`);
    if (this.ctx.simulated === true) notes.push('PMU values are simulated');
    return notes;
  }

  protected async writeFiles(outputDir: string, _options: ExportOptions, _summary: CollectorSummary | undefined, files: OutputFiles): Promise<string[]> {
    const spool = this.spool!;
    if (spool.count === 0) return [];
    const table = this.eventGroup.table;
    const rec = PmuRecord[this.ctx.arch];
    const row = {
      thread: ROW_THREAD,
      core: ROW_CORE,
      taskId: ROW_RECORD + rec.offsetOf('taskId'),
      funcId: ROW_RECORD + rec.offsetOf('funcId'),
      coreType: ROW_RECORD + rec.offsetOf('coreType'),
      cycles: ROW_RECORD + rec.offsetOf('pmuTotalCycles'),
      counters: ROW_RECORD + rec.offsetOf('pmuCounters'),
    };
    const file = path.join(outputDir, PMU_FILE);
    await files.writeText(file, (out) => writePmuCsv(out, spool, row, table, pmuEventGroupLabel(table, this.ctx.simulated === true)));
    return [file];
  }

  protected disposeHost(): void {
    this.spool = undefined;
  }
}
