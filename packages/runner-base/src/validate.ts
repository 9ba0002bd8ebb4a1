/**
 * Argument validation at the public boundary. Sizes accept `number` (a safe non-negative integer)
 * or `bigint` (non-negative, below 2^64) and come out as `bigint`, so arithmetic on device sizes
 * never silently loses precision.
 */
import { InvalidArgumentError } from './errors';

/** Largest value a u64 size can hold. */
const U64_MAX = (1n << 64n) - 1n;

/**
 * Validates a byte size and returns it as a `bigint`.
 *
 * @param op operation name for the error message
 * @param param parameter name for the error message
 * @param value the value received
 * @throws InvalidArgumentError for negative, NaN, non-integer, unsafe (> 2^53 − 1) numbers, strings,
 *   and bigints outside [0, 2^64)
 */
export function toByteSize(op: string, param: string, value: unknown): bigint {
  if (typeof value === 'bigint') {
    if (value < 0n || value > U64_MAX) throw new InvalidArgumentError(op, param, value, 'a bigint in [0, 2^64)');
    return value;
  }
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  throw new InvalidArgumentError(op, param, value, 'a non-negative safe integer number or a bigint');
}

/**
 * Validates a device address (`bigint` in [0, 2^64)).
 *
 * @throws InvalidArgumentError otherwise (numbers included: addresses are always bigints)
 */
export function toDeviceAddress(op: string, param: string, value: unknown): bigint {
  if (typeof value !== 'bigint' || value < 0n || value > U64_MAX) {
    throw new InvalidArgumentError(op, param, value, 'a device address (a bigint in [0, 2^64))');
  }
  return value;
}

/**
 * Validates an integer `number` in [min, max].
 *
 * @throws InvalidArgumentError otherwise
 */
export function toIntInRange(op: string, param: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(op, param, value, `an integer in [${min}, ${max}]`);
  }
  return value;
}

/**
 * Validates an alignment: a power of two `number` between 1 and 2^30.
 *
 * @throws InvalidArgumentError otherwise
 */
export function toAlignment(op: string, param: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > 2 ** 30 || (value & (value - 1)) !== 0) {
    throw new InvalidArgumentError(op, param, value, 'a power of two between 1 and 2^30');
  }
  return value;
}

/** Rounds `value` up to a multiple of `align` (a power of two). */
export function alignUp(value: bigint, align: number | bigint): bigint {
  const a = BigInt(align);
  return (value + a - 1n) & ~(a - 1n);
}
