/**
 * The type vocabulary of the struct-layout helper: field types (scalars, arrays, padding, nested
 * structs), the {@link StructLayout} interface, and the type-level mapping from a declaration to
 * the JavaScript values it decodes to and accepts for encoding.
 */

/** Names of the scalar field types. `ptr` is a device address: 8 bytes, `uint64_t` in C. */
export type ScalarName = 'u8' | 'u16' | 'u32' | 'u64' | 'i8' | 'i16' | 'i32' | 'i64' | 'f32' | 'f64' | 'ptr';

/** Scalars whose JavaScript value is a `bigint` (every 64-bit integer, and device addresses). */
export type BigScalarName = 'u64' | 'i64' | 'ptr';

/** A scalar field type. Created only by this module (`u8` … `ptr`); aligned to its own size. */
export interface ScalarType<N extends ScalarName = ScalarName> {
  readonly kind: 'scalar';
  /** The scalar's name, e.g. `u32`. */
  readonly scalar: N;
  /** Size in bytes. */
  readonly size: number;
  /** Alignment in bytes (equal to the size). */
  readonly align: number;
  /** The C type the header uses, e.g. `uint32_t`. */
  readonly cType: string;
}

/** A fixed-length array of `element`; decoded as a JavaScript array of the element's values. */
export interface ArrayType<E extends FieldType = FieldType> {
  readonly kind: 'array';
  /** The element type. */
  readonly element: E;
  /** Number of elements (≥ 1). */
  readonly length: number;
  /** `element.size * length`. */
  readonly size: number;
  /** The element's alignment. */
  readonly align: number;
}

/** Explicit padding: occupies bytes, never appears in values, always encodes as zeros. */
export interface PaddingType {
  readonly kind: 'padding';
  /** Number of bytes (≥ 1). */
  readonly size: number;
  /** Always 1: padding never moves the next field. */
  readonly align: 1;
}

/** Every type a struct field may have. */
export type FieldType = ScalarType | ArrayType | PaddingType | StructLayout<unknown>;

/** A field declaration: a bare type, or a type with an asserted offset, a C name and a doc line. */
export type FieldSpec =
  | FieldType
  | {
      /** The field's type. */
      readonly type: FieldType;
      /** The offset this field must have; the declaration throws `LAYOUT_OFFSET_MISMATCH` if the natural layout differs. */
      readonly offset?: number;
      /** The C member name; defaults to the snake_case of the key. */
      readonly cName?: string;
      /** One line of documentation, emitted as a comment in the C header. */
      readonly doc?: string;
    };

/** The type of a {@link FieldSpec}. */
export type FieldTypeOf<S> = S extends { readonly type: infer T } ? T : S;

/** The decoded JavaScript value of a field type. */
export type FieldValue<T> =
  T extends ScalarType<infer N>
    ? N extends BigScalarName
      ? bigint
      : number
    : T extends ArrayType<infer E>
      ? FieldValue<E>[]
      : T extends StructLayout<infer S>
        ? S
        : never;

/**
 * What encoding accepts for a decoded value type: 64-bit fields also take a `number` (a safe
 * integer), arrays may be readonly arrays or typed arrays of the right length, and nested struct
 * values may leave fields out (they encode as zero).
 */
export type FieldInput<V> = V extends bigint
  ? bigint | number
  : V extends readonly (infer E)[]
    ? ArrayLike<FieldInput<E>>
    : V extends object
      ? StructInput<V>
      : V;

/** What `encode` accepts for a struct whose decoded value type is `T`: any subset of its fields. */
export type StructInput<T> = { [K in keyof T]?: FieldInput<T[K]> };

/** `T` with its intersections flattened into one object type (what editors show for a layout's value). */
export type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The decoded value type of a struct declared with fields `F` (padding fields left out). */
export type StructValue<F extends Record<string, FieldSpec>> = Simplify<{
  -readonly [K in keyof F as K extends string
    ? FieldTypeOf<F[K]> extends PaddingType
      ? never
      : K
    : never]: FieldValue<FieldTypeOf<F[K]>>;
}>;

/** One laid-out field of a struct, in declaration order. */
export interface LayoutField {
  /** The key the field was declared with (the JavaScript name). */
  readonly name: string;
  /** The C member name. */
  readonly cName: string;
  /** Byte offset from the start of the struct. */
  readonly offset: number;
  /** Size in bytes. */
  readonly size: number;
  /** The field's type. */
  readonly type: FieldType;
  /** Documentation line, when declared. */
  readonly doc?: string;
}

/**
 * A C struct declared once in TypeScript: its layout (natural C alignment, little-endian), a codec
 * for its values, and the metadata `emitCHeader` needs. `T` is the decoded value type.
 */
export interface StructLayout<T> {
  readonly kind: 'struct';
  /** The C name of the struct (also its typedef name). */
  readonly name: string;
  /** `sizeof` the struct, a multiple of `align`. */
  readonly size: number;
  /** `alignof` the struct. */
  readonly align: number;
  /** Documentation, emitted as a comment above the struct in the C header. */
  readonly doc: string | undefined;
  /** Every declared field (padding fields included), in declaration order. */
  readonly fields: readonly LayoutField[];
  /** Byte offset of a field. Throws `LAYOUT_UNKNOWN_FIELD` for a name the struct does not declare. */
  offsetOf(name: keyof T & string): number;
  /** Encodes a value into a fresh zeroed buffer of `size` bytes; missing fields encode as zero. */
  encode(value: StructInput<T>): Uint8Array;
  /** Encodes a value at `offset` of `target`, zeroing the struct's bytes first (padding included). */
  encodeInto(value: StructInput<T>, target: Uint8Array | DataView, offset?: number): void;
  /**
   * Encodes a value at `offset` of `target` whose struct bytes are already zero (a freshly
   * allocated buffer), writing straight into them: no zeroing, no copy through scratch bytes (pass
   * a DataView to spare one more object). Unlike {@link StructLayout.encodeInto}, a value that
   * fails validation may leave those bytes partly written: for buffers discarded on failure.
   */
  encodeIntoZeroed(value: StructInput<T>, target: Uint8Array | DataView, offset?: number): void;
  /** Decodes a struct found at `offset` of `bytes`. */
  decode(bytes: Uint8Array | DataView, offset?: number): T;
  /** Decodes one field of a struct found at `baseOffset` of `bytes`. */
  readField<K extends keyof T & string>(bytes: Uint8Array | DataView, name: K, baseOffset?: number): T[K];
  /** Encodes one field of a struct found at `baseOffset` of `bytes`, touching only that field's bytes. */
  writeField<K extends keyof T & string>(
    bytes: Uint8Array | DataView,
    name: K,
    value: FieldInput<T[K]>,
    baseOffset?: number,
  ): void;
}

/** The decoded value type of a {@link StructLayout}. */
export type InferStruct<S> = S extends StructLayout<infer T> ? T : never;
