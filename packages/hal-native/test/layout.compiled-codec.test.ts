// The compiled codec's fast paths must agree with the full rules: bulk byte copies, 64-bit fields
// from numbers without BigInt, the f32 edge, direct scalar writes, and the reused encode scratch.
import { LayoutError, array, f32, ptr, struct, u16, u32, u64, u8 } from '../src/layout';

function layoutError(fn: () => unknown): LayoutError {
  try {
    fn();
  } catch (error) {
    if (error instanceof LayoutError) return error;
    throw error;
  }
  throw new Error('expected a LayoutError, nothing was thrown');
}

const Entry = struct('entry', { addr: ptr, size: u64, name: array(u8, 8), lanes: array(u16, 4) });
const Pair = struct('pair', { a: u32, b: u32 });
const Holder = struct('holder', { head: u32, items: array(Pair, 2) });

describe('byte arrays', () => {
  it('copies a Uint8Array into a u8 array field as is', () => {
    const name = Uint8Array.from([104, 105, 0, 0, 0, 0, 0, 255]);
    const bytes = Entry.encode({ name });
    expect(Array.from(bytes.subarray(Entry.offsetOf('name'), Entry.offsetOf('name') + 8))).toEqual(Array.from(name));
    expect(Entry.decode(bytes).name).toEqual(Array.from(name));
  });

  it('copies from a subarray view (non-zero byteOffset) and a Buffer', () => {
    const backing = Uint8Array.from({ length: 20 }, (_, i) => i);
    expect(Entry.decode(Entry.encode({ name: backing.subarray(5, 13) })).name).toEqual([5, 6, 7, 8, 9, 10, 11, 12]);
    expect(Entry.decode(Entry.encode({ name: Buffer.from('abcdefgh') })).name).toEqual(Array.from(Buffer.from('abcdefgh')));
  });

  it('still checks the length of a Uint8Array', () => {
    const error = layoutError(() => Entry.encode({ name: new Uint8Array(7) }));
    expect(error.code).toBe('LAYOUT_ARRAY_LENGTH');
    expect(error.field).toBe('name');
  });

  it('checks each element of typed arrays for wider element types', () => {
    expect(Entry.decode(Entry.encode({ lanes: Uint8Array.from([1, 2, 3, 250]) })).lanes).toEqual([1, 2, 3, 250]);
    const error = layoutError(() => Entry.encode({ lanes: Float64Array.from([1, 2, 70000, 4]) }));
    expect(error.code).toBe('LAYOUT_VALUE_RANGE');
    expect(error.field).toBe('lanes[2]');
  });
});

describe('64-bit fields from numbers', () => {
  it.each([0, 1, 0xffff_ffff, 0x1_0000_0000, 2 ** 40 + 7, Number.MAX_SAFE_INTEGER])('encodes %p exactly', (n) => {
    expect(Entry.decode(Entry.encode({ addr: n, size: n })).size).toBe(BigInt(n));
    expect(Entry.decode(Entry.encode({ addr: n })).addr).toBe(BigInt(n));
  });

  it('refuses a negative number with the range in the message', () => {
    const error = layoutError(() => Entry.encode({ size: -1 }));
    expect(error.code).toBe('LAYOUT_VALUE_RANGE');
    expect(error.message).toBe('entry.size: -1 is out of range for u64 [0, 18446744073709551615]');
  });
});

describe('f32 at the edge of its range', () => {
  const F = struct('f', { v: f32 });
  it('accepts a finite value that rounds down to the largest f32', () => {
    const v = 3.4028235e38; // above the largest f32 (3.4028234663852886e38), but rounds to it
    expect(F.decode(F.encode({ v })).v).toBe(Math.fround(v));
  });

  it('refuses one that would round to infinity', () => {
    expect(layoutError(() => F.encode({ v: 3.5e38 })).code).toBe('LAYOUT_VALUE_RANGE');
  });
});

describe('writeField', () => {
  it('leaves the bytes untouched when a scalar value is refused', () => {
    const bytes = new Uint8Array(Pair.size).fill(0x77);
    expect(layoutError(() => Pair.writeField(bytes, 'b', -1)).code).toBe('LAYOUT_VALUE_RANGE');
    expect(Array.from(bytes).every((b) => b === 0x77)).toBe(true);
  });

  it('leaves the bytes untouched when an array of structs fails part way', () => {
    const bytes = new Uint8Array(Holder.size).fill(0x77);
    const error = layoutError(() => Holder.writeField(bytes, 'items', [{ a: 1, b: 2 }, { a: 2 ** 33 }]));
    expect(error.field).toBe('items[1].a');
    expect(error.struct).toBe('holder');
    expect(Array.from(bytes).every((b) => b === 0x77)).toBe(true);
  });

  it('zeroes the field for undefined', () => {
    const bytes = new Uint8Array(Pair.size).fill(0x77);
    Pair.writeField(bytes, 'a', undefined as unknown as number);
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0, 0, 0, 0]);
    expect(Array.from(bytes.subarray(4))).toEqual([0x77, 0x77, 0x77, 0x77]);
  });
});

describe('encodeInto', () => {
  it('leaves nothing of a refused value behind for the next encode', () => {
    const target = new Uint8Array(Holder.size);
    expect(() => Holder.encodeInto({ head: 9, items: [{ a: 5, b: 6 }, { a: -1 }] }, target)).toThrow(LayoutError);
    Holder.encodeInto({ items: [{}, { b: 3 }] }, target);
    expect(Holder.decode(target)).toEqual({ head: 0, items: [{ a: 0, b: 0 }, { a: 0, b: 3 }] });
  });

  it('is correct when encoding a value encodes the same layout again', () => {
    const inner = new Uint8Array(Pair.size);
    const value = {
      a: 1,
      get b(): number {
        Pair.encodeInto({ a: 40, b: 41 }, inner); // re-entered while the outer encode is running
        return 2;
      },
    };
    const outer = new Uint8Array(Pair.size);
    Pair.encodeInto(value, outer);
    expect(Pair.decode(outer)).toEqual({ a: 1, b: 2 });
    expect(Pair.decode(inner)).toEqual({ a: 40, b: 41 });
  });

  it('lets other errors (a throwing getter) through unchanged', () => {
    const boom = new Error('boom');
    const value = {
      get a(): number {
        throw boom;
      },
    };
    expect(() => Pair.encodeInto(value, new Uint8Array(Pair.size))).toThrow(boom);
    // The scratch was released: the next encode works.
    const target = new Uint8Array(Pair.size);
    Pair.encodeInto({ a: 3 }, target);
    expect(Pair.decode(target).a).toBe(3);
  });
});
