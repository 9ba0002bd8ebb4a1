/**
 * Element types of dumped tensors: their names in the dump manifest, sizes, the typed array a reader
 * gets, and the numpy type an `.npy` file declares. Half-precision types have no JS typed array: a
 * reader gets their values widened to `Float32Array` (exact), and `.npy` keeps FLOAT16 as numpy's
 * `<f2` and writes BFLOAT16 widened to `<f4` (numpy has no bfloat16).
 */

/** A typed array holding a tensor's elements. */
export type TensorArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/** What is known about one element type. */
export interface DtypeInfo {
  /** Upper-case manifest name. */
  readonly name: string;
  /** Bytes per element in the dump. */
  readonly bytes: number;
  /** numpy `descr` of the `.npy` written for it. */
  readonly npy: string;
  /** Decodes little-endian payload bytes (whole elements only). */
  readonly decode: (bytes: Uint8Array) => TensorArray;
}

function copy(bytes: Uint8Array, size: number): ArrayBuffer {
  // A copy: payloads sit at arbitrary offsets of the .bin, typed arrays need aligned buffers.
  const n = Math.floor(bytes.byteLength / size) * size;
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + n) as ArrayBuffer;
}

/** IEEE half → number. */
export function halfToNumber(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f === 0 ? s * Infinity : NaN;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

function widen16(bytes: Uint8Array, bf16: boolean): Float32Array {
  const raw = new Uint16Array(copy(bytes, 2));
  const out = new Float32Array(raw.length);
  if (bf16) {
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < raw.length; i++) bits[i] = raw[i]! << 16;
  } else {
    for (let i = 0; i < raw.length; i++) out[i] = halfToNumber(raw[i]!);
  }
  return out;
}

const TABLE: readonly DtypeInfo[] = [
  { name: 'FLOAT32', bytes: 4, npy: '<f4', decode: (b) => new Float32Array(copy(b, 4)) },
  { name: 'FLOAT16', bytes: 2, npy: '<f2', decode: (b) => widen16(b, false) },
  { name: 'INT32', bytes: 4, npy: '<i4', decode: (b) => new Int32Array(copy(b, 4)) },
  { name: 'INT16', bytes: 2, npy: '<i2', decode: (b) => new Int16Array(copy(b, 2)) },
  { name: 'INT8', bytes: 1, npy: '|i1', decode: (b) => new Int8Array(copy(b, 1)) },
  { name: 'UINT8', bytes: 1, npy: '|u1', decode: (b) => new Uint8Array(copy(b, 1)) },
  { name: 'BFLOAT16', bytes: 2, npy: '<f4', decode: (b) => widen16(b, true) },
  { name: 'INT64', bytes: 8, npy: '<i8', decode: (b) => new BigInt64Array(copy(b, 8)) },
  { name: 'UINT64', bytes: 8, npy: '<u8', decode: (b) => new BigUint64Array(copy(b, 8)) },
  { name: 'UINT16', bytes: 2, npy: '<u2', decode: (b) => new Uint16Array(copy(b, 2)) },
  { name: 'UINT32', bytes: 4, npy: '<u4', decode: (b) => new Uint32Array(copy(b, 4)) },
  { name: 'BOOL', bytes: 1, npy: '|b1', decode: (b) => new Uint8Array(copy(b, 1)) },
];

const BY_NAME = new Map(TABLE.map((d) => [d.name, d]));

/** The element type named `name` (any case), or `undefined` for an unknown name. */
export function dtypeInfo(name: string): DtypeInfo | undefined {
  return BY_NAME.get(name.toUpperCase());
}
