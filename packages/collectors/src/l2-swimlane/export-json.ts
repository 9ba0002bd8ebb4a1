/**
 * `l2_perf_records.json` in the upstream schema: level, tasks (µs times to 3
 * decimals relative to the run's first timestamp), scheduler phases per AI CPU thread (level ≥ 3),
 * orchestrator phases (level 4, when any), and the core→thread map (when the device published it).
 * Streams from the spools; npurun adds one key, `incomplete`.
 *
 * Records are formatted into bytes (`export/byte-out.ts`) and the loop pauses for the event loop
 * every few milliseconds, so a run of millions of records neither piles up text nor stalls the
 * caller. The output is byte for byte what `export-json-text.ts` builds from strings.
 */
import type { Arch } from '@npurun/hal-native';
import { CollectorError, CollectorErrorCode } from '../errors';
import { ascii, ByteOut, type AsciiLiteral, type ByteSink } from '../export/byte-out';
import { TimeSlicer } from '../framework/slicer';
import { AicpuPhaseRecord } from './layout';
import { PHASE_DISPATCH, phaseName } from './phases';
import type { SpoolChunk } from '../framework/spool';
import { TASK_ROW, type L2TaskStore, type PhaseClass } from './task-store';
import { relativeMicrosAt, timeBaseWords } from './time';

/** What the JSON export needs besides the spools. */
export interface L2ExportMeta {
  /** The architecture (phase naming; a5 adds fan-out). */
  readonly arch: Arch;
  /** Swimlane level 1–4. */
  readonly level: number;
  /** Device clock, Hz. */
  readonly timestampHz: number;
  /** Core → AI CPU thread, when the device published it. */
  readonly coreToThread: readonly number[] | undefined;
  /** The run failed part-way. */
  readonly incomplete: boolean;
}

const P_START = AicpuPhaseRecord.offsetOf('startTime');
const P_END = AicpuPhaseRecord.offsetOf('endTime');
const P_ITER = AicpuPhaseRecord.offsetOf('loopIter');
const P_ID = AicpuPhaseRecord.offsetOf('phaseId');
const P_TASK = AicpuPhaseRecord.offsetOf('taskId');
const P_X1 = AicpuPhaseRecord.offsetOf('extra1');
const P_X2 = AicpuPhaseRecord.offsetOf('extra2');

// A record's text without its variable parts is under 400 bytes; numbers add at most ~25 each.
const RECORD_BOUND = 1024;
const FANOUT_ID_BOUND = 24;
// Records between pause checks: far below a slice at any realistic speed, far above the check's cost.
const PACE_EVERY = 64;
// Task rows formatted per synchronous call (see formatTaskRows), between pause checks.
const RANGE_ROWS = 256;
// The first calls run before the formatter is compiled, tens of times slower per row: ranges start
// this small and double up to RANGE_ROWS, so the first slice does not overrun while the code is cold.
const FIRST_RANGE_ROWS = 8;

const T_FIRST = ascii('\n    {"task_id": ');
const T_NEXT = ascii(',\n    {"task_id": ');
const T_FUNC = ascii(', "func_id": ');
const T_CORE = ascii(', "core_id": ');
const T_AIC = ascii(', "core_type": "aic", "ring_id": ');
const T_AIV = ascii(', "core_type": "aiv", "ring_id": ');
const T_START = ascii(', "start_time_us": ');
const T_END = ascii(', "end_time_us": ');
const T_DURATION = ascii(', "duration_us": ');
const T_DISPATCH = ascii(', "dispatch_time_us": ');
const T_FINISH = ascii(', "finish_time_us": ');
const T_FANOUT = ascii(', "fanout": [');
const T_FANOUT_COUNT = ascii('], "fanout_count": ');
const COMMA_SPACE = ascii(', ');

const S_FIRST = ascii('\n      {"start_time_us": ');
const S_NEXT = ascii(',\n      {"start_time_us": ');
const S_END = ascii(', "end_time_us": ');
const S_PHASE = ascii(', "phase": "');
const S_ITER = ascii('", "loop_iter": ');
const S_TASKS = ascii(', "tasks_processed": ');
const S_HIT = ascii(', "pop_hit": ');
const S_MISS = ascii(', "pop_miss": ');
const O_FIRST = ascii('\n      {"phase": "');
const O_NEXT = ascii(',\n      {"phase": "');
const O_START = ascii('", "start_time_us": ');
const O_END = ascii(', "end_time_us": ');
const O_SUBMIT = ascii(', "submit_idx": ');
const O_TASK = ascii(', "task_id": ');

