/**
 * `l2_perf_records.json` built the straightforward way: one string per record (template literals,
 * `toFixed`, bigints), joined per spool chunk and written as text. This was the package's writer
 * before the byte formatter of `export-json.ts`; it stays as the oracle that writer is tested
 * against byte for byte, and as the baseline the benchmark measures it beside. Not used by the
 * collector.
 */
import { CollectorError, CollectorErrorCode } from '../errors';
import type { TextFileWriter } from '../export/text-writer';
import type { L2ExportMeta } from './export-json';
import { AicpuPhaseRecord } from './layout';
import { PHASE_DISPATCH, phaseName } from './phases';
import { TASK_ROW, type L2TaskStore, type PhaseClass } from './task-store';
import { relativeMicros, us3 } from './time';

const P_START = AicpuPhaseRecord.offsetOf('startTime');
const P_END = AicpuPhaseRecord.offsetOf('endTime');
const P_ITER = AicpuPhaseRecord.offsetOf('loopIter');
const P_ID = AicpuPhaseRecord.offsetOf('phaseId');
const P_TASK = AicpuPhaseRecord.offsetOf('taskId');
const P_X1 = AicpuPhaseRecord.offsetOf('extra1');
const P_X2 = AicpuPhaseRecord.offsetOf('extra2');

/** Streams the file's content into `out`, one string per record (see the module comment). */
export async function writeL2PerfJsonText(out: TextFileWriter, store: L2TaskStore, meta: L2ExportMeta): Promise<void> {
  const base = store.base;
  const hz = meta.timestampHz;
  const a5 = meta.arch === 'a5';
  await out.write(`{\n  "l2_perf_level": ${meta.level},\n  "incomplete": ${meta.incomplete},\n  "tasks": [`);
  let first = true;
  const fanoutChunks = a5 ? store.fanout.chunks() : undefined;
  let fanChunk: { rows: number; view: DataView } | undefined;
  let fanPos = 0;
  const nextFanout = (): bigint => {
    while (fanChunk === undefined || fanPos >= fanChunk.rows) {
      const n = fanoutChunks!.next();
      if (n.done === true) throw new CollectorError(CollectorErrorCode.SpoolFailed, 'l2Swimlane.exportFiles', 'the fan-out spool ended before its tasks did');
      fanChunk = n.value;
      fanPos = 0;
    }
    return fanChunk.view.getBigUint64(8 * fanPos++, true);
  };
  for (const chunk of store.tasks.chunks()) {
    const v = chunk.view;
    const parts: string[] = [];
    for (let r = 0; r < chunk.rows; r++) {
      const at = r * TASK_ROW.bytes;
      const taskId = v.getBigUint64(at + TASK_ROW.taskId, true);
      const startUs = relativeMicros(v.getBigUint64(at + TASK_ROW.start, true), base, hz);
      const endUs = relativeMicros(v.getBigUint64(at + TASK_ROW.end, true), base, hz);
      let line =
        `${first ? '' : ','}\n    {"task_id": ${taskId}, "func_id": ${v.getUint32(at + TASK_ROW.funcId, true)}, ` +
        `"core_id": ${v.getUint32(at + TASK_ROW.coreId, true)}, "core_type": "${v.getInt32(at + TASK_ROW.coreType, true) === 0 ? 'aic' : 'aiv'}", ` +
        `"ring_id": ${taskId >> 32n}, "start_time_us": ${us3(startUs)}, "end_time_us": ${us3(endUs)}, ` +
        `"duration_us": ${us3(Math.max(0, endUs - startUs))}, ` +
        `"dispatch_time_us": ${us3(relativeMicros(v.getBigUint64(at + TASK_ROW.dispatch, true), base, hz))}, ` +
        `"finish_time_us": ${us3(relativeMicros(v.getBigUint64(at + TASK_ROW.finish, true), base, hz))}`;
      if (a5) {
        const n = v.getUint32(at + TASK_ROW.fanoutCount, true);
        const ids: bigint[] = [];
        for (let i = 0; i < n; i++) ids.push(nextFanout());
        if (meta.level >= 2) line += `, "fanout": [${ids.join(', ')}], "fanout_count": ${n}`;
      }
      first = false;
      parts.push(line + '}');
    }
    await out.write(parts.join(''));
  }
  await out.write(first ? ']' : '\n  ]');
  if (meta.level >= 3) {
    await out.write(',\n  "aicpu_scheduler_phases": [');
    await writePhaseArrays(out, store, 'sched', meta, base);
    await out.write(']');
  }
  if (meta.level >= 4 && store.hasOrchestratorPhases) {
    await out.write(',\n  "aicpu_orchestrator_phases": [');
    await writePhaseArrays(out, store, 'orch', meta, base);
    await out.write(']');
  }
  if (meta.coreToThread !== undefined) await out.write(`,\n  "core_to_thread": [${meta.coreToThread.join(', ')}]`);
  await out.write('\n}\n');
}

async function writePhaseArrays(out: TextFileWriter, store: L2TaskStore, cls: PhaseClass, meta: L2ExportMeta, base: bigint): Promise<void> {
  const hz = meta.timestampHz;
  for (let t = 0; t < store.threads; t++) {
    await out.write(t === 0 ? '\n    [' : ',\n    [');
    const spool = store.phaseSpool(t, cls);
    let first = true;
    if (spool !== undefined) {
      for (const chunk of spool.chunks()) {
        const v = chunk.view;
        const parts: string[] = [];
        for (let r = 0; r < chunk.rows; r++) {
          const at = r * AicpuPhaseRecord.size;
          const id = v.getUint32(at + P_ID, true);
          const s = us3(relativeMicros(v.getBigUint64(at + P_START, true), base, hz));
          const e = us3(relativeMicros(v.getBigUint64(at + P_END, true), base, hz));
          let obj: string;
          if (cls === 'sched') {
            obj =
              `{"start_time_us": ${s}, "end_time_us": ${e}, "phase": "${phaseName(meta.arch, id)}", ` +
              `"loop_iter": ${v.getUint32(at + P_ITER, true)}, "tasks_processed": ${v.getBigUint64(at + P_TASK, true)}`;
            if (id === PHASE_DISPATCH) obj += `, "pop_hit": ${v.getUint32(at + P_X1, true)}, "pop_miss": ${v.getUint32(at + P_X2, true)}`;
          } else {
            obj =
              `{"phase": "${phaseName(meta.arch, id)}", "start_time_us": ${s}, "end_time_us": ${e}, ` +
              `"submit_idx": ${v.getUint32(at + P_ITER, true)}, "task_id": ${v.getBigUint64(at + P_TASK, true)}`;
          }
          parts.push(`${first ? '\n      ' : ',\n      '}${obj}}`);
          first = false;
        }
        await out.write(parts.join(''));
      }
    }
    await out.write(first ? ']' : '\n    ]');
  }
  await out.write('\n  ');
}
