/**
 * L2 swimlane shared memory. One contiguous region per
 * run: the header (per-thread ready queues, core count, level), a state block per core for the
 * AI CPU task records, on a2a3 a state block per core for the AI Core timing records, the phase
 * header, and a state block per AI CPU thread for phase records.
 */
import type { Arch } from '@npurun/hal-native';
import { array, i32, i8, pad, ptr, struct, u32, u64 } from '@npurun/hal-native';
import { archConstants } from '../arch';
import { freeQueueLayout, ReadyQueueEntry } from '../layout/common';

/** Buffer kinds, as ready-queue entries name them. */
export const L2BufferKind = {
  /** AI CPU task records (per core). */
  Task: 0,
  /** Scheduler / orchestrator phase records (per AI CPU thread). */
  Phase: 1,
  /** AI Core timing records (per core; a2a3 only). */
  AicoreTiming: 2,
} as const;

/** `"ACPH"`: the phase header's magic once the AI CPU initialized it. */
export const PHASE_MAGIC = 0x41435048;

/** a2a3 task record (64 B): AI CPU fields; start/end/duration are zero on the device. */
export const L2PerfRecordA2a3 = struct(
  'npurun_l2_perf_record_a2a3',
  {
    startTime: { type: u64, offset: 0 },
    endTime: { type: u64, offset: 8 },
    duration: { type: u64, offset: 16 },
    dispatchTime: { type: u64, offset: 24 },
    finishTime: { type: u64, offset: 32 },
    taskId: { type: u64, offset: 40 },
    funcId: { type: u32, offset: 48 },
    coreType: { type: i32, offset: 52, doc: '0 AIC, 1 AIV' },
    regTaskId: { type: u32, offset: 56, doc: 'per-core dispatch token; joins with the AI Core timing record' },
    reserved: pad(4),
  },
  { size: 64, align: 64 },
);

/** a5 task record (1088 B): joined on the device, with the task's fan-out. */
export const L2PerfRecordA5 = struct(
  'npurun_l2_perf_record_a5',
  {
    startTime: { type: u64, offset: 0 },
    endTime: { type: u64, offset: 8 },
    duration: { type: u64, offset: 16 },
    dispatchTime: { type: u64, offset: 24 },
    finishTime: { type: u64, offset: 32 },
    taskId: { type: u64, offset: 40 },
    funcId: { type: u32, offset: 48 },
    coreType: { type: i32, offset: 52 },
    fanout: { type: array(u64, 128), offset: 56 },
    fanoutCount: { type: i32, offset: 1080 },
    reserved: pad(4),
  },
  { size: 1088, align: 64 },
);

/** a2a3 AI Core timing record (32 B). */
export const L2PerfAicoreRecord = struct(
  'npurun_l2_perf_aicore_record',
  {
    startTime: { type: u64, offset: 0 },
    endTime: { type: u64, offset: 8 },
    taskId: { type: u32, offset: 16, doc: 'the reg_task_id' },
    reserved: pad(12),
  },
  { size: 32 },
);

/** Phase record (40 B). */
export const AicpuPhaseRecord = struct(
  'npurun_aicpu_phase_record',
  {
    startTime: { type: u64, offset: 0 },
    endTime: { type: u64, offset: 8 },
    loopIter: { type: u32, offset: 16, doc: 'scheduler iteration, or submit index for the orchestrator' },
    phaseId: { type: u32, offset: 20 },
    taskId: { type: u64, offset: 24, doc: 'task id (orchestrator) or tasks processed (scheduler)' },
    extra1: { type: u32, offset: 32 },
    extra2: { type: u32, offset: 36 },
  },
  { size: 40 },
);

/** Records per buffer kind, per arch. */
function buffers(arch: Arch) {
  const c = archConstants(arch).l2;
  const task = arch === 'a2a3' ? L2PerfRecordA2a3 : L2PerfRecordA5;
  return {
    task: struct(`npurun_l2_perf_buffer_${arch}`, { records: array(task, c.recordsPerBuffer), count: u32 }, { align: 64 }),
    phase: struct(`npurun_l2_phase_buffer_${arch}`, { records: array(AicpuPhaseRecord, c.phaseRecordsPerBuffer), count: u32 }, { align: 64 }),
  };
}

/** Task and phase buffers per arch. */
export const L2Buffers = { a2a3: buffers('a2a3'), a5: buffers('a5') } as const;

