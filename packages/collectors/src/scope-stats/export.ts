/**
 * `scope_stats/scope_stats.jsonl`: a metadata line,
 * then one line per scope boundary in device order, with Python-style `": "` / `", "` spacing.
 */
import { ascii, ByteOut, type ByteSink } from '../export/byte-out';
import type { RecordSpool } from '../framework/spool';
import { TimeSlicer } from '../framework/slicer';
import { decodeScopeStatsRecord, SCOPE_SITE_BYTES, SCOPE_STATS_FIELDS } from './decode';
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

const F = SCOPE_STATS_FIELDS;

// The text between a record's values, prepared once (see formatScopeStatsRecord for the spelling).
const OPEN = ascii('{"site": ');
const PHASE_THEN_DEPTH = ['begin', 'end', 'unknown'].map((p) => ascii(`, "phase": "${p}", "depth": `));
const RING = ascii(', "ring": ');
const TASK_START = ascii(', "task_window_start": ');
const TASK_END = ascii(', "task_window_end": ');
const HEAP_START = ascii(', "heap_start": ');
const HEAP_END = ascii(', "heap_end": ');
const TENSORMAP = ascii(', "tensormap": ');
const CLOSE_LINE = ascii('}\n');
// More than one record can take: about 150 bytes of text, a site of at most 6 × 32 + 13 bytes as a
// JSON string, and eight values of at most 24 bytes.
const RECORD_BYTES_BOUND = 640;
const QUOTE = 34;
const BACKSLASH = 92;
const COLON = 58;

/**
 * Prints the record's `"site"` value: the file name and line as a JSON string. Names of printable
 * ASCII without quotes or backslashes (all real ones) are copied byte by byte; any other goes
 * through `JSON.stringify`, which escapes it.
 */
function writeSite(w: ByteOut, view: DataView, at: number): void {
  let length = 0;
  let plain = true;
  for (; length < SCOPE_SITE_BYTES; length++) {
    const c = view.getUint8(at + F.site + length);
    if (c === 0) break;
    if (c < 0x20 || c > 0x7e || c === QUOTE || c === BACKSLASH) plain = false;
  }
  if (!plain) {
    w.jsonString(decodeScopeStatsRecord(view, at).site);
    return;
  }
  w.byte(QUOTE);
  for (let i = 0; i < length; i++) w.byte(view.getUint8(at + F.site + i));
  w.byte(COLON);
  w.int(view.getInt32(at + F.line, true));
  w.byte(QUOTE);
}

/** Prints the record at byte `at` of `view` as {@link formatScopeStatsRecord} spells it, and a newline. */
function writeRecordLine(w: ByteOut, view: DataView, at: number): void {
  w.reserve(RECORD_BYTES_BOUND);
  w.lit(OPEN);
  writeSite(w, view, at);
  const phase = view.getInt16(at + F.phase, true);
  w.lit(PHASE_THEN_DEPTH[phase === 0 ? 0 : phase === 1 ? 1 : 2]!);
  w.int(view.getInt16(at + F.depth, true));
  w.lit(RING);
  w.int(view.getInt16(at + F.ring, true));
  w.lit(TASK_START);
  w.int(view.getInt32(at + F.taskStart, true));
  w.lit(TASK_END);
  w.int(view.getInt32(at + F.taskEnd, true));
  w.lit(HEAP_START);
  w.u64(view.getUint32(at + F.heapStart, true), view.getUint32(at + F.heapStart + 4, true));
  w.lit(HEAP_END);
  w.u64(view.getUint32(at + F.heapEnd, true), view.getUint32(at + F.heapEnd + 4, true));
  w.lit(TENSORMAP);
  w.int(view.getInt32(at + F.tensormap, true));
  w.lit(CLOSE_LINE);
}

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
      writeRecordLine(w, chunk.view, i * ScopeStatsRecord.size);
      if (++n % PACE_EVERY === 0) await w.pace(slicer);
    }
  }
  await w.flush();
}
