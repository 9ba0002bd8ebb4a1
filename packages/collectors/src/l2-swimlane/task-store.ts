/**
 * Where the l2 swimlane's records go while the device runs: joined task rows and phase records in
 * disk spools, plus the running minimum timestamp (the export's time base). Memory stays flat.
 */
import { RecordSpool } from '../framework/spool';
import { AicpuPhaseRecord } from './layout';

/** A task as spooled: times in raw device cycles (0 = not recorded). */
export interface L2TaskRow {
  /** Task id. */
  taskId: bigint;
  /** AI Core start. */
  start: bigint;
  /** AI Core end. */
  end: bigint;
  /** AI CPU dispatch (level ≥ 2). */
  dispatch: bigint;
  /** AI CPU finish (level ≥ 2). */
  finish: bigint;
  /** Kernel function id. */
  funcId: number;
  /** Core the task ran on. */
  coreId: number;
  /** 0 AIC, 1 AIV. */
  coreType: number;
  /** a5 fan-out task ids (level ≥ 2); empty elsewhere. */
  fanout: readonly bigint[];
}

/** Byte offsets of a spooled task row. */
export const TASK_ROW = {
  taskId: 0,
  start: 8,
  end: 16,
  dispatch: 24,
  finish: 32,
  funcId: 40,
  coreId: 44,
  coreType: 48,
  fanoutCount: 52,
  bytes: 56,
} as const;

/** Phase classes: scheduler or orchestrator. */
export type PhaseClass = 'sched' | 'orch';

/** Spooled tasks and phases of one run. */
export class L2TaskStore {
  /** Joined tasks. */
  readonly tasks: RecordSpool;
  /** Fan-out ids of every task, in task order (a5). */
  readonly fanout: RecordSpool;
  private readonly phases = new Map<string, RecordSpool>();
  private minTime: bigint | undefined;

  constructor(
    private readonly dir: string,
    /** AI CPU threads (one inner phase array each). */
    readonly threads: number,
  ) {
    this.tasks = new RecordSpool(dir, 'l2_tasks', TASK_ROW.bytes);
    this.fanout = new RecordSpool(dir, 'l2_fanout', 8);
  }

  /** The run's first timestamp: the smallest non-zero start, dispatch or phase start seen. */
  get base(): bigint {
    return this.minTime ?? 0n;
  }

  private see(t: bigint): void {
    if (t !== 0n && (this.minTime === undefined || t < this.minTime)) this.minTime = t;
  }

  /** Spools a task (only tasks with AI Core timing reach here). */
  addTask(row: L2TaskRow): void {
    this.see(row.start);
    this.see(row.dispatch);
    const at = this.tasks.nextRow();
    const v = this.tasks.rowView;
    v.setBigUint64(at + TASK_ROW.taskId, row.taskId, true);
    v.setBigUint64(at + TASK_ROW.start, row.start, true);
    v.setBigUint64(at + TASK_ROW.end, row.end, true);
    v.setBigUint64(at + TASK_ROW.dispatch, row.dispatch, true);
    v.setBigUint64(at + TASK_ROW.finish, row.finish, true);
    v.setUint32(at + TASK_ROW.funcId, row.funcId, true);
    v.setUint32(at + TASK_ROW.coreId, row.coreId, true);
    v.setInt32(at + TASK_ROW.coreType, row.coreType, true);
    v.setUint32(at + TASK_ROW.fanoutCount, row.fanout.length, true);
    for (const id of row.fanout) {
      const f = this.fanout.nextRow();
      this.fanout.rowView.setBigUint64(f, id, true);
    }
  }

  /** Spools the phase record at byte `at` of `records`. */
  addPhase(thread: number, cls: PhaseClass, records: Uint8Array, at: number): void {
    const key = `${cls}${thread}`;
    let spool = this.phases.get(key);
    if (spool === undefined) {
      spool = new RecordSpool(this.dir, `l2_phase_${key}`, AicpuPhaseRecord.size, 1024);
      this.phases.set(key, spool);
    }
    const view = new DataView(records.buffer, records.byteOffset + at, AicpuPhaseRecord.size);
    this.see(view.getBigUint64(AicpuPhaseRecord.offsetOf('startTime'), true));
    const row = spool.nextRow();
    new Uint8Array(spool.rowView.buffer, row, AicpuPhaseRecord.size).set(records.subarray(at, at + AicpuPhaseRecord.size));
  }

  /** The phase spool of one thread and class, if it has records. */
  phaseSpool(thread: number, cls: PhaseClass): RecordSpool | undefined {
    return this.phases.get(`${cls}${thread}`);
  }

  /** Whether any orchestrator phase was recorded. */
  get hasOrchestratorPhases(): boolean {
    for (const [key, spool] of this.phases) if (key.startsWith('orch') && spool.count > 0) return true;
    return false;
  }

  /** Deletes every spool. */
  dispose(): void {
    this.tasks.dispose();
    this.fanout.dispose();
    for (const s of this.phases.values()) s.dispose();
    this.phases.clear();
  }
}