/** a2a3 AI Core timing buffer. */
export const L2PerfAicoreBuffer = struct(
  'npurun_l2_perf_aicore_buffer',
  { records: array(L2PerfAicoreRecord, archConstants('a2a3').l2.aicoreRecordsPerBuffer), count: u32 },
  { size: 32832, align: 64 },
);

/** Per-core (task) and per-thread (phase) state block. */
export const L2PerfBufferState = struct(
  'npurun_l2_perf_buffer_state',
  {
    freeQueue: { type: freeQueueLayout(4), offset: 0 },
    currentBufPtr: { type: ptr, offset: 128 },
    aicoreRingPtr: { type: ptr, offset: 136, doc: 'a5: the core’s staging ring; unused on a2a3' },
    currentBufSeq: { type: u32, offset: 144 },
    totalRecordCount: { type: u32, offset: 148 },
    droppedRecordCount: { type: u32, offset: 152 },
    mismatchRecordCount: { type: u32, offset: 156, doc: 'a5 only' },
    reserved: pad(32),
  },
  { size: 192, align: 64 },
);

/** a2a3: the cache line the AI Core polls for its current timing buffer. */
export const AicoreRotation = struct(
  'npurun_aicore_rotation',
  { currentBufPtr: ptr, generation: u32, reserved: pad(52) },
  { size: 64, align: 64 },
);

/** a2a3: per-core AI Core timing state. */
export const L2PerfAicoreBufferState = struct(
  'npurun_l2_perf_aicore_buffer_state',
  {
    rotation: { type: AicoreRotation, offset: 0 },
    freeQueue: { type: freeQueueLayout(4), offset: 64 },
    totalRecordCount: { type: u32, offset: 192 },
    droppedRecordCount: { type: u32, offset: 196 },
    currentBufSeq: { type: u32, offset: 200 },
    reserved: pad(52),
  },
  { size: 256, align: 64 },
);

function phaseHeader(arch: Arch) {
  const cores = archConstants(arch).maxCores;
  return struct(
    `npurun_aicpu_phase_header_${arch}`,
    {
      magic: u32,
      numSchedThreads: u32,
      recordsPerThread: u32,
      numCores: u32,
      coreToThread: { type: array(i8, cores), doc: '-1 = unassigned' },
      reserved: pad(128 - 16 - cores),
    },
    { size: 128, align: 64 },
  );
}

/** Phase header per arch. */
export const AicpuPhaseHeader = { a2a3: phaseHeader('a2a3'), a5: phaseHeader('a5') } as const;

function header(arch: Arch) {
  const c = archConstants(arch);
  const t = c.maxAicpuThreads;
  return struct(
    `npurun_l2_perf_header_${arch}`,
    {
      queues: array(array(ReadyQueueEntry, c.l2.readyQueueSize), t),
      queueHeads: array(u32, t),
      queueTails: array(u32, t),
      numCores: u32,
      l2PerfLevel: u32,
    },
    { align: 64, size: arch === 'a2a3' ? 118848 : 218688 },
  );
}

/** Header per arch. */
export const L2PerfHeader = { a2a3: header('a2a3'), a5: header('a5') } as const;

/** a5: per-core staging ring the AI Core writes (`slot[reg_task_id % 2]`). */
export const L2PerfAicoreRingA5 = struct('npurun_l2_perf_aicore_ring_a5', { slots: array(L2PerfRecordA5, 2) }, { size: 2176, align: 64 });

/** Offsets of every region of the shared memory for `numCores` cores. */
export interface L2RegionOffsets {
  /** First per-core task state. */
  readonly taskStates: number;
  /** First per-core AI Core state (a2a3), or -1. */
  readonly aicoreStates: number;
  /** The phase header. */
  readonly phaseHeader: number;
  /** First per-thread phase state. */
  readonly phaseStates: number;
  /** Total bytes. */
  readonly total: number;
}

/** Where each region sits (a2a3 for 72 cores: 152 000 bytes, as in the upstream runner). */
export function l2RegionOffsets(arch: Arch, numCores: number): L2RegionOffsets {
  const t = archConstants(arch).maxAicpuThreads;
  const taskStates = L2PerfHeader[arch].size;
  const afterTasks = taskStates + numCores * L2PerfBufferState.size;
  const aicoreStates = arch === 'a2a3' ? afterTasks : -1;
  const phaseHdr = arch === 'a2a3' ? afterTasks + numCores * L2PerfAicoreBufferState.size : afterTasks;
  const phaseStates = phaseHdr + AicpuPhaseHeader[arch].size;
  return { taskStates, aicoreStates, phaseHeader: phaseHdr, phaseStates, total: phaseStates + t * L2PerfBufferState.size };
}
