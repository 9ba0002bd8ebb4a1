/**
 * Per-architecture facts the collectors depend on, as data.
 *
 * The capacities are part of the shared-memory ABI: on hardware the runtime's device programs were
 * built with the same numbers, so a change here is a layout change, not a tuning knob.
 */
import type { Arch } from '@npurun/hal-native';
import { CollectorError, CollectorErrorCode } from './errors';

/** How the host reads device-side diagnostic buffers on an arch. */
export type HostAccessMode = 'mapped' | 'shadow';

/** L2 swimlane capacities. */
export interface L2Constants {
  /** AI CPU task records per `L2PerfBuffer`. */
  readonly recordsPerBuffer: number;
  /** AI Core timing records per `L2PerfAicoreBuffer` (a2a3 only; 0 on a5, which joins on device). */
  readonly aicoreRecordsPerBuffer: number;
  /** Phase records per `PhaseBuffer`. */
  readonly phaseRecordsPerBuffer: number;
  /** Slots of every L2 free queue. */
  readonly slotCount: number;
  /** `L2PerfBuffer`s allocated per core at init. */
  readonly buffersPerCore: number;
  /** `L2PerfAicoreBuffer`s allocated per core at init (a2a3). */
  readonly aicoreBuffersPerCore: number;
  /** `PhaseBuffer`s allocated per AI CPU thread at init. */
  readonly buffersPerThread: number;
  /** Entries of each per-thread ready queue (`PLATFORM_PROF_READYQUEUE_SIZE`). */
  readonly readyQueueSize: number;
  /** Fan-out ids per a5 task record (0 on a2a3). */
  readonly fanoutMax: number;
  /** Slots of the a5 AI Core staging ring (0 on a2a3). */
  readonly aicoreRingSlots: number;
}

/** Tensor dump capacities. */
export interface DumpConstants {
  /** Metadata records per `DumpMetaBuffer`. */
  readonly recordsPerBuffer: number;
  /** Meta buffers allocated per dump thread. */
  readonly buffersPerThread: number;
  /** Slots of each dump free queue. */
  readonly slotCount: number;
  /** Default payload arena per dump thread, bytes (`8 × 256 × 64 KiB`). */
  readonly arenaBytesPerThread: number;
  /** Dimensions of a dumped tensor's shape and strides. */
  readonly maxDims: number;
  /** Entries of each per-thread ready queue. */
  readonly readyQueueSize: number;
}

/** PMU capacities. */
export interface PmuConstants {
  /** Records per `PmuBuffer`. */
  readonly recordsPerBuffer: number;
  /** Slots of each PMU free queue. */
  readonly slotCount: number;
  /** `PmuBuffer`s allocated per core at init. */
  readonly buffersPerCore: number;
  /** Entries of each per-thread ready queue. */
  readonly readyQueueSize: number;
  /** Counters per record (a2a3 8, a5 10). */
  readonly counters: number;
  /** Slots of the a5 AI Core staging ring (0 on a2a3). */
  readonly aicoreRingSlots: number;
}

/** Scope-stats capacities. */
export interface ScopeStatsConstants {
  /** Records per `ScopeStatsBuffer`. */
  readonly recordsPerBuffer: number;
  /** Slots of the free queue. */
  readonly slotCount: number;
  /** Buffers allocated at init. */
  readonly buffers: number;
  /** Entries of each per-thread ready queue. */
  readonly readyQueueSize: number;
  /** Rings whose capacities the header records. */
  readonly rings: number;
  /** Bytes of the NUL-terminated site file basename. */
  readonly siteFileBytes: number;
}

/** Everything arch-specific the collectors need. */
export interface ArchConstants {
  /** The architecture. */
  readonly arch: Arch;
  /** AI Core cores at the largest blockDim (blocks × 3). */
  readonly maxCores: number;
  /** `PLATFORM_MAX_AICPU_THREADS`: ready-queue rows in every header. */
  readonly maxAicpuThreads: number;
  /** Device timestamp clock, Hz. */
  readonly timestampHz: number;
  /** How the host reads diagnostic buffers. */
  readonly hostAccess: HostAccessMode;
  /** L2 swimlane. */
  readonly l2: L2Constants;
  /** Tensor dump. */
  readonly dump: DumpConstants;
  /** PMU. */
  readonly pmu: PmuConstants;
  /** Scope stats. */
  readonly scopeStats: ScopeStatsConstants;
}

