/**
 * `l2_perf_records.json` in the upstream schema: level, tasks (µs times to 3
 * decimals relative to the run's first timestamp), scheduler phases per AI CPU thread (level ≥ 3),
 * orchestrator phases (level 4, when any), and the core→thread map (when the device published it).
 * Streams from the spools; npurun adds one key, `incomplete`.
 *
 * The task rows are formatted off the event loop by hal-native's `formatRows`; the rest into bytes
 * here (`export/byte-out.ts`), pausing for the event loop every few milliseconds. A run of millions
 * of records neither piles up text nor stalls the caller. The output is byte for byte what
 * `export-json-text.ts` builds from strings.
 */
import { CompiledRowProgram, formatRows, RowOp, type Arch, type RowInstruction } from '@npurun/hal-native';
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
// Records between pause checks: far below a slice at any realistic speed, far above the check's cost.
const PACE_EVERY = 64;
// Task rows per formatRows call, and the output blocks they are formatted into (a block holds a
// whole call's text at ~230 bytes a row; a call stops early at a full block). Few, large calls:
// each costs a hop to a worker thread and back.
const EXPORT_BLOCK_ROWS = 16384;
const OUTPUT_BLOCK_BYTES = 4 << 20;
// Output blocks kept for reuse once the file has written them (the file runs at most ~8 MiB ahead).
const SPARE_BLOCKS = 4;

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
 * Streams the file's content into `out` (a `TextFileWriter`, or any byte sink). The task array,
 * by far the largest part, is formatted by `formatRows` on a libuv worker thread, a block of rows
 * per call, so the caller's event loop only hands blocks between the spool and the file; the
 * smaller parts are formatted here, pausing for the event loop whenever `slicer`'s slice is used up.
 */
