/**
 * FNV-1a, 64-bit: the content hash that decides whether two callables can share one device copy.
 * Fast and dependency-free; not collision resistant, so equal hashes are confirmed by comparing
 * bytes before sharing.
 */

const OFFSET_BASIS = 0xcbf29ce484222325n;
const PRIME = 0x100000001b3n;
const MASK = (1n << 64n) - 1n;

/** An incremental FNV-1a 64 hasher. */
export class Fnv1a64 {
  // Two 32-bit halves: bigint arithmetic per byte would be ~50x slower.
  private hi = Number(OFFSET_BASIS >> 32n);
  private lo = Number(OFFSET_BASIS & 0xffffffffn);

  /** Feeds bytes. */
  update(bytes: Uint8Array): this {
    let hi = this.hi;
    let lo = this.lo;
    for (let i = 0; i < bytes.length; i++) {
      lo = (lo ^ bytes[i]!) >>> 0;
      // (hi:lo) * 0x100_000001b3 mod 2^64 = (hi:lo) * 0x1b3 + ((lo * 2^8) << 32)
      const loMul = lo * 0x1b3;
      const carry = Math.floor(loMul / 0x100000000);
      const newLo = loMul >>> 0;
      hi = (Math.imul(hi, 0x1b3) + carry + ((lo << 8) >>> 0)) >>> 0;
      lo = newLo;
    }
    this.hi = hi;
    this.lo = lo;
    return this;
  }

  /** Feeds a u32 (little-endian), for length prefixes. */
  updateU32(value: number): this {
    return this.update(new Uint8Array([value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff]));
  }

  /** Feeds a string as UTF-8. */
  updateString(value: string): this {
    const bytes = Buffer.from(value, 'utf8');
    return this.updateU32(bytes.length).update(bytes);
  }

  /** The hash so far. */
  digest(): bigint {
    return ((BigInt(this.hi) << 32n) | BigInt(this.lo)) & MASK;
  }
}

/** FNV-1a 64 of `bytes`. */
export function fnv1a64(bytes: Uint8Array): bigint {
  return new Fnv1a64().update(bytes).digest();
}
