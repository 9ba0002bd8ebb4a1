/**
 * `struct()`: lays out a C struct from an ordered field declaration with natural C alignment,
 * checks the declaration once, and returns its codec.
 */
import { cIdentifierProblem, snakeCase } from './c-names';
import { compileDecoder, type Decoder } from './decoder';
import { toLayoutError, withSegment } from './encode-failure';
import { compileEncoder, type Encoder } from './encoder';
import { LayoutError, LayoutErrorCode } from './errors';
import { describeFieldType, isFieldType } from './field-type-guard';
import type { FieldInput, FieldSpec, FieldType, LayoutField, StructInput, StructLayout, StructValue } from './types';

/** Options of {@link struct}. */
export interface StructOptions {
  /** Minimum alignment of the struct (a power of two, at least the largest member alignment). */
  readonly align?: number;
  /** The size the struct must have; the declaration throws `LAYOUT_SIZE_MISMATCH` if it differs. */
  readonly size?: number;
  /** Documentation, emitted as a comment above the struct in the C header. */
  readonly doc?: string;
}

function alignUp(value: number, align: number): number {
  return Math.ceil(value / align) * align;
}

function isPowerOfTwo(value: number): boolean {
  return Number.isSafeInteger(value) && value > 0 && (value & (value - 1)) === 0;
}

interface ParsedSpec {
  readonly type: FieldType;
  readonly offset: number | undefined;
  readonly cName: string | undefined;
  readonly doc: string | undefined;
}

function parseSpec(structName: string, key: string, spec: unknown): ParsedSpec {
  const invalid = (message: string): never => {
    throw new LayoutError(LayoutErrorCode.Invalid, message, { struct: structName, field: key });
  };
  if (isFieldType(spec)) return { type: spec, offset: undefined, cName: undefined, doc: undefined };
  if (typeof spec !== 'object' || spec === null || !('type' in spec)) {
    return invalid(`expects a field type or { type, offset?, cName?, doc? }, got ${describeFieldType(spec)}`);
  }
  const { type, offset, cName, doc } = spec as Record<string, unknown>;
  if (!isFieldType(type)) return invalid(`type is not a field type (got ${describeFieldType(type)})`);
  if (offset !== undefined && (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0)) {
    return invalid(`asserted offset must be a non-negative integer (got ${String(offset)})`);
  }
  if (cName !== undefined && typeof cName !== 'string') return invalid('cName must be a string');
  if (doc !== undefined && typeof doc !== 'string') return invalid('doc must be a string');
  return { type, offset, cName, doc };
}

// One DataView per byte array, made on its first field access: a struct is usually written field by
// field, and a DataView per access costs more than the write. Weak, so it never keeps bytes alive.
// Made again if the array's extent changed since (a view of a resizable buffer tracks its length).
const views = new WeakMap<ArrayBufferView, DataView>();

function viewOf(bytes: unknown, structName: string): DataView {
  if (bytes instanceof DataView) return bytes;
  if (ArrayBuffer.isView(bytes)) {
    let view = views.get(bytes);
    if (view === undefined || view.byteLength !== bytes.byteLength || view.byteOffset !== bytes.byteOffset) {
      view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      views.set(bytes, view);
    }
    return view;
  }
  throw new LayoutError(LayoutErrorCode.ValueType, 'expects a Uint8Array or a DataView', { struct: structName });
}

function checkRange(view: DataView, offset: unknown, size: number, structName: string, field?: string): number {
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
    throw new LayoutError(LayoutErrorCode.OutOfBounds, `offset must be a non-negative integer (got ${String(offset)})`, {
      struct: structName,
      field,
    });
  }
  if (offset + size > view.byteLength) {
    throw new LayoutError(
      LayoutErrorCode.OutOfBounds,
      `${size} bytes at offset ${offset} run past the end of a ${view.byteLength}-byte buffer`,
      { struct: structName, field },
    );
  }
  return offset;
}

/** What a struct method needs of one field, resolved once at declaration. */
interface FieldPlan {
  readonly field: LayoutField;
  readonly encode: Encoder;
  readonly decode: Decoder;
  // A scalar encoder validates before its single write, so it may write straight into the
  // caller's bytes; arrays and structs write piecewise and go through scratch bytes instead.
  readonly direct: boolean;
}

/** Reusable zeroed bytes for encodeInto, so a valid encode allocates nothing. */
interface Scratch {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  busy: boolean;
}

class DeclaredStruct<T> implements StructLayout<T> {
  readonly kind = 'struct' as const;
  readonly fields: readonly LayoutField[];
  private readonly byName: ReadonlyMap<string, FieldPlan>;
  private readonly encoder: Encoder;
  private readonly decoder: Decoder;
  private readonly scratch: Scratch;

