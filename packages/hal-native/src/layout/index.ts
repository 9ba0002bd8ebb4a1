/**
 * The struct-layout helper: declare a device struct once in TypeScript (natural C layout,
 * little-endian), encode and decode its values, and emit the C header device programs include.
 */
export { u8, u16, u32, u64, i8, i16, i32, i64, f32, f64, ptr } from './scalars';
export { array } from './array';
export { pad } from './padding';
export { struct } from './struct';
export type { StructOptions } from './struct';
export { emitCHeader } from './c-header';
export type { CHeaderOptions } from './c-header';
export { snakeCase } from './c-names';
export { LayoutError, LayoutErrorCode } from './errors';
export type { LayoutErrorContext } from './errors';
export type {
  ArrayType,
  BigScalarName,
  FieldInput,
  FieldSpec,
  FieldType,
  FieldTypeOf,
  FieldValue,
  InferStruct,
  LayoutField,
  PaddingType,
  ScalarName,
  ScalarType,
  Simplify,
  StructInput,
  StructLayout,
  StructValue,
} from './types';