export async function writeL2PerfJson(out: ByteSink, store: L2TaskStore, meta: L2ExportMeta, slicer: TimeSlicer = new TimeSlicer()): Promise<void> {
  const w = new ByteOut(out);
  w.latin1(`{\n  "l2_perf_level": ${meta.level},\n  "incomplete": ${meta.incomplete},\n  "tasks": [`);
  await w.flush();
  const any = await writeTaskRows(out, store, meta);
  w.latin1(any ? '\n  ]' : ']');
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

/** The text of one task row, as a `formatRows` program (a5 adds the fan-out, printed from level 2). */
function taskRowProgram(store: L2TaskStore, meta: L2ExportMeta): CompiledRowProgram {
  const literals: string[] = [];
  const lit = (text: string): number => literals.push(text) - 1;
  const code: RowInstruction[] = [
    [RowOp.Separator, lit('\n    {"task_id": '), lit(',\n    {"task_id": ')],
    [RowOp.U64, TASK_ROW.taskId],
    [RowOp.Literal, lit(', "func_id": ')],
    [RowOp.U32, TASK_ROW.funcId],
    [RowOp.Literal, lit(', "core_id": ')],
    [RowOp.U32, TASK_ROW.coreId],
    [RowOp.SelectZero, TASK_ROW.coreType, lit(', "core_type": "aic", "ring_id": '), lit(', "core_type": "aiv", "ring_id": ')],
    // The ring id is the task id's high word.
    [RowOp.U32, TASK_ROW.taskId + 4],
    [RowOp.Literal, lit(', "start_time_us": ')],
    [RowOp.Time, TASK_ROW.start],
    [RowOp.Literal, lit(', "end_time_us": ')],
    [RowOp.Time, TASK_ROW.end],
    [RowOp.Literal, lit(', "duration_us": ')],
    [RowOp.Duration, TASK_ROW.end, TASK_ROW.start],
    [RowOp.Literal, lit(', "dispatch_time_us": ')],
    [RowOp.Time, TASK_ROW.dispatch],
    [RowOp.Literal, lit(', "finish_time_us": ')],
    [RowOp.Time, TASK_ROW.finish],
  ];
  if (meta.arch === 'a5') {
    // Always consumed (the ids are spooled in task order), printed from level 2.
    code.push([RowOp.Fanout, TASK_ROW.fanoutCount, meta.level >= 2 ? 1 : 0, lit(', "fanout": ['), lit(', '), lit('], "fanout_count": ')]);
  }
  code.push([RowOp.Literal, lit('}')]);
  return new CompiledRowProgram({ rowBytes: TASK_ROW.bytes, code, literals, timeBase: store.base, timestampHz: meta.timestampHz });
}

/**
 * The task rows, formatted off the event loop a block at a time into reused output blocks that go
 * straight to `out`. The next block is being formatted while the file writes the last one (and
 * while the writer waits for the file to catch up), so formatting and writing overlap instead of
 * taking turns. Returns whether there was any row.
 */
async function writeTaskRows(out: ByteSink, store: L2TaskStore, meta: L2ExportMeta): Promise<boolean> {
  const spare: Uint8Array[] = [];
  const blocks = formattedBlocks(taskRowProgram(store, meta), store, meta, spare);
  let any = false;
  let next = blocks.next();
  try {
    for (;;) {
      const formatted = await next;
      if (formatted.done === true) return any;
      any = true;
      next = blocks.next();
      const { block, bytes } = formatted.value;
      const wait = out.writeBytes(block.subarray(0, bytes), () => {
        if (block.byteLength === OUTPUT_BLOCK_BYTES && spare.length < SPARE_BLOCKS) spare.push(block);
      });
      if (wait !== undefined) await wait;
    }
  } catch (e) {
    // The file failed (or the export was aborted) while the next block was being formatted: that
    // block is not wanted, and its own failure, if any, must not surface as an unhandled rejection.
    next.catch(() => undefined);
    throw e;
  }
}

/** The task table as formatted blocks, in order; each block comes from `spare` when one is free. */
async function* formattedBlocks(
  program: CompiledRowProgram,
  store: L2TaskStore,
  meta: L2ExportMeta,
  spare: Uint8Array[],
): AsyncGenerator<{ block: Uint8Array; bytes: number }, void, undefined> {
  const fanout = meta.arch === 'a5' ? new FanoutReader(store.fanout.chunks()) : undefined;
  let first = true;
  // The spool reads each chunk on the thread pool while the one before is formatted, and reuses a
  // chunk's buffer once the next one is asked for: a chunk's rows are formatted to the end first.
  for await (const chunk of store.tasks.chunksAhead(EXPORT_BLOCK_ROWS)) {
    const rows = new Uint8Array(chunk.view.buffer, chunk.view.byteOffset, chunk.rows * TASK_ROW.bytes);
    const ids = fanout?.take(fanoutIdsOf(chunk.view, chunk.rows));
    let row = 0;
    let id = 0;
    while (row < chunk.rows) {
      const formatInto = (out: Uint8Array): ReturnType<typeof formatRows> =>
        formatRows(program, { rows: rows.subarray(row * TASK_ROW.bytes), fanoutIds: ids?.subarray(8 * id), first, out });
      let block = spare.pop() ?? new Uint8Array(OUTPUT_BLOCK_BYTES);
      let done = await formatInto(block);
      if (done.rows === 0) {
        // A row larger than a block (tens of thousands of fan-out ids): a block of its own size.
        spare.push(block);
        block = new Uint8Array(done.nextRowBound);
        done = await formatInto(block);
      }
      first = false;
      row += done.rows;
      id += done.fanoutIds;
      yield { block, bytes: done.bytes };
    }
  }
}

/** Fan-out ids the `rows` task rows of `view` name. */
function fanoutIdsOf(view: DataView, rows: number): number {
  let n = 0;
  for (let r = 0; r < rows; r++) n += view.getUint32(r * TASK_ROW.bytes + TASK_ROW.fanoutCount, true);
  return n;
}

/** Reads the fan-out spool in step with the task rows: `take(n)` is the next n ids, as bytes. */
class FanoutReader {
  private view: DataView | undefined;
  private rows = 0;
  private pos = 0;

  constructor(private readonly chunks: Generator<SpoolChunk>) {}

  take(n: number): Uint8Array {
    const ids = new Uint8Array(8 * n);
    let filled = 0;
    while (filled < n) {
      if (this.view === undefined || this.pos >= this.rows) {
        const next = this.chunks.next();
        if (next.done === true) throw new CollectorError(CollectorErrorCode.SpoolFailed, 'l2Swimlane.exportFiles', 'the fan-out spool ended before its tasks did');
        this.view = next.value.view;
        this.rows = next.value.rows;
        this.pos = 0;
      }
      const count = Math.min(n - filled, this.rows - this.pos);
      ids.set(new Uint8Array(this.view.buffer, this.view.byteOffset + 8 * this.pos, 8 * count), 8 * filled);
      filled += count;
      this.pos += count;
    }
    return ids;
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
