/**
 * Runtime recognition of field types. Declarations often come from plain JavaScript or from data
 * tables, so a struct checks each field's type once, at definition.
 */
import type { FieldType } from './types';

const SCALARS = new Set(['u8', 'u16', 'u32', 'u64', 'i8', 'i16', 'i32', 'i64', 'f32', 'f64', 'ptr']);

function isPositiveInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/** True when `value` has the shape of a field type made by this module. */
export function isFieldType(value: unknown): value is FieldType {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  if (!isPositiveInt(v['size']) || !isPositiveInt(v['align'])) return false;
  switch (v['kind']) {
    case 'scalar':
      return typeof v['scalar'] === 'string' && SCALARS.has(v['scalar']) && typeof v['cType'] === 'string';
    case 'array':
      return isPositiveInt(v['length']) && isFieldType(v['element']);
    case 'padding':
      return true;
    case 'struct':
      return typeof v['name'] === 'string' && Array.isArray(v['fields']);
    default:
      return false;
  }
}

/** A short description of a field type (or of something that is not one) for error messages. */
export function describeFieldType(value: unknown): string {
  if (!isFieldType(value)) {
    if (value === null) return 'null';
    return typeof value === 'object' ? 'an object that is not a field type' : typeof value;
  }
  switch (value.kind) {
    case 'scalar':
      return value.scalar;
    case 'array':
      return `${describeFieldType(value.element)}[${value.length}]`;
    case 'padding':
      return `pad(${value.size})`;
    case 'struct':
      return `struct ${value.name}`;
  }
}
