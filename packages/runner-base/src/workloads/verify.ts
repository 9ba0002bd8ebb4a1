/**
 * Comparing device results with goldens: exact, or within a tolerance the way the upstream runner's
 * `allclose(rtol, atol)` does (|actual − expected| ≤ atol + rtol·|expected|). NaN never matches.
 */
import { TimeSlicer } from '@npurun/collectors';
import type { Mismatch } from './types';

// Aliased once: a global lookup per element is slow under a VM-context global (jest).
const { abs } = Math;
const { isNaN } = Number;

/** Default number of mismatches a result keeps. */
export const DEFAULT_MAX_MISMATCHES = 8;

/** Collects mismatches over several comparisons: counts all, keeps the first `limit`. */
export class MismatchLog {
  /** The kept mismatches. */
  readonly first: Mismatch[] = [];
  /** Every mismatch seen. */
  count = 0;

  /** @param limit how many to keep */
  constructor(private readonly limit: number = DEFAULT_MAX_MISMATCHES) {}

  /** Records one mismatch. */
  add(m: Mismatch): void {
    this.count++;
    if (this.first.length < this.limit) this.first.push(m);
  }
}

/** Tolerances of a close comparison. */
export interface Tolerance {
  /** Absolute tolerance. */
  atol: number;
  /** Relative tolerance (of the expected value). */
  rtol: number;
}

/** Exact comparison (the upstream runner's `RTOL = ATOL = 0`). */
export const EXACT: Tolerance = { atol: 0, rtol: 0 };

/** The float-math tolerance of the upstream runner's matmul/add workload (1e-3 both). */
export const FLOAT_1E3: Tolerance = { atol: 1e-3, rtol: 1e-3 };

/** Whether `actual` matches `expected` within `tol` (NaN never matches; exact compare treats 0 and −0 alike). */
export function withinTolerance(expected: number, actual: number, tol: Tolerance): boolean {
  if (isNaN(expected) || isNaN(actual)) return false;
  if (tol.atol === 0 && tol.rtol === 0) return expected === actual;
  return abs(actual - expected) <= tol.atol + tol.rtol * abs(expected);
}

/**
 * Compares `actual` with `expected` element by element and records every mismatch in `log`
 * (a length difference is a mismatch at every index past the shorter one).
 *
 * @returns the number of mismatches found by this call
 */
export function compareTensor(
  log: MismatchLog,
  tensor: string,
  expected: ArrayLike<number>,
  actual: ArrayLike<number>,
  tol: Tolerance,
  run = 0,
): number {
  const before = log.count;
  compareRange(log, tensor, expected, actual, tol, run, 0, Math.max(expected.length, actual.length));
  return log.count - before;
}

// Elements compared between pause checks: well under a millisecond each.
const COMPARE_CHUNK = 1 << 14;

/**
 * {@link compareTensor} for large tensors: compares a chunk at a time and gives the event loop a
 * turn whenever `slicer`'s slice is used up. Same mismatches, in the same order.
 *
 * @returns the number of mismatches found by this call
 */
export async function compareTensorSliced(
  log: MismatchLog,
  tensor: string,
  expected: ArrayLike<number>,
  actual: ArrayLike<number>,
  tol: Tolerance,
  run = 0,
  slicer: TimeSlicer = new TimeSlicer(),
): Promise<number> {
  const before = log.count;
  const n = Math.max(expected.length, actual.length);
  for (let from = 0; from < n; from += COMPARE_CHUNK) {
    compareRange(log, tensor, expected, actual, tol, run, from, Math.min(n, from + COMPARE_CHUNK));
    await slicer.pauseIfDue();
  }
  return log.count - before;
}

function compareRange(log: MismatchLog, tensor: string, expected: ArrayLike<number>, actual: ArrayLike<number>, tol: Tolerance, run: number, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const e = i < expected.length ? expected[i]! : Number.NaN;
    const a = i < actual.length ? actual[i]! : Number.NaN;
    if (!withinTolerance(e, a, tol)) log.add({ tensor, index: i, expected: e, actual: a, run });
  }
}
