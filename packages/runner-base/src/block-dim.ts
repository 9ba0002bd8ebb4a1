/**
 * Resolution of a run's `blockDim` and AI CPU thread count against what the device has.
 */
import type { DeviceProperties } from '@npurun/hal-native';
import { InvalidArgumentError } from './errors';

/**
 * The `blockDim` a run uses: `0` or `undefined` means "all blocks" (the arch's maximum);
 * anything else must be an integer in [1, maxBlockDim], where one block is 1 cube + 2 vector
 * cores and the maximum is bounded by both core counts.
 *
 * @throws InvalidArgumentError naming the value and the allowed range
 */
export function resolveBlockDim(op: string, requested: unknown, props: Pick<DeviceProperties, 'maxBlockDim' | 'cubeCores' | 'vectorCores'>): number {
  const max = Math.min(props.maxBlockDim, props.cubeCores, Math.floor(props.vectorCores / 2));
  if (requested === undefined || requested === 0) return max;
  if (typeof requested !== 'number' || !Number.isSafeInteger(requested) || requested < 1 || requested > max) {
    throw new InvalidArgumentError(op, 'blockDim', requested, `0 (all) or an integer in [1, ${max}]`);
  }
  return requested;
}

/**
 * The AI CPU thread count of a run's `run` kernel: `undefined` means the arch's launch count.
 *
 * @throws InvalidArgumentError unless an integer in [1, aicpuLaunchThreads]
 */
export function resolveAicpuThreads(op: string, requested: unknown, props: Pick<DeviceProperties, 'aicpuLaunchThreads'>): number {
  const max = props.aicpuLaunchThreads;
  if (requested === undefined) return max;
  if (typeof requested !== 'number' || !Number.isSafeInteger(requested) || requested < 1 || requested > max) {
    throw new InvalidArgumentError(op, 'aicpuThreads', requested, `an integer in [1, ${max}]`);
  }
  return requested;
}
