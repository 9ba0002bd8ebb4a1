/**
 * Appends to the end of a file, gathered into large blocks before they are written. A collector
 * that copies many small pieces out of the device (the tensor dump's payloads, one per tensor)
 * would otherwise queue one write per piece: one trip to the thread pool and back, and two thread
 * wake-ups, for every 64 KiB.
 *
 * The bytes of an append are copied into the block at once (the caller's source may change right
 * after), and the block is handed to the file's ordered {@link BackgroundWrites} when the next
 * append would not fit, or on {@link CoalescedAppends.flush} (which waiting for the file and
 * closing it do first).
 */
import type { BackgroundWrites } from './background-writes';

/** Default block: large writes, few of them, and little memory held back from the file. */
export const DEFAULT_APPEND_BLOCK_BYTES = 1 << 20;
// Blocks whose write ended, kept for reuse: fresh memory costs a page fault per page.
const SPARE_BLOCKS = 8;

/** Appends to one file through its {@link BackgroundWrites}, a block at a time. */
export class CoalescedAppends {
  private block: Uint8Array | undefined;
  private staged = 0;
  private appended = 0;
  private readonly spare: Uint8Array[] = [];

  /**
   * @param writes the file's ordered writes, owned from now on (closed by {@link close} or
   *   {@link abandon}); the file is taken to be empty
   * @param blockBytes the block size, and the largest single append
   */
  constructor(
    private readonly writes: BackgroundWrites,
    readonly blockBytes: number = DEFAULT_APPEND_BLOCK_BYTES,
  ) {}

  /** Bytes appended so far (and not dropped): the file's length once everything is written. */
  get length(): number {
    return this.appended;
  }

  /** Bytes appended but not yet written: those still in the block and those queued. */
  get backlog(): number {
    return this.staged + this.writes.backlog;
  }

  /**
   * Appends `length` bytes, which `fill` copies into the view it is given (exactly `length` bytes
   * long) before it returns. If `fill` throws, nothing is appended.
   *
   * @throws RangeError when `length` is larger than a block
   */
  append(length: number, fill: (into: Uint8Array) => void): void {
    if (!Number.isInteger(length) || length < 0 || length > this.blockBytes) {
      throw new RangeError(`CoalescedAppends.append: ${length} bytes; an append takes 0 to ${this.blockBytes}`);
    }
    if (this.block !== undefined && this.staged + length > this.block.length) this.flush();
    this.block ??= this.spare.pop() ?? new Uint8Array(this.blockBytes);
    fill(this.block.subarray(this.staged, this.staged + length));
    this.staged += length;
    this.appended += length;
  }

  /**
   * Takes back the last `bytes` appended: dropped from the block while they are all still in it,
   * else the file is truncated back (after the writes already queued).
   *
   * @throws RangeError when `bytes` is more than was appended
   */
  dropTail(bytes: number): void {
    if (!Number.isInteger(bytes) || bytes < 0 || bytes > this.appended) {
      throw new RangeError(`CoalescedAppends.dropTail: ${bytes} bytes of the ${this.appended} appended`);
    }
    this.appended -= bytes;
    if (bytes <= this.staged) {
      this.staged -= bytes;
      return;
    }
    // Everything in the block is part of the tail: nothing of it is written.
    this.staged = 0;
    this.writes.truncate(this.appended);
  }

  /** Writes what the block holds, then resolves once everything is written; rejects with the first failure. */
  drained(): Promise<void> {
    this.flush();
    return this.writes.drained();
  }

  /** Writes what the block holds, waits for everything, then closes the file; rejects with the first failure. */
  close(): Promise<void> {
    this.flush();
    return this.writes.close();
  }

  /** Drops the block and every write not yet started, and closes the file once the one in flight ends. */
  abandon(): void {
    this.staged = 0;
    this.writes.abandon();
  }

  /** Queues the write of what the block holds, so far. */
  flush(): void {
    const block = this.block;
    if (block === undefined || this.staged === 0) return;
    this.block = undefined;
    const bytes = this.staged;
    this.staged = 0;
    this.writes.write(block.subarray(0, bytes), this.appended - bytes, () => {
      if (this.spare.length < SPARE_BLOCKS) this.spare.push(block);
    });
  }
}
