// Encoding and decoding through struct layouts: every field kind round-trips, bytes land where C
// puts them, and every bad value is refused with a stable code.
import {
  LayoutError,
  array,
  f32,
  f64,
  i16,
  i32,
  i64,
  i8,
  pad,
  ptr,
  struct,
  u16,
  u32,
  u64,
  u8,
  type InferStruct,
} from '../src/layout';

function layoutError(fn: () => unknown): LayoutError {
  try {
    fn();
  } catch (error) {
    if (error instanceof LayoutError) return error;
    throw error;
  }
  throw new Error('expected a LayoutError, nothing was thrown');
}

const Scalars = struct('scalars', {
  a: u8,
  b: i8,
  c: u16,
  d: i16,
  e: u32,
  f: i32,
  g: u64,
  h: i64,
  i: f32,
  j: f64,
  k: ptr,
});

const Point = struct('point', { x: i32, y: i32, tag: u8 });
const Shape = struct('shape', {
  kind: u16,
  origin: Point,
  corners: array(Point, 3),
  _reserved: pad(2),
  matrix: array(array(f32, 3), 2),
  ids: array(u64, 2),
});

describe('natural C layout', () => {
  it('aligns each scalar to its size and rounds the struct up to its largest member', () => {
    const s = struct('mixed', { a: u8, b: u32, c: u16, d: u64, e: u8 });
    expect(s.fields.map((f) => f.offset)).toEqual([0, 4, 8, 16, 24]);
    expect(s.size).toBe(32);
    expect(s.align).toBe(8);
  });

  it('lays out nested structs and arrays of them by the nested alignment', () => {
    expect(Point.size).toBe(12);
    expect(Point.align).toBe(4);
    expect(Shape.offsetOf('origin')).toBe(4);
    expect(Shape.offsetOf('corners')).toBe(16);
    expect(Shape.fields.find((f) => f.name === '_reserved')?.offset).toBe(52);
    expect(Shape.offsetOf('matrix')).toBe(56);
    expect(Shape.offsetOf('ids')).toBe(80);
    expect(Shape.size).toBe(96);
  });

  it('honours a larger struct alignment', () => {
    const s = struct('line', { v: u32 }, { align: 64 });
    expect(s.align).toBe(64);
    expect(s.size).toBe(64);
  });
});

describe('round trips', () => {
  it('round-trips every scalar at its extremes', () => {
    const value: InferStruct<typeof Scalars> = {
      a: 255,
      b: -128,
      c: 65535,
      d: -32768,
      e: 0xffff_ffff,
      f: -0x8000_0000,
      g: 0xffff_ffff_ffff_ffffn,
      h: -0x8000_0000_0000_0000n,
      i: 1.5,
      j: Math.PI,
      k: 0xdead_beef_cafe_f00dn,
    };
    expect(Scalars.decode(Scalars.encode(value))).toEqual(value);
  });

  it('writes little-endian bytes at the field offsets', () => {
    const bytes = Scalars.encode({ e: 0x0102_0304, k: 0x0102_0304_0506_0708n, d: -2 });
    expect([...bytes.subarray(8, 12)]).toEqual([4, 3, 2, 1]);
    expect([...bytes.subarray(48, 56)]).toEqual([8, 7, 6, 5, 4, 3, 2, 1]);
    expect([...bytes.subarray(4, 6)]).toEqual([0xfe, 0xff]);
  });

  it('rounds f32 like C does', () => {
    const back = Scalars.decode(Scalars.encode({ i: 0.1 }));
    expect(back.i).toBe(Math.fround(0.1));
  });

  it('round-trips nested structs, arrays of structs and arrays of arrays', () => {
    const value: InferStruct<typeof Shape> = {
      kind: 3,
      origin: { x: -1, y: 2, tag: 9 },
      corners: [
        { x: 1, y: 2, tag: 3 },
        { x: -4, y: 5, tag: 6 },
        { x: 7, y: -8, tag: 255 },
      ],
      matrix: [
        [1, 2.5, -3],
        [0.25, 0, 1e10],
      ],
      ids: [1n, 0xffff_ffff_ffffn],
    };
    const bytes = Shape.encode(value);
    expect(bytes.length).toBe(Shape.size);
    expect(Shape.decode(bytes)).toEqual(value);
  });

  it('encodes missing fields (nested ones too) as zero and accepts numbers for 64-bit fields', () => {
    const decoded = Shape.decode(Shape.encode({ origin: { y: 5 }, ids: [7, 8n] }));
    expect(decoded.origin).toEqual({ x: 0, y: 5, tag: 0 });
    expect(decoded.corners).toEqual([
      { x: 0, y: 0, tag: 0 },
      { x: 0, y: 0, tag: 0 },
      { x: 0, y: 0, tag: 0 },
    ]);
    expect(decoded.ids).toEqual([7n, 8n]);
    expect(decoded.kind).toBe(0);
  });

  it('leaves padding out of decoded values', () => {
    expect(Object.keys(Shape.decode(new Uint8Array(Shape.size)))).toEqual(['kind', 'origin', 'corners', 'matrix', 'ids']);
  });

  it('accepts typed arrays for array fields', () => {
    const decoded = Shape.decode(Shape.encode({ matrix: [new Float32Array([1, 2, 3]), [4, 5, 6]] }));
    expect(decoded.matrix).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
  });
});

