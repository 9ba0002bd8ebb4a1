/**
 * Encoding and decoding of field values at a byte offset of a DataView, little-endian. Callers
 * check bounds once for the whole struct; these functions trust the offsets they are given.
 */
import { LayoutError, LayoutErrorCode } from './errors';
import type { FieldType, ScalarType, StructLayout } from './types';

/** Where a value is being encoded, for error messages. */
export interface CodecContext {
  /** The outermost struct's C name. */
  readonly struct: string;
  /** The field path so far, e.g. `regions[2].base`. */
  readonly path: string;
}

const INT_RANGES: Record<string, readonly [bigint, bigint]> = {
  u8: [0n, 0xffn],
  u16: [0n, 0xffffn],
  u32: [0n, 0xffff_ffffn],
  u64: [0n, 0xffff_ffff_ffff_ffffn],
  ptr: [0n, 0xffff_ffff_ffff_ffffn],
  i8: [-0x80n, 0x7fn],
  i16: [-0x8000n, 0x7fffn],
  i32: [-0x8000_0000n, 0x7fff_ffffn],
  i64: [-0x8000_0000_0000_0000n, 0x7fff_ffff_ffff_ffffn],
};

/** A JavaScript value as it should appear in an error message. */
export function describeValue(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  return typeof value;
}

function fail(code: LayoutErrorCode, message: string, ctx: CodecContext): never {
  throw new LayoutError(code, message, { struct: ctx.struct, field: ctx.path });
}

function childPath(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}

function toBigInt(type: ScalarType, value: unknown, ctx: CodecContext): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value !== 'number') {
    fail(LayoutErrorCode.ValueType, `${type.scalar} expects a bigint or a number, got ${describeValue(value)}`, ctx);
  }
  if (!Number.isInteger(value)) {
    fail(LayoutErrorCode.ValueRange, `${type.scalar} expects an integer, got ${describeValue(value)}`, ctx);
  }
  if (!Number.isSafeInteger(value)) {
    // Beyond 2^53 a number may already have been rounded; refusing it keeps silent corruption out.
    fail(LayoutErrorCode.ValueRange, `${describeValue(value)} is not a safe integer; pass a bigint for ${type.scalar}`, ctx);
  }
  return BigInt(value);
}

function checkIntRange(type: ScalarType, value: bigint, ctx: CodecContext): void {
  const range = INT_RANGES[type.scalar];
  if (range !== undefined && (value < range[0] || value > range[1])) {
    fail(
      LayoutErrorCode.ValueRange,
      `${value} is out of range for ${type.scalar} [${range[0]}, ${range[1]}]`,
      ctx,
    );
  }
}

