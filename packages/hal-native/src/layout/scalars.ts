/**
 * The scalar field types. Each is aligned to its own size, as every mainstream C ABI does for
 * these widths on the 64-bit targets npurun runs on (x86-64 and aarch64).
 */
import type { ScalarName, ScalarType } from './types';

function scalar<N extends ScalarName>(name: N, size: number, cType: string): ScalarType<N> {
  return Object.freeze({ kind: 'scalar', scalar: name, size, align: size, cType });
}

/** Unsigned 8-bit integer (`uint8_t`), a `number`. */
export const u8: ScalarType<'u8'> = scalar('u8', 1, 'uint8_t');
/** Unsigned 16-bit integer (`uint16_t`), a `number`. */
export const u16: ScalarType<'u16'> = scalar('u16', 2, 'uint16_t');
/** Unsigned 32-bit integer (`uint32_t`), a `number`. */
export const u32: ScalarType<'u32'> = scalar('u32', 4, 'uint32_t');
/** Unsigned 64-bit integer (`uint64_t`), a `bigint` (encode also takes a non-negative safe-integer `number`). */
export const u64: ScalarType<'u64'> = scalar('u64', 8, 'uint64_t');
/** Signed 8-bit integer (`int8_t`), a `number`. */
export const i8: ScalarType<'i8'> = scalar('i8', 1, 'int8_t');
/** Signed 16-bit integer (`int16_t`), a `number`. */
export const i16: ScalarType<'i16'> = scalar('i16', 2, 'int16_t');
/** Signed 32-bit integer (`int32_t`), a `number`. */
export const i32: ScalarType<'i32'> = scalar('i32', 4, 'int32_t');
/** Signed 64-bit integer (`int64_t`), a `bigint` (encode also takes a safe-integer `number`). */
export const i64: ScalarType<'i64'> = scalar('i64', 8, 'int64_t');
/** IEEE-754 single (`float`), a `number`. */
export const f32: ScalarType<'f32'> = scalar('f32', 4, 'float');
/** IEEE-754 double (`double`), a `number`. */
export const f64: ScalarType<'f64'> = scalar('f64', 8, 'double');
/** A device address: 8 bytes, `uint64_t` in C, a `bigint` (encode also takes a non-negative safe-integer `number`). */
export const ptr: ScalarType<'ptr'> = scalar('ptr', 8, 'uint64_t');
