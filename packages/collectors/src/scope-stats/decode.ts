/** A scope-stats device record, decoded (the values `scope_stats.jsonl` prints). */
import type { ScopeBoundary } from '../trace/inputs';
import { ScopeStatsRecord } from './layout';

/** Byte offsets of a record's fields, looked up once (the layout's lookup is by name). */
export const SCOPE_STATS_FIELDS = {
  site: ScopeStatsRecord.offsetOf('siteFileBasename'),
  heapStart: ScopeStatsRecord.offsetOf('heapStart'),
  heapEnd: ScopeStatsRecord.offsetOf('heapEnd'),
  line: ScopeStatsRecord.offsetOf('siteLine'),
  taskStart: ScopeStatsRecord.offsetOf('taskStart'),
  taskEnd: ScopeStatsRecord.offsetOf('taskEnd'),
  tensormap: ScopeStatsRecord.offsetOf('tensormapUsed'),
  depth: ScopeStatsRecord.offsetOf('depth'),
  ring: ScopeStatsRecord.offsetOf('ringId'),
  phase: ScopeStatsRecord.offsetOf('phase'),
} as const;
/** Bytes of the NUL-terminated site file name (a name this long has no NUL). */
export const SCOPE_SITE_BYTES = 32;

const F = SCOPE_STATS_FIELDS;

function siteName(view: DataView, at: number): string {
  let s = '';
  for (let i = 0; i < SCOPE_SITE_BYTES; i++) {
    const c = view.getUint8(at + F.site + i);
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}

/** Decodes the record at byte `at` of `view`. */
export function decodeScopeStatsRecord(view: DataView, at: number): ScopeBoundary {
  const phase = view.getInt16(at + F.phase, true);
  return {
    site: `${siteName(view, at)}:${view.getInt32(at + F.line, true)}`,
    phase: phase === 0 ? 'begin' : phase === 1 ? 'end' : 'unknown',
    depth: view.getInt16(at + F.depth, true),
    ring: view.getInt16(at + F.ring, true),
    taskWindowStart: view.getInt32(at + F.taskStart, true),
    taskWindowEnd: view.getInt32(at + F.taskEnd, true),
    heapStart: view.getBigUint64(at + F.heapStart, true),
    heapEnd: view.getBigUint64(at + F.heapEnd, true),
    tensormap: view.getInt32(at + F.tensormap, true),
  };
}
