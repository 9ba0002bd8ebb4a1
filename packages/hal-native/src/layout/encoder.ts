/**
 * Compiled encoders: every field type is turned once (when a struct is declared) into a closure
 * that writes a value at an offset. A struct's closure walks a precomputed plan — name, offset and
 * encoder of each value field — so encoding does no per-field lookups, builds no path strings and
 * touches no padding: encoders write into bytes that are zero beforehand, and fields left out stay
 * zero. Failures carry their path outward (see `encode-failure.ts`).
 */
import { describeValue } from './describe-value';
import { EncodeFailure, withSegment } from './encode-failure';
import { LayoutErrorCode } from './errors';
import { scalarEncoder, type Encoder } from './scalar-encoder';
import type { ArrayType, FieldType, StructLayout } from './types';

export type { Encoder } from './scalar-encoder';

// Field types are frozen, so an encoder compiled for one stays valid; nested structs and shared
// element types are compiled once however many layouts use them.
const compiled = new WeakMap<FieldType, Encoder>();

function isArrayValue(value: unknown): value is ArrayLike<unknown> {
  return Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView));
}

interface PlanEntry {
  readonly name: string;
  readonly offset: number;
  readonly encode: Encoder;
}

function unknownKey(layout: StructLayout<unknown>, key: string): EncodeFailure {
  const field = layout.fields.find((f) => f.name === key);
  const what = field === undefined ? 'has no field' : 'declares only padding named';
  return new EncodeFailure(LayoutErrorCode.UnknownField, `struct ${layout.name} ${what} ${JSON.stringify(key)}`, key);
}

function structEncoder(layout: StructLayout<unknown>): Encoder {
  const plan: PlanEntry[] = [];
  const valueNames = new Set<string>();
  for (const f of layout.fields) {
    if (f.type.kind === 'padding') continue;
    plan.push({ name: f.name, offset: f.offset, encode: compileEncoder(f.type) });
    valueNames.add(f.name);
  }
  return (view, offset, value) => {
    if (typeof value !== 'object' || value === null || isArrayValue(value)) {
      throw new EncodeFailure(LayoutErrorCode.ValueType, `struct ${layout.name} expects an object, got ${describeValue(value)}`, '');
    }
    const record = value as Record<string, unknown>;
    // Unknown keys are refused before anything is written: they are almost always typos.
    for (const key of Object.keys(record)) if (!valueNames.has(key)) throw unknownKey(layout, key);
    for (let i = 0; i < plan.length; i++) {
      const entry = plan[i]!;
      const v = record[entry.name];
      if (v === undefined) continue;
      try {
        entry.encode(view, offset + entry.offset, v);
      } catch (error) {
        throw withSegment(error, entry.name);
      }
    }
  };
}

function arrayEncoder(type: ArrayType): Encoder {
  const element = compileEncoder(type.element);
  const { length } = type;
  const step = type.element.size;
  // A Uint8Array for a u8 array holds valid bytes by construction: one copy instead of a loop.
  const bytesFit = type.element.kind === 'scalar' && type.element.scalar === 'u8';
  return (view, offset, value) => {
    if (!isArrayValue(value)) {
      throw new EncodeFailure(LayoutErrorCode.ValueType, `expects an array of ${length}, got ${describeValue(value)}`, '');
    }
    if (value.length !== length) {
      throw new EncodeFailure(LayoutErrorCode.ArrayLength, `expects ${length} elements, got ${value.length}`, '');
    }
    if (bytesFit && value instanceof Uint8Array) {
      new Uint8Array(view.buffer, view.byteOffset + offset, length).set(value);
      return;
    }
    for (let i = 0; i < length; i++) {
      const v = value[i];
      if (v === undefined) continue;
      try {
        element(view, offset + i * step, v);
      } catch (error) {
        throw withSegment(error, `[${i}]`);
      }
    }
  };
}

/**
 * The encoder of `type`. It expects zeroed bytes, never `undefined` (callers skip those: they
 * encode as zeros), and throws {@link EncodeFailure} for a bad value.
 *
 * @throws never for padding: a padding type compiles to an encoder that writes nothing
 */
export function compileEncoder(type: FieldType): Encoder {
  const cached = compiled.get(type);
  if (cached !== undefined) return cached;
  let encoder: Encoder;
  switch (type.kind) {
    case 'scalar':
      encoder = scalarEncoder(type);
      break;
    case 'array':
      encoder = arrayEncoder(type);
      break;
    case 'struct':
      encoder = structEncoder(type);
      break;
    case 'padding':
      encoder = () => undefined;
      break;
  }
  compiled.set(type, encoder);
  return encoder;
}
