/**
 * The one error class of the struct-layout helper. Definition mistakes surface when a struct is
 * declared (not when it is first used), value mistakes when a value is encoded.
 */

/** Stable codes of {@link LayoutError}. Callers and tests switch on these, never on messages. */
export const LayoutErrorCode = {
  /** A definition is malformed: a bad C name, a zero-length array, padding of 0 bytes, a bad alignment, an empty struct, an unknown field type. */
  Invalid: 'LAYOUT_INVALID',
  /** Two fields of one struct map to the same key or C member name. */
  DuplicateName: 'LAYOUT_DUPLICATE_NAME',
  /** An asserted field offset differs from the natural C layout (including offsets that go backwards). */
  OffsetMismatch: 'LAYOUT_OFFSET_MISMATCH',
  /** An asserted struct size differs from the natural C layout. */
  SizeMismatch: 'LAYOUT_SIZE_MISMATCH',
  /** A field name that the struct does not declare (in a value to encode, or in readField/writeField/offsetOf). */
  UnknownField: 'LAYOUT_UNKNOWN_FIELD',
  /** A value of the wrong JavaScript type for its field (a string for a u32, a bigint for an f64, a non-object for a struct). */
  ValueType: 'LAYOUT_VALUE_TYPE',
  /** A value outside its field's range: too large or negative for the integer type, not an integer, beyond the f32 range. */
  ValueRange: 'LAYOUT_VALUE_RANGE',
  /** An array value whose length differs from the declared length. */
  ArrayLength: 'LAYOUT_ARRAY_LENGTH',
  /** A read or write that would run past the end of the buffer, or a bad base offset. */
  OutOfBounds: 'LAYOUT_OUT_OF_BOUNDS',
  /** emitCHeader options that cannot produce a valid header: a bad guard or constant name, two different structs with one C name. */
  HeaderInvalid: 'LAYOUT_HEADER_INVALID',
} as const;

/** One of the values of {@link LayoutErrorCode}. */
export type LayoutErrorCode = (typeof LayoutErrorCode)[keyof typeof LayoutErrorCode];

/** Where a {@link LayoutError} happened. */
export interface LayoutErrorContext {
  /** The C name of the struct being defined, encoded or decoded (the outermost one). */
  struct?: string;
  /** The field path inside that struct, e.g. `regions[2].base`. */
  field?: string;
}

/** Every error the struct-layout helper throws. */
export class LayoutError extends Error {
  /** Stable code (see {@link LayoutErrorCode}). */
  readonly code: LayoutErrorCode;
  /** The C name of the struct concerned, when there is one. */
  readonly struct: string | undefined;
  /** The field path concerned, when there is one. */
  readonly field: string | undefined;

  constructor(code: LayoutErrorCode, message: string, context: LayoutErrorContext = {}) {
    const where = [context.struct, context.field].filter((part) => part !== undefined).join('.');
    super(where === '' ? message : `${where}: ${message}`);
    this.name = 'LayoutError';
    this.code = code;
    this.struct = context.struct;
    this.field = context.field;
  }
}