/** Phase names as literals, per arch and id. */
function phaseLiterals(arch: Arch): (id: number) => AsciiLiteral {
  const cache = new Map<number, AsciiLiteral>();
  return (id) => {
    let l = cache.get(id);
    if (l === undefined) {
      l = ascii(phaseName(arch, id));
      cache.set(id, l);
    }
    return l;
  };
}

/**
 * Streams the file's content into `out` (a `TextFileWriter`, or any byte sink), pausing for the
 * event loop whenever `slicer`'s slice is used up.
 */
export async function writeL2PerfJson(out: ByteSink, store: L2TaskStore, meta: L2ExportMeta, slicer: TimeSlicer = new TimeSlicer()): Promise<void> {
  const w = new ByteOut(out);
  const { low: baseLow, high: baseHigh } = timeBaseWords(store.base);
  const a5 = meta.arch === 'a5';
  w.latin1(`{\n  "l2_perf_level": ${meta.level},\n  "incomplete": ${meta.incomplete},\n  "tasks": [`);
  const rows: TaskRows = {
    w,
    baseLow,
    baseHigh,
    hz: meta.timestampHz,
    a5,
    withFanout: a5 && meta.level >= 2,
    fanout: a5 ? store.fanout.chunks() : undefined,
    fanView: undefined,
    fanRows: 0,
    fanPos: 0,
    first: true,
  };
  let range = FIRST_RANGE_ROWS;
  for (const chunk of store.tasks.chunks()) {
    for (let from = 0; from < chunk.rows; from += range) {
      if (from > 0) range = Math.min(RANGE_ROWS, 2 * range);
      formatTaskRows(rows, chunk.view, from, Math.min(chunk.rows, from + range));
      await w.pace(slicer);
    }
  }
  w.latin1(rows.first ? ']' : '\n  ]');
  if (meta.level >= 3) {
    w.latin1(',\n  "aicpu_scheduler_phases": [');
    await writePhaseArrays(w, store, 'sched', meta, slicer);
    w.latin1(']');
  }
  if (meta.level >= 4 && store.hasOrchestratorPhases) {
    w.latin1(',\n  "aicpu_orchestrator_phases": [');
    await writePhaseArrays(w, store, 'orch', meta, slicer);
    w.latin1(']');
  }
  if (meta.coreToThread !== undefined) w.latin1(`,\n  "core_to_thread": [${meta.coreToThread.join(', ')}]`);
  w.latin1('\n}\n');
  await w.flush();
}

/** The state of the task array's formatting across ranges of rows. */
interface TaskRows {
  readonly w: ByteOut;
  readonly baseLow: number;
  readonly baseHigh: number;
  readonly hz: number;
  readonly a5: boolean;
  readonly withFanout: boolean;
  /** The fan-out spool, read alongside the tasks (a5). */
  readonly fanout: Generator<SpoolChunk> | undefined;
  fanView: DataView | undefined;
  fanRows: number;
  fanPos: number;
  first: boolean;
}

/**
 * Formats task rows `[from, to)` of a spool chunk. Synchronous and kept apart from the async
 * loop around it, so the optimizing compiler sees one tight loop.
 */
function formatTaskRows(s: TaskRows, v: DataView, from: number, to: number): void {
  const { w, baseLow, baseHigh, hz, a5 } = s;
  for (let r = from; r < to; r++) {
    const at = r * TASK_ROW.bytes;
    const fanCount = a5 ? v.getUint32(at + TASK_ROW.fanoutCount, true) : 0;
    w.reserve(RECORD_BOUND + FANOUT_ID_BOUND * fanCount);
    const idLow = v.getUint32(at + TASK_ROW.taskId, true);
    const idHigh = v.getUint32(at + TASK_ROW.taskId + 4, true);
    const start = relativeMicrosAt(v, at + TASK_ROW.start, baseLow, baseHigh, hz);
    const end = relativeMicrosAt(v, at + TASK_ROW.end, baseLow, baseHigh, hz);
    w.lit(s.first ? T_FIRST : T_NEXT);
    s.first = false;
    w.u64(idLow, idHigh);
    w.lit(T_FUNC);
    w.u32(v.getUint32(at + TASK_ROW.funcId, true));
    w.lit(T_CORE);
    w.u32(v.getUint32(at + TASK_ROW.coreId, true));
    w.lit(v.getInt32(at + TASK_ROW.coreType, true) === 0 ? T_AIC : T_AIV);
    w.u32(idHigh);
    w.lit(T_START);
    w.fixed3(start);
    w.lit(T_END);
    w.fixed3(end);
    w.lit(T_DURATION);
    w.fixed3(Math.max(0, end - start));
    w.lit(T_DISPATCH);
    w.fixed3(relativeMicrosAt(v, at + TASK_ROW.dispatch, baseLow, baseHigh, hz));
    w.lit(T_FINISH);
    w.fixed3(relativeMicrosAt(v, at + TASK_ROW.finish, baseLow, baseHigh, hz));
    if (a5) formatFanout(s, fanCount);
    w.byte(125);
  }
}

