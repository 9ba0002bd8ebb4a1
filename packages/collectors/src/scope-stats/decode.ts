/** A scope-stats device record, decoded (the values `scope_stats.jsonl` prints). */
import type { ScopeBoundary } from '../trace/inputs';
import { ScopeStatsRecord } from './layout';

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

/** Decodes the record at byte `at` of `view`. */
export function decodeScopeStatsRecord(view: DataView, at: number): ScopeBoundary {
  const phase = view.getInt16(at + PHASE, true);
  return {
    site: `${siteName(view, at)}:${view.getInt32(at + LINE, true)}`,
    phase: phase === 0 ? 'begin' : phase === 1 ? 'end' : 'unknown',
    depth: view.getInt16(at + DEPTH, true),
    ring: view.getInt16(at + RING, true),
    taskWindowStart: view.getInt32(at + TASK_START, true),
    taskWindowEnd: view.getInt32(at + TASK_END, true),
    heapStart: view.getBigUint64(at + HEAP_START, true),
    heapEnd: view.getBigUint64(at + HEAP_END, true),
    tensormap: view.getInt32(at + TENSORMAP, true),
  };
}
