/**
 * `scope_stats/scope_stats.jsonl` (the upstream schema, version 4): a metadata line, then one line
 * per scope begin or end in device order. npurun adds `incomplete` to the metadata line.
 */
import type { ScopeBoundary } from '@npurun/collectors';
import { badFile } from '../errors';
import { parseJson, Reader } from './check';

/** The metadata line. */
export interface ScopeStatsMeta {
  /** Schema version (4). */
  version: number;
  /** The orchestrator latched a fatal error. */
  fatal: boolean;
  /** Records the device dropped. */
  dropped: number;
  /** Records the device produced. */
  total: number;
  /** Task-window capacity per ring. */
  taskWindowMax: number[];
  /** Heap capacity per ring, bytes. */
  heapMax: bigint[];
  /** Tensor-map capacity. */
  tensormapMax: number;
  /** The run failed part-way (npurun addition). */
  incomplete?: boolean;
}

/** The whole file. */
export interface ScopeStatsFile {
  /** The metadata line. */
  meta: ScopeStatsMeta;
  /** Scope boundaries in device order. */
  records: ScopeBoundary[];
}

/** Parses the file. */
export function parseScopeStats(text: string, file = 'scope_stats.jsonl'): ScopeStatsFile {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) throw badFile(file, 'empty: expected a metadata line');
  const m = Reader.of(parseJson(lines[0]!, file), file, 'line 1');
  const meta: ScopeStatsMeta = {
    version: m.num('version'),
    fatal: m.bool('fatal'),
    dropped: m.num('dropped'),
    total: m.num('total'),
    taskWindowMax: m.nums('task_window_max'),
    heapMax: m.arr('heap_max').map((v, i) => Reader.of({ v }, file, `line 1 heap_max[${i}]`).u64('v')),
    tensormapMax: m.num('tensormap_max'),
  };
  if (m.has('incomplete')) meta.incomplete = m.bool('incomplete');
  const records = lines.slice(1).map((l, i): ScopeBoundary => {
    const r = Reader.of(parseJson(l, file), file, `line ${i + 2}`);
    const phase = r.str('phase');
    return {
      site: r.str('site'),
      phase: phase === 'begin' || phase === 'end' ? phase : 'unknown',
      depth: r.num('depth'),
      ring: r.num('ring'),
      taskWindowStart: r.num('task_window_start'),
      taskWindowEnd: r.num('task_window_end'),
      heapStart: r.u64('heap_start'),
      heapEnd: r.u64('heap_end'),
      tensormap: r.num('tensormap'),
    };
  });
  return { meta, records };
}

/** The file's text for `s` (Python-style `": "` / `", "` spacing, as the upstream runner writes it). */
export function formatScopeStats(s: ScopeStatsFile): string {
  const m = s.meta;
  const head =
    `{"version": ${m.version}, "fatal": ${m.fatal}, "dropped": ${m.dropped}, "total": ${m.total}, ` +
    `"task_window_max": [${m.taskWindowMax.join(', ')}], "heap_max": [${m.heapMax.join(', ')}], "tensormap_max": ${m.tensormapMax}` +
    `${m.incomplete === undefined ? '' : `, "incomplete": ${m.incomplete}`}}`;
  const lines = s.records.map(
    (r) =>
      `{"site": ${JSON.stringify(r.site)}, "phase": "${r.phase}", "depth": ${r.depth}, "ring": ${r.ring}, ` +
      `"task_window_start": ${r.taskWindowStart}, "task_window_end": ${r.taskWindowEnd}, "heap_start": ${r.heapStart}, "heap_end": ${r.heapEnd}, "tensormap": ${r.tensormap}}`,
  );
  return [head, ...lines].join('\n') + '\n';
}