describe('encodeInto / decode at an offset', () => {
  it('writes the whole struct (padding zeroed) at an offset and nothing else', () => {
    const target = new Uint8Array(Shape.size + 20).fill(0xee);
    Shape.encodeInto({ kind: 1, origin: { x: 2, y: 3, tag: 4 } }, target, 8);
    expect([...target.subarray(0, 8)].every((b) => b === 0xee)).toBe(true);
    expect([...target.subarray(8 + Shape.size)].every((b) => b === 0xee)).toBe(true);
    // Implicit padding (bytes 2..3) and the explicit pad (52..53) are zero, not left at 0xee.
    expect([...target.subarray(8 + 2, 8 + 4)]).toEqual([0, 0]);
    expect([...target.subarray(8 + 52, 8 + 54)]).toEqual([0, 0]);
    expect(Shape.decode(target, 8).origin).toEqual({ x: 2, y: 3, tag: 4 });
  });

  it('works through DataViews and subarrays with a byte offset', () => {
    const backing = new ArrayBuffer(64);
    const view = new DataView(backing, 5, 40);
    Point.encodeInto({ x: -7, y: 7, tag: 1 }, view, 4);
    expect(Point.decode(new Uint8Array(backing, 9, 12))).toEqual({ x: -7, y: 7, tag: 1 });
    expect(Point.decode(view, 4)).toEqual({ x: -7, y: 7, tag: 1 });
  });

  it('leaves the target untouched when the value is invalid', () => {
    const target = new Uint8Array(Point.size).fill(0xab);
    expect(layoutError(() => Point.encodeInto({ x: 1, y: 2 ** 40 }, target)).code).toBe('LAYOUT_VALUE_RANGE');
    expect([...target].every((b) => b === 0xab)).toBe(true);
  });

  it('refuses reads and writes past the end of the buffer', () => {
    expect(layoutError(() => Point.decode(new Uint8Array(11))).code).toBe('LAYOUT_OUT_OF_BOUNDS');
    expect(layoutError(() => Point.decode(new Uint8Array(20), 9)).code).toBe('LAYOUT_OUT_OF_BOUNDS');
    expect(layoutError(() => Point.encodeInto({}, new Uint8Array(12), 1)).code).toBe('LAYOUT_OUT_OF_BOUNDS');
    expect(layoutError(() => Point.decode(new Uint8Array(20), -1)).code).toBe('LAYOUT_OUT_OF_BOUNDS');
    expect(layoutError(() => Point.decode(new Uint8Array(20), 1.5)).code).toBe('LAYOUT_OUT_OF_BOUNDS');
  });
});