const MIB = 1024 * 1024;

function l2ReadyQueueSize(cores: number, threads: number, aicoreBuffersPerCore: number): number {
  // Enough entries that every buffer in existence could sit in one thread's queue at once.
  return cores * 8 + threads * 16 + cores * aicoreBuffersPerCore;
}

const A2A3: ArchConstants = Object.freeze({
  arch: 'a2a3',
  maxCores: 72,
  maxAicpuThreads: 4,
  timestampHz: 50_000_000,
  hostAccess: 'mapped',
  l2: Object.freeze({
    recordsPerBuffer: 1000,
    aicoreRecordsPerBuffer: 1024,
    phaseRecordsPerBuffer: 16384,
    slotCount: 4,
    buffersPerCore: 8,
    aicoreBuffersPerCore: 4,
    buffersPerThread: 16,
    readyQueueSize: l2ReadyQueueSize(72, 4, 4),
    fanoutMax: 0,
    aicoreRingSlots: 0,
  }),
  dump: Object.freeze({
    recordsPerBuffer: 256,
    buffersPerThread: 8,
    slotCount: 4,
    arenaBytesPerThread: 128 * MIB,
    maxDims: 5,
    readyQueueSize: 4 * 8 * 2,
  }),
  pmu: Object.freeze({ recordsPerBuffer: 512, slotCount: 4, buffersPerCore: 4, readyQueueSize: 72 * 4, counters: 8, aicoreRingSlots: 0 }),
  scopeStats: Object.freeze({ recordsPerBuffer: 512, slotCount: 8, buffers: 8, readyQueueSize: 16, rings: 4, siteFileBytes: 32 }),
});

const A5: ArchConstants = Object.freeze({
  arch: 'a5',
  maxCores: 108,
  maxAicpuThreads: 7,
  timestampHz: 1_000_000_000,
  hostAccess: 'shadow',
  l2: Object.freeze({
    recordsPerBuffer: 1000,
    aicoreRecordsPerBuffer: 0,
    // The upstream runner's 500 000 here preallocated ~2.2 GB of phase buffers; upstream later unified
    // both arches on 16 384 (#971/#1152), which is what the simulator's producers use.
    phaseRecordsPerBuffer: 16384,
    slotCount: 4,
    buffersPerCore: 8,
    aicoreBuffersPerCore: 0,
    buffersPerThread: 16,
    readyQueueSize: l2ReadyQueueSize(108, 7, 0),
    fanoutMax: 128,
    aicoreRingSlots: 2,
  }),
  dump: Object.freeze({
    recordsPerBuffer: 256,
    buffersPerThread: 8,
    slotCount: 4,
    arenaBytesPerThread: 128 * MIB,
    maxDims: 5,
    readyQueueSize: 7 * 8 * 2,
  }),
  pmu: Object.freeze({ recordsPerBuffer: 512, slotCount: 4, buffersPerCore: 4, readyQueueSize: 108 * 4, counters: 10, aicoreRingSlots: 2 }),
  scopeStats: Object.freeze({ recordsPerBuffer: 512, slotCount: 8, buffers: 8, readyQueueSize: 16, rings: 4, siteFileBytes: 32 }),
});

/** The constants of every arch, keyed by arch name. */
export const ARCH_CONSTANTS: Readonly<Record<Arch, ArchConstants>> = Object.freeze({ a2a3: A2A3, a5: A5 });

/**
 * The constants of `arch`.
 *
 * @throws CollectorError `COLLECTOR_INVALID_ARGUMENT` for an unknown arch name.
 */
export function archConstants(arch: Arch): ArchConstants {
  const c = (ARCH_CONSTANTS as Record<string, ArchConstants | undefined>)[arch];
  if (c === undefined) {
    throw new CollectorError(CollectorErrorCode.InvalidArgument, 'archConstants', `unknown arch ${JSON.stringify(arch)} (expected "a2a3" or "a5")`);
  }
  return c;
}

/** Device timestamp cycles to microseconds on an arch's clock. */
export function cyclesToMicros(cycles: bigint, timestampHz: number): number {
  // Split to keep precision for cycle counts beyond 2^53.
  const hz = BigInt(timestampHz);
  const whole = cycles / hz;
  const rest = cycles % hz;
  return Number(whole) * 1e6 + (Number(rest) * 1e6) / timestampHz;
}
