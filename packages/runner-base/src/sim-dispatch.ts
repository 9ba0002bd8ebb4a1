/**
 * The simulator's dispatch registers: how the simulated AI CPU scheduler hands tasks to AI Core
 * cores. On hardware the AI CPU writes each core's dispatch registers (KernelArgs `regs` holds one
 * register base per core); on the simulator `regs` holds the address of this block instead: a header
 * and one 64-byte slot per launched core. Both sides use atomics and futexes on it.
 *
 * Written by the host once per run (header), then owned by the device programs.
 */
import { array, struct, u32, u64 } from '@npurun/hal-native';

/** `"NPDR"` in memory order. */
export const SIM_DISPATCH_MAGIC = 0x5244504e;
/** Most AI CPU scheduler threads any arch has (a5: 7); one wake word each. */
export const SIM_DISPATCH_MAX_SCHEDULERS = 8;

/** Block header. */
export const SimDispatchHeader = struct(
  'npurun_dispatch_header',
  {
    magic: { type: u32, doc: 'NPURUN_DISPATCH_MAGIC' },
    coreNum: { type: u32, doc: 'launched cores: 3 * block_num (cube cores first, then vector cores)' },
    blockNum: { type: u32, doc: 'blockDim of the AI Core launch' },
    schedulerThreads: { type: u32, doc: 'AI CPU threads that schedule; the others only help' },
    completed: { type: u32, doc: 'tasks finished so far (device scratch)' },
    failed: { type: u32, doc: 'non-zero once the run failed on the device (e.g. a kernel did not resolve)' },
    schedulersDone: { type: u32, doc: 'scheduler threads that have finished (device scratch)' },
    failedKernel: { type: u32, doc: 'kernel-table index of the failed task, when failed != 0' },
    startTimestamp: { type: u64, doc: 'device clock when init ran' },
    schedulerWake: { type: array(u32, SIM_DISPATCH_MAX_SCHEDULERS), doc: 'futex words, one per scheduler thread' },
    failedTask: { type: u32, doc: 'the task that failed, when failed != 0' },
    reserved2: array(u32, 5),
  },
  { size: 96, doc: 'Simulated dispatch-register block header.' },
);

/** One core's dispatch slot. */
export const SimCoreSlot = struct(
  'npurun_core_slot',
  {
    seq: { type: u32, doc: 'futex word: the AI CPU increments it to hand over a task' },
    doneSeq: { type: u32, doc: 'the core copies seq here when the task finished' },
    taskId: u32,
    kernelId: u32,
    exit: { type: u32, doc: 'the AI CPU sets it (and wakes seq) to end the core' },
    subBlockIdx: { type: u32, doc: 'sub-block the task runs this core as' },
    blockIdx: { type: u32, doc: 'task-level block index' },
    blockNum: { type: u32, doc: 'task-level block count' },
    startTimestamp: { type: u64, doc: 'device clock when the kernel started' },
    endTimestamp: { type: u64, doc: 'device clock when the kernel returned' },
    dispatchTimestamp: { type: u64, doc: 'device clock when the AI CPU dispatched' },
    reserved: array(u32, 2),
  },
  { size: 64, doc: 'One core: AI CPU writes the task, the core reports completion.' },
);

/** Constants for the generated header. */
export const SIM_DISPATCH_CONSTANTS: Readonly<Record<string, number>> = {
  NPURUN_DISPATCH_MAGIC: SIM_DISPATCH_MAGIC,
  NPURUN_DISPATCH_MAX_SCHEDULERS: SIM_DISPATCH_MAX_SCHEDULERS,
};

/** Bytes of a dispatch block for `blockDim` blocks. */
export function simDispatchBytes(blockDim: number): number {
  return SimDispatchHeader.size + SimCoreSlot.size * blockDim * 3;
}

/** The host-written header of a run's dispatch block. */
export function encodeSimDispatchBlock(blockDim: number, schedulerThreads: number): Uint8Array {
  const bytes = new Uint8Array(simDispatchBytes(blockDim));
  SimDispatchHeader.encodeInto(
    { magic: SIM_DISPATCH_MAGIC, coreNum: blockDim * 3, blockNum: blockDim, schedulerThreads },
    bytes,
    0,
  );
  return bytes;
}