describe('encodeIntoZeroed', () => {
  it('writes what encodeInto writes into zeroed bytes, at an offset of a DataView', () => {
    const value = { kind: 3, origin: { x: -2, y: 9, tag: 1 }, ids: [5n, 6n] };
    const backing = new ArrayBuffer(Shape.size + 24);
    Shape.encodeIntoZeroed(value, new DataView(backing, 4), 8);
    const expected = new Uint8Array(Shape.size + 24);
    Shape.encodeInto(value, expected, 12);
    expect([...new Uint8Array(backing)]).toEqual([...expected]);
  });

  it('checks the offset and the value like encodeInto', () => {
    expect(layoutError(() => Point.encodeIntoZeroed({}, new Uint8Array(12), 1)).code).toBe('LAYOUT_OUT_OF_BOUNDS');
    expect(layoutError(() => Point.encodeIntoZeroed({ x: 1, y: 2 ** 40 }, new Uint8Array(Point.size))).code).toBe('LAYOUT_VALUE_RANGE');
  });
});

describe('readField / writeField', () => {
  it('writes only the bytes of the named field', () => {
    const bytes = new Uint8Array(Shape.size + 8).fill(0x5a);
    const before = Uint8Array.from(bytes);
    Shape.writeField(bytes, 'ids', [0x0102_0304_0506_0708n, 2], 8);
    const start = 8 + Shape.offsetOf('ids');
    bytes.forEach((b, i) => {
      if (i < start || i >= start + 16) expect(b).toBe(before[i]);
    });
    expect(Shape.readField(bytes, 'ids', 8)).toEqual([0x0102_0304_0506_0708n, 2n]);
    // A neighbour decodes as the untouched filler.
    expect(Shape.readField(bytes, 'kind', 8)).toBe(0x5a5a);
  });

  it('writes and reads nested struct and scalar fields', () => {
    const bytes = Shape.encode({ kind: 4 });
    Shape.writeField(bytes, 'origin', { x: 10, y: 20, tag: 30 });
    Shape.writeField(bytes, 'kind', 9);
    expect(Shape.readField(bytes, 'origin')).toEqual({ x: 10, y: 20, tag: 30 });
    expect(Shape.decode(bytes).kind).toBe(9);
  });

  it('needs only the field itself to be inside the buffer', () => {
    const bytes = new Uint8Array(8);
    Point.writeField(bytes, 'y', -3);
    expect(Point.readField(bytes, 'y')).toBe(-3);
    expect(layoutError(() => Point.readField(bytes, 'tag')).code).toBe('LAYOUT_OUT_OF_BOUNDS');
  });

  it('sees the whole of a byte array that grew since its last field access (resizable buffer)', () => {
    type Resizable = ArrayBuffer & { resize(length: number): void };
    const buffer = new (ArrayBuffer as unknown as new (length: number, options: { maxByteLength: number }) => Resizable)(8, { maxByteLength: 16 });
    const bytes = new Uint8Array(buffer); // tracks the buffer's length
    Point.writeField(bytes, 'y', -3);
    expect(layoutError(() => Point.writeField(bytes, 'tag', 7)).code).toBe('LAYOUT_OUT_OF_BOUNDS');
    buffer.resize(16);
    Point.writeField(bytes, 'tag', 7);
    expect(Point.readField(bytes, 'tag')).toBe(7);
    expect(Point.readField(bytes, 'y')).toBe(-3);
  });

  it('refuses names that are not value fields', () => {
    const bytes = new Uint8Array(Shape.size);
    expect(layoutError(() => Shape.readField(bytes, 'nope' as 'kind')).code).toBe('LAYOUT_UNKNOWN_FIELD');
    expect(layoutError(() => Shape.writeField(bytes, '_reserved' as 'kind', 1)).code).toBe('LAYOUT_UNKNOWN_FIELD');
    expect(layoutError(() => Shape.offsetOf('nope' as 'kind')).code).toBe('LAYOUT_UNKNOWN_FIELD');
  });
});

