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