  constructor(
    readonly name: string,
    readonly size: number,
    readonly align: number,
    readonly doc: string | undefined,
    fields: readonly LayoutField[],
  ) {
    this.fields = fields;
    this.byName = new Map(
      fields.map((f) => [
        f.name,
        { field: f, encode: compileEncoder(f.type), decode: compileDecoder(f.type), direct: f.type.kind === 'scalar' },
      ]),
    );
    this.encoder = compileEncoder(this);
    this.decoder = compileDecoder(this);
    const bytes = new Uint8Array(size);
    this.scratch = { bytes, view: new DataView(bytes.buffer), busy: false };
    Object.freeze(this);
  }

  private field(name: unknown, valueOnly: boolean): FieldPlan {
    const plan = typeof name === 'string' ? this.byName.get(name) : undefined;
    if (plan === undefined || (valueOnly && plan.field.type.kind === 'padding')) {
      throw new LayoutError(
        LayoutErrorCode.UnknownField,
        `struct ${this.name} has no ${valueOnly ? 'value ' : ''}field ${JSON.stringify(String(name))}`,
        { struct: this.name },
      );
    }
    return plan;
  }

  offsetOf(name: keyof T & string): number {
    return this.field(name, false).field.offset;
  }

  encode(value: StructInput<T>): Uint8Array {
    const out = new Uint8Array(this.size);
    this.encodeZeroed(new DataView(out.buffer), 0, value);
    return out;
  }

  encodeInto(value: StructInput<T>, target: Uint8Array | DataView, offset = 0): void {
    const view = viewOf(target, this.name);
    const at = checkRange(view, offset, this.size, this.name);
    const dst = new Uint8Array(view.buffer, view.byteOffset + at, this.size);
    // Encode aside and copy, so a value that fails validation leaves the target untouched. The
    // scratch is taken only when free: a getter in the value may itself encode this layout.
    const scratch = this.scratch;
    if (scratch.busy) {
      dst.set(this.encode(value));
      return;
    }
    scratch.busy = true;
    try {
      scratch.bytes.fill(0);
      this.encodeZeroed(scratch.view, 0, value);
      dst.set(scratch.bytes);
    } finally {
      scratch.busy = false;
    }
  }

  encodeIntoZeroed(value: StructInput<T>, target: Uint8Array | DataView, offset = 0): void {
    const view = viewOf(target, this.name);
    this.encodeZeroed(view, checkRange(view, offset, this.size, this.name), value);
  }

  decode(bytes: Uint8Array | DataView, offset = 0): T {
    const view = viewOf(bytes, this.name);
    const at = checkRange(view, offset, this.size, this.name);
    return this.decoder(view, at) as T;
  }

  readField<K extends keyof T & string>(bytes: Uint8Array | DataView, name: K, baseOffset = 0): T[K] {
    const { field, decode } = this.field(name, true);
    const view = viewOf(bytes, this.name);
    const base = checkRange(view, baseOffset, 0, this.name, field.name);
    checkRange(view, base + field.offset, field.size, this.name, field.name);
    return decode(view, base + field.offset) as T[K];
  }

  writeField<K extends keyof T & string>(
    bytes: Uint8Array | DataView,
    name: K,
    value: FieldInput<T[K]>,
    baseOffset = 0,
  ): void {
    const plan = this.field(name, true);
    const { field } = plan;
    const view = viewOf(bytes, this.name);
    const base = checkRange(view, baseOffset, 0, this.name, field.name);
    const at = checkRange(view, base + field.offset, field.size, this.name, field.name);
    if (value !== undefined && plan.direct) {
      // Encoders write into zeroed bytes; a scalar's single write covers all of them.
      this.encodeField(plan, view, at, value);
      return;
    }
    const scratch = new Uint8Array(field.size);
    if (value !== undefined) this.encodeField(plan, new DataView(scratch.buffer), 0, value);
    new Uint8Array(view.buffer, view.byteOffset + at, field.size).set(scratch);
  }

  private encodeZeroed(view: DataView, offset: number, value: unknown): void {
    try {
      this.encoder(view, offset, value);
    } catch (error) {
      throw toLayoutError(error, this.name);
    }
  }

  private encodeField(plan: FieldPlan, view: DataView, offset: number, value: unknown): void {
    try {
      plan.encode(view, offset, value);
    } catch (error) {
      throw toLayoutError(withSegment(error, plan.field.name), this.name);
    }
  }
}