describe('value validation', () => {
  const cases: [string, () => unknown, string, string][] = [
    ['2^32 for u32', () => Scalars.encode({ e: 2 ** 32 }), 'LAYOUT_VALUE_RANGE', 'e'],
    ['a negative for u8', () => Scalars.encode({ a: -1 }), 'LAYOUT_VALUE_RANGE', 'a'],
    ['128 for i8', () => Scalars.encode({ b: 128 }), 'LAYOUT_VALUE_RANGE', 'b'],
    ['a non-integer for u16', () => Scalars.encode({ c: 1.5 }), 'LAYOUT_VALUE_RANGE', 'c'],
    ['NaN for i32', () => Scalars.encode({ f: NaN }), 'LAYOUT_VALUE_RANGE', 'f'],
    ['2^64 for u64', () => Scalars.encode({ g: 2n ** 64n }), 'LAYOUT_VALUE_RANGE', 'g'],
    ['a negative bigint for ptr', () => Scalars.encode({ k: -1n }), 'LAYOUT_VALUE_RANGE', 'k'],
    ['2^63 for i64', () => Scalars.encode({ h: 2n ** 63n }), 'LAYOUT_VALUE_RANGE', 'h'],
    ['an unsafe number for u64', () => Scalars.encode({ g: 2 ** 60 }), 'LAYOUT_VALUE_RANGE', 'g'],
    ['a non-integer for ptr', () => Scalars.encode({ k: 0.5 }), 'LAYOUT_VALUE_RANGE', 'k'],
    ['1e39 for f32', () => Scalars.encode({ i: 1e39 }), 'LAYOUT_VALUE_RANGE', 'i'],
    ['a bigint for u32', () => Scalars.encode({ e: 1n as unknown as number }), 'LAYOUT_VALUE_TYPE', 'e'],
    ['a string for f64', () => Scalars.encode({ j: '1' as unknown as number }), 'LAYOUT_VALUE_TYPE', 'j'],
    ['a string for u64', () => Scalars.encode({ g: '1' as unknown as bigint }), 'LAYOUT_VALUE_TYPE', 'g'],
    ['a number for a struct', () => Shape.encode({ origin: 1 as unknown as { x: number } }), 'LAYOUT_VALUE_TYPE', 'origin'],
    ['an array for a struct', () => Shape.encode({ origin: [] as unknown as { x: number } }), 'LAYOUT_VALUE_TYPE', 'origin'],
    ['a scalar for an array', () => Shape.encode({ ids: 3 as unknown as bigint[] }), 'LAYOUT_VALUE_TYPE', 'ids'],
    ['a short array', () => Shape.encode({ ids: [1n] }), 'LAYOUT_ARRAY_LENGTH', 'ids'],
    ['a long array', () => Shape.encode({ corners: [{}, {}, {}, {}] }), 'LAYOUT_ARRAY_LENGTH', 'corners'],
    ['a bad value deep inside', () => Shape.encode({ corners: [{}, { tag: 256 }, {}] }), 'LAYOUT_VALUE_RANGE', 'corners[1].tag'],
    ['a bad matrix cell', () => Shape.encode({ matrix: [[0, 0, 0], [0, 0, 1e40]] }), 'LAYOUT_VALUE_RANGE', 'matrix[1][2]'],
    ['an unknown key', () => Point.encode({ z: 1 } as unknown as { x: number }), 'LAYOUT_UNKNOWN_FIELD', 'z'],
    ['a padding key', () => Shape.encode({ _reserved: 1 } as unknown as { kind: number }), 'LAYOUT_UNKNOWN_FIELD', '_reserved'],
    ['an unknown nested key', () => Shape.encode({ origin: { w: 1 } as unknown as { x: number } }), 'LAYOUT_UNKNOWN_FIELD', 'origin.w'],
  ];

  it.each(cases)('refuses %s', (_what, fn, code, field) => {
    const error = layoutError(fn);
    expect(error.code).toBe(code);
    expect(error.field).toBe(field);
    expect(error.message).toContain(`${error.struct ?? ''}.${field}`);
  });

  it('names the outermost struct and the range in the message', () => {
    const error = layoutError(() => Scalars.encode({ e: 2 ** 32 }));
    expect(error.struct).toBe('scalars');
    expect(error.message).toBe('scalars.e: 4294967296 is out of range for u32 [0, 4294967295]');
  });

  it('accepts NaN and infinities for floats (they have f32/f64 encodings)', () => {
    const back = Scalars.decode(Scalars.encode({ i: Infinity, j: NaN }));
    expect(back.i).toBe(Infinity);
    expect(back.j).toBeNaN();
  });
});
