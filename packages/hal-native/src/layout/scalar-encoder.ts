/**
 * Encoders of scalar fields. Each scalar gets its own closure (so every call site stays
 * monomorphic) whose fast path accepts exactly the values that need no message: a number in range
 * for the ≤32-bit integers (plain number compares, no BigInt), a bigint in range or a safe integer
 * for the 64-bit ones, a number for the floats. Anything else goes to {@link encodeScalarChecked},
 * which decides between writing and refusing and builds the message only when it refuses.
 */
import { describeValue } from './describe-value';
import { EncodeFailure } from './encode-failure';
import { LayoutErrorCode } from './errors';
import type { ScalarName, ScalarType } from './types';

/** Writes a value at `offset` of `view` (little-endian); the bytes there are zero beforehand. */
export type Encoder = (view: DataView, offset: number, value: unknown) => void;

const INT_RANGES: Record<ScalarName, readonly [bigint, bigint] | undefined> = {
  u8: [0n, 0xffn],
  u16: [0n, 0xffffn],
  u32: [0n, 0xffff_ffffn],
  u64: [0n, 0xffff_ffff_ffff_ffffn],
  ptr: [0n, 0xffff_ffff_ffff_ffffn],
  i8: [-0x80n, 0x7fn],
  i16: [-0x8000n, 0x7fffn],
  i32: [-0x8000_0000n, 0x7fff_ffffn],
  i64: [-0x8000_0000_0000_0000n, 0x7fff_ffff_ffff_ffffn],
  f32: undefined,
  f64: undefined,
};

const U64_MAX = 0xffff_ffff_ffff_ffffn;
const I64_MIN = -0x8000_0000_0000_0000n;
const I64_MAX = 0x7fff_ffff_ffff_ffffn;
const TWO_32 = 0x1_0000_0000;

function refuse(code: LayoutErrorCode, message: string): never {
  throw new EncodeFailure(code, message, '');
}

function toBigInt(type: ScalarType, value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value !== 'number') refuse(LayoutErrorCode.ValueType, `${type.scalar} expects a bigint or a number, got ${describeValue(value)}`);
  if (!Number.isInteger(value)) refuse(LayoutErrorCode.ValueRange, `${type.scalar} expects an integer, got ${describeValue(value)}`);
  if (!Number.isSafeInteger(value)) {
    // Beyond 2^53 a number may already have been rounded; refusing it keeps silent corruption out.
    refuse(LayoutErrorCode.ValueRange, `${describeValue(value)} is not a safe integer; pass a bigint for ${type.scalar}`);
  }
  return BigInt(value);
}

function checkIntRange(type: ScalarType, value: bigint): void {
  const range = INT_RANGES[type.scalar];
  if (range !== undefined && (value < range[0] || value > range[1])) {
    refuse(LayoutErrorCode.ValueRange, `${value} is out of range for ${type.scalar} [${range[0]}, ${range[1]}]`);
  }
}

/**
 * The complete rules for one scalar value, checked in the order that picks the most useful
 * message. Used for every value the fast paths do not accept outright.
 */
export function encodeScalarChecked(type: ScalarType, view: DataView, offset: number, value: unknown): void {
  switch (type.scalar) {
    case 'u64':
    case 'ptr':
    case 'i64': {
      const big = toBigInt(type, value);
      checkIntRange(type, big);
      if (type.scalar === 'i64') view.setBigInt64(offset, big, true);
      else view.setBigUint64(offset, big, true);
      return;
    }
    case 'f32':
    case 'f64': {
      if (typeof value !== 'number') refuse(LayoutErrorCode.ValueType, `${type.scalar} expects a number, got ${describeValue(value)}`);
      if (type.scalar === 'f64') {
        view.setFloat64(offset, value, true);
        return;
      }
      if (Number.isFinite(value) && !Number.isFinite(Math.fround(value))) {
        // Rounding to f32 would turn the value into an infinity: that is a range error, not rounding.
        refuse(LayoutErrorCode.ValueRange, `${describeValue(value)} is beyond the f32 range`);
      }
      view.setFloat32(offset, value, true);
      return;
    }
    default: {
      if (typeof value !== 'number') refuse(LayoutErrorCode.ValueType, `${type.scalar} expects a number, got ${describeValue(value)}`);
      if (!Number.isInteger(value)) refuse(LayoutErrorCode.ValueRange, `${type.scalar} expects an integer, got ${describeValue(value)}`);
      checkIntRange(type, BigInt(value));
      switch (type.scalar) {
        case 'u8':
          view.setUint8(offset, value);
          return;
        case 'i8':
          view.setInt8(offset, value);
          return;
        case 'u16':
          view.setUint16(offset, value, true);
          return;
        case 'i16':
          view.setInt16(offset, value, true);
          return;
        case 'u32':
          view.setUint32(offset, value, true);
          return;
        case 'i32':
          view.setInt32(offset, value, true);
          return;
      }
    }
  }
}

