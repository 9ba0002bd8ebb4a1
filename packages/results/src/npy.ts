/**
 * The `.npy` format (numpy's, version 1.0): magic, a header dict padded so the data starts on a
 * 64-byte boundary, then the elements, C order. Pure: array in, bytes out.
 */
import type { TensorArray } from './dtype';
import { ResultsError, ResultsErrorCode } from './errors';

/** Encodes `data` with numpy type `descr` (e.g. `<f4`) and `shape` (its product must be `data.length`). */
export function encodeNpy(data: TensorArray, descr: string, shape: readonly number[]): Uint8Array {
  const numel = shape.reduce((a, b) => a * b, 1);
  if (numel !== data.length) {
    throw new ResultsError(ResultsErrorCode.InvalidArgument, `encodeNpy: shape [${shape.join(', ')}] has ${numel} elements, the data ${data.length}`);
  }
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const prefix = 10; // magic (6) + version (2) + header length (2)
  const total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
  const header = dict.padEnd(total - prefix - 1, ' ') + '\n';
  const out = new Uint8Array(total + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0); // \x93NUMPY v1.0
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[prefix + i] = header.charCodeAt(i);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), total);
  return out;
}

/** What {@link decodeNpy} finds in a file. */
export interface NpyArray {
  /** numpy type. */
  descr: string;
  /** Shape. */
  shape: number[];
  /** The element bytes. */
  data: Uint8Array;
}

/**
 * Reads a version 1.0 `.npy` file written by {@link encodeNpy} (C order).
 *
 * @throws ResultsError `RESULTS_INVALID_ARGUMENT` for anything else
 */
export function decodeNpy(bytes: Uint8Array): NpyArray {
  const bad = (why: string): never => {
    throw new ResultsError(ResultsErrorCode.InvalidArgument, `decodeNpy: ${why}`);
  };
  if (bytes.byteLength < 10 || bytes[0] !== 0x93 || String.fromCharCode(...bytes.subarray(1, 6)) !== 'NUMPY') bad('not an .npy file');
  const len = new DataView(bytes.buffer, bytes.byteOffset).getUint16(8, true);
  const header = String.fromCharCode(...bytes.subarray(10, 10 + len));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1] ?? bad('no descr');
  if (!/'fortran_order':\s*False/.test(header)) bad('only C order is read');
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? bad('no shape');
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  return { descr, shape, data: bytes.subarray(10 + len) };
}