/**
 * Declares a C struct. Fields are laid out in key order with natural C alignment (each member at
 * the next multiple of its alignment, the struct aligned to its largest member and its size
 * rounded up to that); C member names are the snake_case of the keys unless `cName` is given.
 * Nested struct layouts and arrays of them are valid field types.
 *
 * @param cName - The C struct and typedef name.
 * @param fields - Field declarations, in layout order.
 * @param options - Alignment, asserted size, documentation.
 * @throws LayoutError at definition: `LAYOUT_INVALID` (bad names, empty struct, bad field type or
 *   alignment), `LAYOUT_DUPLICATE_NAME`, `LAYOUT_OFFSET_MISMATCH`, `LAYOUT_SIZE_MISMATCH`.
 *
 * @example
 * ```ts
 * const Ring = struct('ring_desc', { base: ptr, capacity: u32, head: u32 }, { size: 16 });
 * Ring.encode({ base: 0x1000n, capacity: 64 }); // 16 bytes, head = 0
 * ```
 */
export function struct<F extends Record<string, FieldSpec>>(
  cName: string,
  fields: F,
  options: StructOptions = {},
): StructLayout<StructValue<F>> {
  const nameProblem = typeof cName === 'string' ? cIdentifierProblem(cName) : 'is not a string';
  if (nameProblem !== undefined) {
    throw new LayoutError(LayoutErrorCode.Invalid, `struct name ${JSON.stringify(String(cName))} ${nameProblem}`);
  }
  if (typeof fields !== 'object' || fields === null) {
    throw new LayoutError(LayoutErrorCode.Invalid, 'fields must be an object of field declarations', { struct: cName });
  }
  const keys = Object.keys(fields);
  if (keys.length === 0) {
    // An empty struct is an extension in C and has size 1 in C++: no portable layout exists.
    throw new LayoutError(LayoutErrorCode.Invalid, 'a struct needs at least one field', { struct: cName });
  }

  const laidOut: LayoutField[] = [];
  const cNames = new Map<string, string>();
  let cursor = 0;
  let align = 1;
  for (const key of keys) {
    if (key === '__proto__') {
      throw new LayoutError(LayoutErrorCode.Invalid, 'field name "__proto__" cannot round-trip through an object', {
        struct: cName,
        field: key,
      });
    }
    const spec = parseSpec(cName, key, fields[key]);
    const memberName = spec.cName ?? snakeCase(key);
    const problem = cIdentifierProblem(memberName);
    if (problem !== undefined) {
      throw new LayoutError(LayoutErrorCode.Invalid, `C member name ${JSON.stringify(memberName)} ${problem}`, {
        struct: cName,
        field: key,
      });
    }
    const clash = cNames.get(memberName);
    if (clash !== undefined) {
      throw new LayoutError(
        LayoutErrorCode.DuplicateName,
        `C member name ${JSON.stringify(memberName)} is also the C name of field ${JSON.stringify(clash)}`,
        { struct: cName, field: key },
      );
    }
    cNames.set(memberName, key);

    const natural = alignUp(cursor, spec.type.align);
    if (spec.offset !== undefined && spec.offset !== natural) {
      const why =
        spec.offset < cursor
          ? `goes backwards: the previous field ends at ${cursor}`
          : `differs from the natural offset ${natural}` +
            (spec.offset > natural && spec.offset % spec.type.align === 0
              ? ` (declare pad(${spec.offset - cursor}) before it)`
              : '');
      throw new LayoutError(LayoutErrorCode.OffsetMismatch, `asserted offset ${spec.offset} ${why}`, {
        struct: cName,
        field: key,
      });
    }
    const field: LayoutField = {
      name: key,
      cName: memberName,
      offset: natural,
      size: spec.type.size,
      type: spec.type,
      ...(spec.doc !== undefined ? { doc: spec.doc } : {}),
    };
    laidOut.push(Object.freeze(field));
    cursor = natural + spec.type.size;
    align = Math.max(align, spec.type.align);
  }

  if (options.align !== undefined) {
    if (!isPowerOfTwo(options.align)) {
      throw new LayoutError(LayoutErrorCode.Invalid, `align must be a power of two (got ${String(options.align)})`, {
        struct: cName,
      });
    }
    if (options.align < align) {
      throw new LayoutError(
        LayoutErrorCode.Invalid,
        `align ${options.align} is below the largest member alignment ${align}; packed structs are not supported`,
        { struct: cName },
      );
    }
    align = options.align;
  }
  const size = alignUp(cursor, align);
  if (options.size !== undefined && options.size !== size) {
    throw new LayoutError(
      LayoutErrorCode.SizeMismatch,
      `asserted size ${String(options.size)} differs from the natural size ${size}`,
      { struct: cName },
    );
  }
  if (options.doc !== undefined && typeof options.doc !== 'string') {
    throw new LayoutError(LayoutErrorCode.Invalid, 'doc must be a string', { struct: cName });
  }
  return new DeclaredStruct<StructValue<F>>(cName, size, align, options.doc, Object.freeze(laidOut));
}
