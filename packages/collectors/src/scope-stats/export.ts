/**
 * `scope_stats/scope_stats.jsonl`: a metadata line,
 * then one line per scope boundary in device order, with Python-style `": "` / `", "` spacing.
 */
import { ByteOut, type ByteSink } from '../export/byte-out';
import type { RecordSpool } from '../framework/spool';
import { TimeSlicer } from '../framework/slicer';
import { decodeScopeStatsRecord } from './decode';
import { ScopeStatsRecord } from './layout';

/** Schema version of the file. */
export const SCOPE_STATS_SCHEMA_VERSION = 4;

/** The metadata line's content. */
export interface ScopeStatsMetadata {
  /** The orchestrator latched a fatal error. */
  readonly fatal: boolean;
  /** Records the device dropped. */
  readonly dropped: number;
  /** Records the device attempted. */
  readonly total: number;
  /** Task-window capacity per ring. */
  readonly taskWindowMax: readonly number[];
  /** Heap capacity per ring, bytes. */
  readonly heapMax: readonly bigint[];
  /** Tensormap capacity. */
  readonly tensormapMax: number;
  /** The run did not complete (an npurun addition; absent from the upstream runner's v4). */
  readonly incomplete: boolean;
}

/** Formats the metadata line (no newline). */
export function formatScopeStatsMetadata(m: ScopeStatsMetadata): string {
  return (
    `{"version": ${SCOPE_STATS_SCHEMA_VERSION}, "fatal": ${m.fatal}, "dropped": ${m.dropped}, "total": ${m.total}, ` +
    `"task_window_max": [${m.taskWindowMax.join(', ')}], "heap_max": [${m.heapMax.join(', ')}], ` +
    `"tensormap_max": ${m.tensormapMax}, "incomplete": ${m.incomplete}}`
  );
}

/** Formats the record at byte `at` of `view` as one line (no newline). */
export function formatScopeStatsRecord(view: DataView, at: number): string {
  const r = decodeScopeStatsRecord(view, at);
  return (
    `{"site": ${JSON.stringify(r.site)}, "phase": "${r.phase}", "depth": ${r.depth}, "ring": ${r.ring}, ` +
    `"task_window_start": ${r.taskWindowStart}, "task_window_end": ${r.taskWindowEnd}, ` +
    `"heap_start": ${r.heapStart}, "heap_end": ${r.heapEnd}, "tensormap": ${r.tensormap}}`
  );
}

// Records between pause checks (see l2-swimlane/export-json.ts).
const PACE_EVERY = 64;

/**
 * Streams the file into `out`: the metadata line, then one line per spooled record, pausing for the
 * event loop whenever `slicer`'s slice is used up.
 */
export async function writeScopeStatsJsonl(out: ByteSink, metadata: ScopeStatsMetadata, spool: RecordSpool, slicer: TimeSlicer = new TimeSlicer()): Promise<void> {
  const w = new ByteOut(out);
  w.utf8(formatScopeStatsMetadata(metadata) + '\n');
  let n = 0;
  for (const chunk of spool.chunks()) {
    for (let i = 0; i < chunk.rows; i++) {
      w.utf8(formatScopeStatsRecord(chunk.view, i * ScopeStatsRecord.size) + '\n');
      if (++n % PACE_EVERY === 0) await w.pace(slicer);
    }
  }
  await w.flush();
}
