/**
 * Tensor identity in `deps.json`: FNV-1a-64 over the 8 little-endian bytes of the buffer address,
 * then the 4 little-endian bytes of the version (offset basis 0xcbf29ce484222325, prime
 * 0x100000001b3), as the upstream runner's replay computes it.
 */
import { Fnv1a64 } from '@npurun/runner-base';

/** The tensor id of (`bufferAddr`, `version`). */
export function depsTensorId(bufferAddr: bigint, version: number): bigint {
  const bytes = new Uint8Array(12);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, BigInt.asUintN(64, bufferAddr), true);
  view.setInt32(8, version | 0, true);
  return new Fnv1a64().update(bytes).digest();
}
