/**
 * Scope-stats shared memory: a header with the ready queues and the
 * ring capacities, one state block, and buffers of 72-byte records with the count first.
 */
import type { Arch } from '@npurun/hal-native';
import { array, i16, i32, pad, ptr, struct, u32, u64, u8 } from '@npurun/hal-native';
import { archConstants } from '../arch';
import { freeQueueLayout, ReadyQueueEntry } from '../layout/common';

/** One scope boundary. */
export const ScopeStatsRecord = struct(
  'npurun_scope_stats_record',
  {
    siteFileBasename: { type: array(u8, 32), offset: 0, doc: 'NUL-terminated basename of the scope site' },
    heapStart: { type: u64, offset: 32 },
    heapEnd: { type: u64, offset: 40 },
    siteLine: { type: i32, offset: 48 },
    taskStart: { type: i32, offset: 52 },
    taskEnd: { type: i32, offset: 56 },
    tensormapUsed: { type: i32, offset: 60 },
    depth: { type: i16, offset: 64 },
    ringId: { type: i16, offset: 66 },
    phase: { type: i16, offset: 68, doc: '0 begin, 1 end' },
    reserved: pad(2),
  },
  { size: 72, doc: 'One PTO2 scope begin or end on the orchestrator thread.' },
);

const RECORDS = archConstants('a2a3').scopeStats.recordsPerBuffer;

/** A buffer: the count first (padded to 64 bytes), then the records. */
export const ScopeStatsBuffer = struct(
  'npurun_scope_stats_buffer',
  {
    count: { type: u32, offset: 0 },
    reserved: pad(60),
    records: { type: array(ScopeStatsRecord, RECORDS), offset: 64 },
  },
  { size: 36928, align: 64 },
);

/** The single producer's state block. */
export const ScopeStatsBufferState = struct(
  'npurun_scope_stats_buffer_state',
  {
    freeQueue: { type: freeQueueLayout(8), offset: 0 },
    currentBufPtr: { type: ptr, offset: 128 },
    currentBufSeq: { type: u32, offset: 136 },
    droppedRecordCount: { type: u32, offset: 140 },
    totalRecordCount: { type: u32, offset: 144 },
    reserved: pad(44),
  },
  { size: 192, align: 64 },
);

function header(arch: Arch) {
  const c = archConstants(arch);
  const t = c.maxAicpuThreads;
  return struct(
    `npurun_scope_stats_header_${arch}`,
    {
      queues: array(array(ReadyQueueEntry, c.scopeStats.readyQueueSize), t),
      queueHeads: array(u32, t),
      queueTails: array(u32, t),
      numInstances: u32,
      taskWindowCap: array(i32, c.scopeStats.rings),
      heapCap: array(u64, c.scopeStats.rings),
      tensormapCap: i32,
      fatalLatched: u32,
    },
    { align: 64, size: arch === 'a2a3' ? 2176 : 3712 },
  );
}

/** The header of each arch. */
export const ScopeStatsHeader = { a2a3: header('a2a3'), a5: header('a5') } as const;
