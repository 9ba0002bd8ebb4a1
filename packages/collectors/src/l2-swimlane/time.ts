/** Device cycles to the exports' microseconds. */

/**
 * Microseconds from `base` to `t` on a `hz` clock; 0 for an unrecorded (zero) timestamp, and never
 * negative.
 */
export function relativeMicros(t: bigint, base: bigint, hz: number): number {
  if (t === 0n || t <= base) return 0;
  return (Number(t - base) * 1e6) / hz;
}

/** Fixed three decimals, as the upstream runner prints every `*_us` field. */
export function us3(value: number): string {
  return value.toFixed(3);
}

/**
 * {@link relativeMicros} of the little-endian u64 at byte `at` of `view`, from the base's two
 * 32-bit halves, without bigints. The difference is formed in one rounding, so the result is the
 * same double `relativeMicros` gives.
 */
export function relativeMicrosAt(view: DataView, at: number, baseLow: number, baseHigh: number, hz: number): number {
  const low = view.getUint32(at, true);
  const high = view.getUint32(at + 4, true);
  if ((low === 0 && high === 0) || high < baseHigh || (high === baseHigh && low <= baseLow)) return 0;
  return (((high - baseHigh) * 4294967296 + (low - baseLow)) * 1e6) / hz;
}

/** The two 32-bit halves of a u64 time base, for {@link relativeMicrosAt}. */
export function timeBaseWords(base: bigint): { low: number; high: number } {
  return { low: Number(base & 0xffffffffn), high: Number((base >> 32n) & 0xffffffffn) };
}
