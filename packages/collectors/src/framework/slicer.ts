/**
 * Cooperative time slicing. Host work that grows with the record count (draining, exporting,
 * releasing buffers) runs on the caller's event loop; left alone it would hold the loop for as long
 * as it takes — hundreds of milliseconds on a big run — and freeze timers, I/O and any UI the
 * caller drives. Instead such work checks a {@link TimeSlicer} between small units and, once its
 * slice is used up, waits for one turn of the event loop before going on.
 *
 * Work written once as a generator (`yield` at every point where pausing is safe) can be run both
 * ways: to the end at once ({@link runToEnd}, for synchronous APIs) or sliced ({@link runSliced}).
 *
 * Several pieces of sliced work (each collector's drain, an export, a payload copy) often resume
 * in the same turn of the event loop, one after another. They share that turn's budget
 * ({@link turnDeadline}), so together they still hand the loop back after about one slice.
 */
import { performance } from 'node:perf_hooks';

/**
 * Default slice. A slice that a garbage collection or a wait for a CPU lands in stretches by that
 * much, so the shorter the slice, the shorter the stall it can become; each pause costs one turn of
 * the event loop. 2 ms took a quarter off the longest stall inside a run with every diagnostic on,
 * against 4 ms, for a few percent more time in all; 1 ms was no better than 2.
 */
export const DEFAULT_SLICE_MS = 2;

let turnEnd = 0;
let turnOpen = false;

/**
 * The deadline all sliced work shares in the current turn of the event loop: set by the first
 * caller in a turn to `budgetMs` from then, and forgotten when the loop moves on (an immediate
 * queued now runs before any work that pauses after this call resumes).
 */
export function turnDeadline(budgetMs: number = DEFAULT_SLICE_MS): number {
  if (!turnOpen) {
    turnOpen = true;
    turnEnd = performance.now() + budgetMs;
    setImmediate(closeTurn);
  }
  return turnEnd;
}

function closeTurn(): void {
  turnOpen = false;
}

/** Resolves after one turn of the event loop (timers and I/O callbacks get to run first). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Measures the current slice of a long piece of work and pauses it when the slice is used up. */
export class TimeSlicer {
  private start = performance.now();

  /** @param budgetMs the length of a slice, ms */
  constructor(readonly budgetMs: number = DEFAULT_SLICE_MS) {}

  /** Whether the current slice (or the turn's shared budget) is used up. */
  get due(): boolean {
    return performance.now() >= this.deadline;
  }

  /** When the current slice ends, on the `performance.now()` clock: its own end or the turn's, if sooner. */
  get deadline(): number {
    return Math.min(this.start + this.budgetMs, turnDeadline(this.budgetMs));
  }

  /** Starts a new slice now (after work that already gave the event loop a turn). */
  restart(): void {
    this.start = performance.now();
  }

  /** Gives the event loop one turn, then starts a new slice. */
  async pause(): Promise<void> {
    await yieldToEventLoop();
    this.restart();
  }

  /** Pauses when the slice is used up; otherwise returns `undefined` at once (awaiting it is free). */
  pauseIfDue(): Promise<void> | undefined {
    return this.due ? this.pause() : undefined;
  }

  /**
   * Pauses unless work expected to take `expectedMs` (typically what the previous unit of the same
   * kind took) still ends within the slice; otherwise returns `undefined` at once. For units that
   * are each a sizeable part of a slice (a device copy, a file write), so the slice ends before a
   * unit that would overrun it rather than after.
   *
   * @param expectedMs how long the next unit of work is expected to take, ms
   */
  pauseUnlessFits(expectedMs: number): Promise<void> | undefined {
    return performance.now() + expectedMs >= this.deadline ? this.pause() : undefined;
  }
}

/**
 * What the next unit of one kind of work (a device copy, a file write) is expected to cost, for
 * {@link TimeSlicer.pauseUnlessFits}: the dearest recent unit, decaying, so one slow unit (fresh
 * pages faulting in) makes the slicer careful and a run of cheap ones lets it relax again.
 */
export class UnitCost {
  private expectedMs = 0;

  /** The expected cost of the next unit, ms (0 before any was measured). */
  get expected(): number {
    return this.expectedMs;
  }

  /** Runs one unit of the work and learns what it cost. */
  measure<T>(unit: () => T): T {
    const start = performance.now();
    try {
      return unit();
    } finally {
      this.expectedMs = Math.max(performance.now() - start, this.expectedMs * UNIT_COST_DECAY);
    }
  }
}

// How much of the dearest recent unit's cost the estimate keeps per unit measured since.
const UNIT_COST_DECAY = 0.75;

/** Runs a generator of pause points to the end without pausing. */
export function runToEnd<T>(steps: Generator<unknown, T, undefined>): T {
  for (;;) {
    const r = steps.next();
    if (r.done === true) return r.value;
  }
}

/**
 * Runs a generator of pause points, giving the event loop a turn at the first pause point after
 * each slice is used up.
 */
export async function runSliced<T>(steps: Generator<unknown, T, undefined>, slicer: TimeSlicer = new TimeSlicer()): Promise<T> {
  for (;;) {
    const r = steps.next();
    if (r.done === true) return r.value;
    await slicer.pauseIfDue();
  }
}