function encodeScalar(type: ScalarType, view: DataView, offset: number, value: unknown, ctx: CodecContext): void {
  switch (type.scalar) {
    case 'u64':
    case 'ptr':
    case 'i64': {
      const big = toBigInt(type, value, ctx);
      checkIntRange(type, big, ctx);
      if (type.scalar === 'i64') view.setBigInt64(offset, big, true);
      else view.setBigUint64(offset, big, true);
      return;
    }
    case 'f32':
    case 'f64': {
      if (typeof value !== 'number') {
        fail(LayoutErrorCode.ValueType, `${type.scalar} expects a number, got ${describeValue(value)}`, ctx);
      }
      if (type.scalar === 'f64') {
        view.setFloat64(offset, value, true);
        return;
      }
      if (Number.isFinite(value) && !Number.isFinite(Math.fround(value))) {
        // Rounding to f32 would turn the value into an infinity: that is a range error, not rounding.
        fail(LayoutErrorCode.ValueRange, `${describeValue(value)} is beyond the f32 range`, ctx);
      }
      view.setFloat32(offset, value, true);
      return;
    }
    default: {
      if (typeof value !== 'number') {
        fail(LayoutErrorCode.ValueType, `${type.scalar} expects a number, got ${describeValue(value)}`, ctx);
      }
      if (!Number.isInteger(value)) {
        fail(LayoutErrorCode.ValueRange, `${type.scalar} expects an integer, got ${describeValue(value)}`, ctx);
      }
      checkIntRange(type, BigInt(value), ctx);
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

function decodeScalar(type: ScalarType, view: DataView, offset: number): number | bigint {
  switch (type.scalar) {
    case 'u8':
      return view.getUint8(offset);
    case 'i8':
      return view.getInt8(offset);
    case 'u16':
      return view.getUint16(offset, true);
    case 'i16':
      return view.getInt16(offset, true);
    case 'u32':
      return view.getUint32(offset, true);
    case 'i32':
      return view.getInt32(offset, true);
    case 'u64':
    case 'ptr':
      return view.getBigUint64(offset, true);
    case 'i64':
      return view.getBigInt64(offset, true);
    case 'f32':
      return view.getFloat32(offset, true);
    case 'f64':
      return view.getFloat64(offset, true);
  }
}

function zero(view: DataView, offset: number, size: number): void {
  new Uint8Array(view.buffer, view.byteOffset + offset, size).fill(0);
}

function isArrayValue(value: unknown): value is ArrayLike<unknown> {
  return Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView));
}

/**
 * Encodes the fields of a struct value. Unknown keys are an error (they are almost always typos);
 * fields left out, and padding, are written as zeros.
 */
export function encodeStruct(
  layout: StructLayout<unknown>,
  view: DataView,
  offset: number,
  value: unknown,
  ctx: CodecContext,
): void {
  if (typeof value !== 'object' || value === null || isArrayValue(value)) {
    fail(LayoutErrorCode.ValueType, `struct ${layout.name} expects an object, got ${describeValue(value)}`, ctx);
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const field = layout.fields.find((f) => f.name === key);
    if (field === undefined || field.type.kind === 'padding') {
      const what = field === undefined ? 'has no field' : 'declares only padding named';
      fail(LayoutErrorCode.UnknownField, `struct ${layout.name} ${what} ${JSON.stringify(key)}`, {
        struct: ctx.struct,
        path: childPath(ctx.path, key),
      });
    }
  }
  for (const field of layout.fields) {
    const at = offset + field.offset;
    if (field.type.kind === 'padding') zero(view, at, field.size);
    else encodeField(field.type, view, at, record[field.name], { struct: ctx.struct, path: childPath(ctx.path, field.name) });
  }
}

/** Encodes `value` as `type` at `offset`; `undefined` encodes as zeros. */
export function encodeField(type: FieldType, view: DataView, offset: number, value: unknown, ctx: CodecContext): void {
  if (value === undefined || type.kind === 'padding') {
    zero(view, offset, type.size);
    return;
  }
  switch (type.kind) {
    case 'scalar':
      encodeScalar(type, view, offset, value, ctx);
      return;
    case 'array': {
      if (!isArrayValue(value)) {
        fail(LayoutErrorCode.ValueType, `expects an array of ${type.length}, got ${describeValue(value)}`, ctx);
      }
      if (value.length !== type.length) {
        fail(LayoutErrorCode.ArrayLength, `expects ${type.length} elements, got ${value.length}`, ctx);
      }
      for (let i = 0; i < type.length; i++) {
        encodeField(type.element, view, offset + i * type.element.size, value[i], {
          struct: ctx.struct,
          path: `${ctx.path}[${i}]`,
        });
      }
      return;
    }
    case 'struct':
      encodeStruct(type, view, offset, value, ctx);
      return;
  }
}

/** Decodes the value of `type` at `offset`. Padding decodes to `undefined` and is never asked for. */
export function decodeField(type: FieldType, view: DataView, offset: number): unknown {
  switch (type.kind) {
    case 'scalar':
      return decodeScalar(type, view, offset);
    case 'array': {
      const out: unknown[] = new Array<unknown>(type.length);
      for (let i = 0; i < type.length; i++) out[i] = decodeField(type.element, view, offset + i * type.element.size);
      return out;
    }
    case 'struct':
      return decodeStruct(type, view, offset);
    case 'padding':
      return undefined;
  }
}

/** Decodes a struct value: one property per non-padding field, in declaration order. */
export function decodeStruct(layout: StructLayout<unknown>, view: DataView, offset: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of layout.fields) {
    if (field.type.kind !== 'padding') out[field.name] = decodeField(field.type, view, offset + field.offset);
  }
  return out;
}
