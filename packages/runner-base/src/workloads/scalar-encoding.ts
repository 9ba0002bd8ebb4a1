/**
 * How float scalars travel as task arguments: every argument is 64 bits, so a float32 scalar is
 * passed as its IEEE-754 binary32 bit pattern in the low 32 bits, high 32 bits zero (the kernel
 * reinterprets the bits; converting the value to an integer would lose its fraction).
 */

const scratch = new DataView(new ArrayBuffer(4));

/**
 * The argument value carrying float32 `value` (rounded to float32 first).
 *
 * @example f32Bits(1) === 0x3f800000
 */
export function f32Bits(value: number): number {
  scratch.setFloat32(0, value, true);
  return scratch.getUint32(0, true);
}

/** The float32 carried by an argument value made with {@link f32Bits} (the high 32 bits are ignored). */
export function f32FromBits(bits: number | bigint): number {
  scratch.setUint32(0, Number(BigInt(bits) & 0xffffffffn), true);
  return scratch.getFloat32(0, true);
}
