/** What every collector is created with. */
import type { Arch } from '@npurun/hal-native';
import type { HostAccessMode } from '../arch';
import { archConstants } from '../arch';
import type { CollectorDeviceMemory } from '../collector';
import { CollectorError, CollectorErrorCode } from '../errors';
import type { DrainEngineOptions } from './drain-engine';
import type { PollerOptions } from './poller';

/** The run a collector serves. */
export interface CollectorContext {
  /** The architecture (decides layouts, capacities and the default host access). */
  readonly arch: Arch;
  /** Device memory, through the runner's allocator. */
  readonly memory: CollectorDeviceMemory;
  /** AI Core cores of the run (`blockDim × 3`). */
  readonly numCores: number;
  /** AI CPU scheduler threads of the run (dump and phase producers). */
  readonly aicpuThreads: number;
  /** Device id, for the trace's process name (default 0). */
  readonly deviceId?: number;
  /** True on the simulator: PMU values are labelled simulated. */
  readonly simulated?: boolean;
  /** Host access override (default: the arch's, mapped on a2a3 and shadow on a5). */
  readonly access?: HostAccessMode;
  /** Drain-loop pacing. */
  readonly poll?: PollerOptions;
  /** Drain-engine tuning (buffer caps, the free queues' starting counter). */
  readonly engine?: DrainEngineOptions;
  /** Directory for spool files (default: the OS temporary directory). */
  readonly spoolDir?: string;
}

/**
 * Checks a context against its arch.
 *
 * @throws CollectorError `COLLECTOR_INVALID_ARGUMENT` naming the bad field.
 */
export function validateContext(op: string, ctx: CollectorContext): void {
  if (typeof ctx !== 'object' || ctx === null) {
    throw new CollectorError(CollectorErrorCode.InvalidArgument, op, `the collector context must be an object (got ${ctx === null ? 'null' : typeof ctx})`);
  }
  const c = archConstants(ctx.arch);
  const bad = (msg: string): never => {
    throw new CollectorError(CollectorErrorCode.InvalidArgument, op, msg);
  };
  if (!Number.isSafeInteger(ctx.numCores) || ctx.numCores < 1 || ctx.numCores > c.maxCores) {
    bad(`numCores must be an integer in [1, ${c.maxCores}] on ${ctx.arch} (got ${String(ctx.numCores)})`);
  }
  if (!Number.isSafeInteger(ctx.aicpuThreads) || ctx.aicpuThreads < 1 || ctx.aicpuThreads > c.maxAicpuThreads) {
    bad(`aicpuThreads must be an integer in [1, ${c.maxAicpuThreads}] on ${ctx.arch} (got ${String(ctx.aicpuThreads)})`);
  }
  if (ctx.access !== undefined && ctx.access !== 'mapped' && ctx.access !== 'shadow') {
    bad(`access must be "mapped" or "shadow" (got ${JSON.stringify(ctx.access)})`);
  }
}
