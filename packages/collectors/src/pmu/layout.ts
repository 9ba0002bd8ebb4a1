/**
 * PMU shared memory: header with per-thread ready queues, one state
 * block per core, buffers of 64-byte records; on a5 also a per-core two-slot staging ring that the
 * AI Core writes and the AI CPU commits from.
 */
import type { Arch } from '@npurun/hal-native';
import { array, i32, pad, ptr, struct, u32, u64 } from '@npurun/hal-native';
import { archConstants } from '../arch';
import { freeQueueLayout, ReadyQueueEntry } from '../layout/common';

function record(arch: Arch) {
  const k = archConstants(arch).pmu.counters;
  const used = 24 + 4 * k;
  return struct(
    `npurun_pmu_record_${arch}`,
    {
      taskId: { type: u64, offset: 0 },
      funcId: { type: u32, offset: 8 },
      coreType: { type: i32, offset: 12, doc: '0 AIC, 1 AIV' },
      pmuTotalCycles: { type: u64, offset: 16 },
      pmuCounters: { type: array(u32, k), offset: 24 },
      ...(used < 64 ? { reserved: pad(64 - used) } : {}),
    },
    { size: 64, align: 64, doc: 'One task’s counters, written by the AI CPU at FIN.' },
  );
}

/** The record of each arch. */
export const PmuRecord = { a2a3: record('a2a3'), a5: record('a5') } as const;

function buffer(arch: Arch) {
  return struct(
    `npurun_pmu_buffer_${arch}`,
    { records: array(PmuRecord[arch], archConstants(arch).pmu.recordsPerBuffer), count: u32 },
    { size: 32832, align: 64 },
  );
}

/** The buffer of each arch. */
export const PmuBuffer = { a2a3: buffer('a2a3'), a5: buffer('a5') } as const;

/** a2a3 per-core state. */
export const PmuBufferStateA2a3 = struct(
  'npurun_pmu_buffer_state_a2a3',
  {
    freeQueue: { type: freeQueueLayout(4), offset: 0 },
    currentBufPtr: { type: ptr, offset: 128 },
    currentBufSeq: { type: u32, offset: 136 },
    droppedRecordCount: { type: u32, offset: 140 },
    totalRecordCount: { type: u32, offset: 144 },
    reserved: pad(44),
  },
  { size: 192, align: 64 },
);

/** a5 per-core state (adds the staging ring and the mismatch counter). */
export const PmuBufferStateA5 = struct(
  'npurun_pmu_buffer_state_a5',
  {
    freeQueue: { type: freeQueueLayout(4), offset: 0 },
    currentBufPtr: { type: ptr, offset: 128 },
    aicoreRingPtr: { type: ptr, offset: 136, doc: 'the core’s staging ring (host writes once)' },
    currentBufSeq: { type: u32, offset: 144 },
    totalRecordCount: { type: u32, offset: 148 },
    droppedRecordCount: { type: u32, offset: 152 },
    mismatchRecordCount: { type: u32, offset: 156 },
    reserved: pad(32),
  },
  { size: 192, align: 64 },
);

/** a5 staging ring: two record slots, indexed by `reg_task_id % 2`. */
export const PmuAicoreRingA5 = struct('npurun_pmu_aicore_ring_a5', { slots: array(PmuRecord.a5, 2) }, { size: 128, align: 64 });

function header(arch: Arch) {
  const c = archConstants(arch);
  const t = c.maxAicpuThreads;
  return struct(
    `npurun_pmu_header_${arch}`,
    {
      queues: array(array(ReadyQueueEntry, c.pmu.readyQueueSize), t),
      queueHeads: array(u32, t),
      queueTails: array(u32, t),
      numCores: u32,
      eventType: u32,
      reserved: pad(8),
    },
    { align: 64, size: arch === 'a2a3' ? 36928 : 96896 },
  );
}

/** The header of each arch. */
export const PmuHeader = { a2a3: header('a2a3'), a5: header('a5') } as const;
