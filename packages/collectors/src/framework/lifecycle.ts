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
    let rollback = '';
    try {
      ledger.releaseAll(op);
    } catch (releaseErr) {
      rollback = `; rollback: ${describeError(releaseErr)}`;
    }
    if (err instanceof CollectorError && err.code === CollectorErrorCode.InvalidArgument && rollback === '') throw err;
    throw new CollectorError(CollectorErrorCode.InitFailed, op, `${describeError(err)}${rollback}`, { cause: err });
  }
}
