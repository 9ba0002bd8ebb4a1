/**
 * Lifecycle helpers: all-or-nothing initialization with full rollback, and release-everything-once.
 *
 * The upstream runner leaked every buffer when init failed part-way (#948), and later freed buffers it
 * still pointed at because it published members before the rollback guard committed (#1169). Here
 * every acquisition registers its release with a {@link ResourceLedger} the moment it succeeds; on
 * failure the ledger releases everything, newest first, attempting every release even when some
 * throw; on success the collector publishes its state only after the last acquisition.
 */
import { CollectorError, CollectorErrorCode, describeError } from '../errors';
import { runSliced, runToEnd, TimeSlicer } from './slicer';

interface Entry {
  readonly label: string;
  readonly release: () => void;
}

/** An ordered record of acquired resources and how to release each. */
export class ResourceLedger {
  private entries: Entry[] = [];

  /** Number of resources held. */
  get size(): number {
    return this.entries.length;
  }

  /** Records a resource that was just acquired. */
  add(label: string, release: () => void): void {
    this.entries.push({ label, release });
  }

  /**
   * Acquires a resource and records its release in one step, so nothing acquired can be missed.
   */
  acquire<T>(label: string, acquire: () => T, release: (value: T) => void): T {
    const value = acquire();
    this.add(label, () => release(value));
    return value;
  }

  /**
   * Releases every resource, newest first, each exactly once. Every release is attempted; failures
   * are collected and thrown together afterwards.
   *
   * @throws CollectorError `COLLECTOR_RELEASE_FAILED` naming every release that failed.
   */
  releaseAll(op: string): void {
    runToEnd(this.releaseSteps(op));
  }

  /**
   * {@link releaseAll}, pausing for the event loop whenever `slicer`'s slice is used up (freeing
   * and unmapping hundreds of buffers is a device call each). The resources are taken off the
   * ledger at once, so a concurrent {@link releaseAll} never releases one twice.
   *
   * @throws CollectorError `COLLECTOR_RELEASE_FAILED` naming every release that failed.
   */
  releaseAllSliced(op: string, slicer: TimeSlicer = new TimeSlicer()): Promise<void> {
    return runSliced(this.releaseSteps(op), slicer);
  }

  private *releaseSteps(op: string): Generator<void, void, undefined> {
    const entries = this.entries;
    this.entries = [];
    const failures: string[] = [];
    for (let i = entries.length - 1; i >= 0; i--) {
      const entry = entries[i]!;
      try {
        entry.release();
      } catch (err) {
        failures.push(`${entry.label}: ${describeError(err)}`);
      }
      yield;
    }
    if (failures.length > 0) {
      throw new CollectorError(CollectorErrorCode.ReleaseFailed, op, `${failures.length} release(s) failed: ${failures.join('; ')}`);
    }
  }
}

/**
 * Runs `body` with a fresh ledger. If it throws, everything it acquired is released and the error
 * is rethrown as `COLLECTOR_INIT_FAILED` (with rollback failures appended); if it returns, the
 * ledger (now owning everything) is returned with the result.
 */
export function initAllOrNothing<T>(op: string, body: (ledger: ResourceLedger) => T): { value: T; ledger: ResourceLedger } {
  const ledger = new ResourceLedger();
  try {
    return { value: body(ledger), ledger };
  } catch (err) {
    throw rolledBack(op, err, ledger);
  }
}

/**
 * {@link initAllOrNothing} for a body written as a generator of pause points: the event loop gets
 * a turn at a pause point whenever `slicer`'s slice is used up. On failure everything acquired is
 * released at once (no pause), as in {@link initAllOrNothing}.
 */
export async function initAllOrNothingSliced<T>(
  op: string,
  body: (ledger: ResourceLedger) => Generator<unknown, T, undefined>,
  slicer: TimeSlicer = new TimeSlicer(),
): Promise<{ value: T; ledger: ResourceLedger }> {
  const ledger = new ResourceLedger();
  try {
    return { value: await runSliced(body(ledger), slicer), ledger };
  } catch (err) {
    throw rolledBack(op, err, ledger);
  }
}

/** Releases what `ledger` holds after a failed init and returns the error to throw. */
function rolledBack(op: string, err: unknown, ledger: ResourceLedger): unknown {
  let rollback = '';
  try {
    ledger.releaseAll(op);
  } catch (releaseErr) {
    rollback = `; rollback: ${describeError(releaseErr)}`;
  }
  if (err instanceof CollectorError && err.code === CollectorErrorCode.InvalidArgument && rollback === '') return err;
  return new CollectorError(CollectorErrorCode.InitFailed, op, `${describeError(err)}${rollback}`, { cause: err });
}
