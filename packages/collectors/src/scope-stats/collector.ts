/** The scope-stats collector. */
import * as path from 'node:path';
import type { CollectorSummary, ExportOptions } from '../collector';
import type { CollectorContext } from '../framework/context';
import { CollectorBase, type DeviceCounters, type SetupResult } from '../framework/base-collector';
import type { CollectedBuffer } from '../framework/drain-engine';
import type { ResourceLedger } from '../framework/lifecycle';
import { RecordSpool } from '../framework/spool';
import type { OutputFiles } from '../export/output-files';
import type { SharedRegion } from '../memory';
import type { ProtocolGeometry } from '../protocol/geometry';
import type { ScopeBoundary } from '../trace/inputs';
import { decodeScopeStatsRecord } from './decode';
import { writeScopeStatsJsonl } from './export';
import { scopeStatsGeometry, scopeStatsStateOffset } from './geometry';
import { ScopeStatsBufferState, ScopeStatsHeader, ScopeStatsRecord } from './layout';

/** Relative path of the export. */
export const SCOPE_STATS_FILE = path.join('scope_stats', 'scope_stats.jsonl');

/** Collects scope begin/end records from the orchestrator and writes `scope_stats.jsonl`. */
export class ScopeStatsCollector extends CollectorBase {
  /** @inheritDoc */
  readonly name = 'scopeStats' as const;
  private spool: RecordSpool | undefined;

  /** Creates the collector (no device work until {@link init}). */
  constructor(ctx: CollectorContext) {
    super(ctx);
  }

  protected geometry(): ProtocolGeometry {
    return scopeStatsGeometry(this.ctx.arch);
  }

  protected setup(shared: SharedRegion, ledger: ResourceLedger): SetupResult {
    ScopeStatsHeader[this.ctx.arch].writeField(shared.bytes, 'numInstances', 1);
    this.spool = ledger.acquire('scopeStats spool', () => new RecordSpool(this.spoolDir!, 'scope_stats', ScopeStatsRecord.size), (s) => s.dispose());
    return {};
  }

  protected onBuffer(buffer: CollectedBuffer): void {
    const spool = this.spool!;
    for (let i = 0; i < buffer.count; i++) {
      const at = spool.nextRow();
      new Uint8Array(spool.rowView.buffer, at, ScopeStatsRecord.size).set(
        buffer.records.subarray(i * ScopeStatsRecord.size, (i + 1) * ScopeStatsRecord.size),
      );
    }
  }

  /** The scope boundaries collected so far, in device order (read back from the spool). */
  *boundaries(): Generator<ScopeBoundary> {
    const spool = this.spool;
    if (spool === undefined) return;
    for (const chunk of spool.chunks()) {
      for (let i = 0; i < chunk.rows; i++) yield decodeScopeStatsRecord(chunk.view, i * ScopeStatsRecord.size);
    }
  }

  protected readCounters(shared: SharedRegion): DeviceCounters {
    const state = scopeStatsStateOffset(this.ctx.arch);
    return {
      total: ScopeStatsBufferState.readField(shared.bytes, 'totalRecordCount', state),
      dropped: ScopeStatsBufferState.readField(shared.bytes, 'droppedRecordCount', state),
      mismatch: 0,
    };
  }

  protected async writeFiles(outputDir: string, options: ExportOptions, summary: CollectorSummary | undefined, files: OutputFiles): Promise<string[]> {
    const h = ScopeStatsHeader[this.ctx.arch];
    const shared = this.shared!;
    shared.pull(0, h.size);
    const file = path.join(outputDir, SCOPE_STATS_FILE);
    await files.writeText(file, (out) => {
      const metadata = {
        fatal: h.readField(shared.bytes, 'fatalLatched') !== 0,
        dropped: summary?.dropped ?? 0,
        total: summary?.total ?? 0,
        taskWindowMax: h.readField(shared.bytes, 'taskWindowCap'),
        heapMax: h.readField(shared.bytes, 'heapCap'),
        tensormapMax: h.readField(shared.bytes, 'tensormapCap'),
        incomplete: options.incomplete,
      };
      return writeScopeStatsJsonl(out, metadata, this.spool!);
    });
    return [file];
  }

  protected disposeHost(): void {
    // The spool is released with the ledger.
    this.spool = undefined;
  }
}