/** The fan-out ids of one a5 task: always consumed (they are spooled in task order), printed from level 2. */
function formatFanout(s: TaskRows, count: number): void {
  const w = s.w;
  if (s.withFanout) w.lit(T_FANOUT);
  for (let i = 0; i < count; i++) {
    while (s.fanView === undefined || s.fanPos >= s.fanRows) {
      const next = s.fanout!.next();
      if (next.done === true) throw new CollectorError(CollectorErrorCode.SpoolFailed, 'l2Swimlane.exportFiles', 'the fan-out spool ended before its tasks did');
      s.fanView = next.value.view;
      s.fanRows = next.value.rows;
      s.fanPos = 0;
    }
    if (s.withFanout) {
      if (i > 0) w.lit(COMMA_SPACE);
      w.u64(s.fanView.getUint32(8 * s.fanPos, true), s.fanView.getUint32(8 * s.fanPos + 4, true));
    }
    s.fanPos++;
  }
  if (s.withFanout) {
    w.lit(T_FANOUT_COUNT);
    w.u32(count);
  }
}

async function writePhaseArrays(w: ByteOut, store: L2TaskStore, cls: PhaseClass, meta: L2ExportMeta, slicer: TimeSlicer): Promise<void> {
  const { low: baseLow, high: baseHigh } = timeBaseWords(store.base);
  const hz = meta.timestampHz;
  const name = phaseLiterals(meta.arch);
  let n = 0;
  for (let t = 0; t < store.threads; t++) {
    w.latin1(t === 0 ? '\n    [' : ',\n    [');
    const spool = store.phaseSpool(t, cls);
    let first = true;
    if (spool !== undefined) {
      for (const chunk of spool.chunks()) {
        const v = chunk.view;
        for (let r = 0; r < chunk.rows; r++) {
          const at = r * AicpuPhaseRecord.size;
          const id = v.getUint32(at + P_ID, true);
          const start = relativeMicrosAt(v, at + P_START, baseLow, baseHigh, hz);
          const end = relativeMicrosAt(v, at + P_END, baseLow, baseHigh, hz);
          w.reserve(RECORD_BOUND);
          if (cls === 'sched') {
            w.lit(first ? S_FIRST : S_NEXT);
            w.fixed3(start);
            w.lit(S_END);
            w.fixed3(end);
            w.lit(S_PHASE);
            w.lit(name(id));
            w.lit(S_ITER);
            w.u32(v.getUint32(at + P_ITER, true));
            w.lit(S_TASKS);
            w.u64(v.getUint32(at + P_TASK, true), v.getUint32(at + P_TASK + 4, true));
            if (id === PHASE_DISPATCH) {
              w.lit(S_HIT);
              w.u32(v.getUint32(at + P_X1, true));
              w.lit(S_MISS);
              w.u32(v.getUint32(at + P_X2, true));
            }
          } else {
            w.lit(first ? O_FIRST : O_NEXT);
            w.lit(name(id));
            w.lit(O_START);
            w.fixed3(start);
            w.lit(O_END);
            w.fixed3(end);
            w.lit(O_SUBMIT);
            w.u32(v.getUint32(at + P_ITER, true));
            w.lit(O_TASK);
            w.u64(v.getUint32(at + P_TASK, true), v.getUint32(at + P_TASK + 4, true));
          }
          w.byte(125);
          first = false;
          if (++n % PACE_EVERY === 0) await w.pace(slicer);
        }
      }
    }
    w.latin1(first ? ']' : '\n    ]');
  }
  w.latin1('\n  ');
}
