/**
 * `scope_stats/scope_stats.jsonl` (reference collectors.md §5.3, schema version 4): a metadata line,
 * then one line per scope boundary in device order, with Python-style `": "` / `", "` spacing.
 */
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
  /** The run did not complete (an npurun addition; absent from the reference's v4). */
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

const SITE = ScopeStatsRecord.offsetOf('siteFileBasename');
const HEAP_START = ScopeStatsRecord.offsetOf('heapStart');
const HEAP_END = ScopeStatsRecord.offsetOf('heapEnd');
const LINE = ScopeStatsRecord.offsetOf('siteLine');
const TASK_START = ScopeStatsRecord.offsetOf('taskStart');
const TASK_END = ScopeStatsRecord.offsetOf('taskEnd');
const TENSORMAP = ScopeStatsRecord.offsetOf('tensormapUsed');
const DEPTH = ScopeStatsRecord.offsetOf('depth');
const RING = ScopeStatsRecord.offsetOf('ringId');
const PHASE = ScopeStatsRecord.offsetOf('phase');

function siteName(view: DataView, at: number): string {
  let s = '';
  for (let i = 0; i < 32; i++) {
    const c = view.getUint8(at + SITE + i);
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}

/** Formats the record at byte `at` of `view` as one line (no newline). */
export function formatScopeStatsRecord(view: DataView, at: number): string {
  const phase = view.getInt16(at + PHASE, true);
  const site = `${siteName(view, at)}:${view.getInt32(at + LINE, true)}`;
  return (
    `{"site": ${JSON.stringify(site)}, "phase": "${phase === 0 ? 'begin' : phase === 1 ? 'end' : 'unknown'}", ` +
    `"depth": ${view.getInt16(at + DEPTH, true)}, "ring": ${view.getInt16(at + RING, true)}, ` +
    `"task_window_start": ${view.getInt32(at + TASK_START, true)}, "task_window_end": ${view.getInt32(at + TASK_END, true)}, ` +
    `"heap_start": ${view.getBigUint64(at + HEAP_START, true)}, "heap_end": ${view.getBigUint64(at + HEAP_END, true)}, ` +
    `"tensormap": ${view.getInt32(at + TENSORMAP, true)}}`
  );
}
