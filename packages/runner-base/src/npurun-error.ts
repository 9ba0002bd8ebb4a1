/**
 * One error family across the packages: every error npurun throws is a `HalError` (the HAL), a
 * `CollectorError` (collectors, output files) or a `RunnerError` (runners, workloads, the CLI), and
 * each carries a stable string `code`. {@link isNpurunError} tells them from everything else.
 */
import { HalError } from '@npurun/hal-native';
import { CollectorError } from '@npurun/collectors';
import { RunnerError } from './errors';

/** Any error npurun throws. */
export type NpurunError = HalError | CollectorError | RunnerError;

/**
 * True for every error npurun throws, from any of its packages; each has a stable `code` to
 * switch on (and an `op` naming the operation that failed).
 *
 * @example
 * ```ts
 * try { await runner.run(request); }
 * catch (e) { if (isNpurunError(e) && e.code === 'ABORT_ERR') console.log('cancelled'); else throw e; }
 * ```
 */
export function isNpurunError(value: unknown): value is NpurunError {
  return value instanceof RunnerError || value instanceof CollectorError || value instanceof HalError;
}

/** The stable code of an npurun error, or `undefined` for anything else. */
export function npurunErrorCode(value: unknown): string | undefined {
  return isNpurunError(value) ? value.code : undefined;
}