/** The encoder of one scalar type. */
export function scalarEncoder(type: ScalarType): Encoder {
  const slow: Encoder = (view, offset, value) => encodeScalarChecked(type, view, offset, value);
  switch (type.scalar) {
    case 'u8':
      return (view, offset, value) => {
        // `value >= 0 && value <= max` is false for NaN, so only integers in range pass.
        if (typeof value === 'number' && value >= 0 && value <= 0xff && Number.isInteger(value)) view.setUint8(offset, value);
        else slow(view, offset, value);
      };
    case 'i8':
      return (view, offset, value) => {
        if (typeof value === 'number' && value >= -0x80 && value <= 0x7f && Number.isInteger(value)) view.setInt8(offset, value);
        else slow(view, offset, value);
      };
    case 'u16':
      return (view, offset, value) => {
        if (typeof value === 'number' && value >= 0 && value <= 0xffff && Number.isInteger(value)) view.setUint16(offset, value, true);
        else slow(view, offset, value);
      };
    case 'i16':
      return (view, offset, value) => {
        if (typeof value === 'number' && value >= -0x8000 && value <= 0x7fff && Number.isInteger(value)) view.setInt16(offset, value, true);
        else slow(view, offset, value);
      };
    case 'u32':
      return (view, offset, value) => {
        if (typeof value === 'number' && value >= 0 && value <= 0xffff_ffff && Number.isInteger(value)) view.setUint32(offset, value, true);
        else slow(view, offset, value);
      };
    case 'i32':
      return (view, offset, value) => {
        if (typeof value === 'number' && value >= -0x8000_0000 && value <= 0x7fff_ffff && Number.isInteger(value)) view.setInt32(offset, value, true);
        else slow(view, offset, value);
      };
    case 'u64':
    case 'ptr':
      return (view, offset, value) => {
        if (typeof value === 'bigint') {
          if (value >= 0n && value <= U64_MAX) view.setBigUint64(offset, value, true);
          else slow(view, offset, value);
        } else if (typeof value === 'number' && value >= 0 && Number.isSafeInteger(value)) {
          // Two 32-bit halves: exact for safe integers and no BigInt allocated.
          const low = value % TWO_32;
          view.setUint32(offset, low, true);
          view.setUint32(offset + 4, (value - low) / TWO_32, true);
        } else {
          slow(view, offset, value);
        }
      };
    case 'i64':
      return (view, offset, value) => {
        if (typeof value === 'bigint' && value >= I64_MIN && value <= I64_MAX) view.setBigInt64(offset, value, true);
        else slow(view, offset, value);
      };
    case 'f32':
      return (view, offset, value) => {
        // An f32 overflow (a finite value that rounds to an infinity) is a range error: the checked path says so.
        if (typeof value === 'number' && (Math.abs(value) <= 3.4028234663852886e38 || !Number.isFinite(value))) {
          view.setFloat32(offset, value, true);
        } else {
          slow(view, offset, value);
        }
      };
    case 'f64':
      return (view, offset, value) => {
        if (typeof value === 'number') view.setFloat64(offset, value, true);
        else slow(view, offset, value);
      };
  }
}
