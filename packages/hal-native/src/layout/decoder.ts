/**
 * Compiled decoders, the read side of `encoder.ts`: one closure per field type, built once, that
 * reads the value at an offset (little-endian). Callers check bounds once for the whole struct;
 * decoders trust the offsets they are given.
 */
import type { ArrayType, FieldType, ScalarType, StructLayout } from './types';

/** Reads the value at `offset` of `view`. */
export type Decoder = (view: DataView, offset: number) => unknown;

const compiled = new WeakMap<FieldType, Decoder>();

function scalarDecoder(type: ScalarType): Decoder {
  switch (type.scalar) {
    case 'u8':
      return (view, offset) => view.getUint8(offset);
    case 'i8':
      return (view, offset) => view.getInt8(offset);
    case 'u16':
      return (view, offset) => view.getUint16(offset, true);
    case 'i16':
      return (view, offset) => view.getInt16(offset, true);
    case 'u32':
      return (view, offset) => view.getUint32(offset, true);
    case 'i32':
      return (view, offset) => view.getInt32(offset, true);
    case 'u64':
    case 'ptr':
      return (view, offset) => view.getBigUint64(offset, true);
    case 'i64':
      return (view, offset) => view.getBigInt64(offset, true);
    case 'f32':
      return (view, offset) => view.getFloat32(offset, true);
    case 'f64':
      return (view, offset) => view.getFloat64(offset, true);
  }
}

function arrayDecoder(type: ArrayType): Decoder {
  const element = compileDecoder(type.element);
  const { length } = type;
  const step = type.element.size;
  return (view, offset) => {
    const out = new Array<unknown>(length);
    for (let i = 0; i < length; i++) out[i] = element(view, offset + i * step);
    return out;
  };
}

function structDecoder(layout: StructLayout<unknown>): Decoder {
  const plan = layout.fields
    .filter((f) => f.type.kind !== 'padding')
    .map((f) => ({ name: f.name, offset: f.offset, decode: compileDecoder(f.type) }));
  return (view, offset) => {
    // Properties are added in declaration order, so every decoded value of a layout has one shape.
    const out: Record<string, unknown> = {};
    for (let i = 0; i < plan.length; i++) {
      const entry = plan[i]!;
      out[entry.name] = entry.decode(view, offset + entry.offset);
    }
    return out;
  };
}

/** The decoder of `type`: one property per non-padding field for structs; padding decodes to `undefined`. */
export function compileDecoder(type: FieldType): Decoder {
  const cached = compiled.get(type);
  if (cached !== undefined) return cached;
  let decoder: Decoder;
  switch (type.kind) {
    case 'scalar':
      decoder = scalarDecoder(type);
      break;
    case 'array':
      decoder = arrayDecoder(type);
      break;
    case 'struct':
      decoder = structDecoder(type);
      break;
    case 'padding':
      decoder = () => undefined;
      break;
  }
  compiled.set(type, decoder);
  return decoder;
}
