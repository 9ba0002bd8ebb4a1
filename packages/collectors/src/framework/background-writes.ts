/**
 * Positional writes and truncations of one open file, done in order on libuv's thread pool. A
 * synchronous write costs the caller's event loop as long as the kernel takes to accept the bytes,
 * which on a loaded machine (dirty-page throttling, slow page cache) is tens of milliseconds for a
 * few hundred KiB; here the JS thread only copies the bytes and queues them.
 *
 * Operations run one at a time in the order they were queued, so a truncation lands after the
 * writes queued before it and before those queued after it, exactly as the synchronous calls did.
 */
import * as fs from 'node:fs';

function writeAt(fd: number, bytes: Uint8Array, done: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => {
    fs.write(fd, bytes, done, bytes.length - done, position + done, (err, written) => (err === null ? resolve(written) : reject(err)));
  });
}

function truncateTo(fd: number, length: number): Promise<void> {
  return new Promise((resolve, reject) => {
    fs.ftruncate(fd, length, (err) => (err === null ? resolve() : reject(err)));
  });
}

/** A queue of ordered writes to one file descriptor, which it owns (and closes). */
export class BackgroundWrites {
  private tail: Promise<void> = Promise.resolve();
  private queuedBytes = 0;
  private failure: { error: unknown } | undefined;
  private abandoned = false;
  private closed = false;

  /** @param fd an open file descriptor; closed by {@link close} or {@link abandon} */
  constructor(private readonly fd: number) {}

  /** Bytes queued and not yet written. */
  get backlog(): number {
    return this.queuedBytes;
  }

  /**
   * Queues a write of all of `bytes` at `position`. `bytes` must not change until `done` is called
   * (once the write ended or was dropped), which hands the buffer back for reuse.
   */
  write(bytes: Uint8Array, position: number, done?: () => void): void {
    this.queuedBytes += bytes.length;
    this.enqueue(
      async () => {
        let written = 0;
        while (written < bytes.length) written += await writeAt(this.fd, bytes, written, position);
      },
      bytes.length,
      done,
    );
  }

  /** Queues a truncation (or extension) of the file to `length` bytes. */
  truncate(length: number): void {
    this.enqueue(() => truncateTo(this.fd, length));
  }

  /** Resolves once everything queued so far is done; rejects with the first failure, if any. */
  async drained(): Promise<void> {
    await this.tail;
    if (this.failure !== undefined) throw this.failure.error;
  }

  /** Waits for everything queued, then closes the file; rejects with the first failure, if any. */
  async close(): Promise<void> {
    await this.tail;
    this.closeNow();
    if (this.failure !== undefined) throw this.failure.error;
  }

  /**
   * Drops whatever has not started yet and closes the file as soon as the operation in flight (if
   * any) ends; never throws. The descriptor stays open until then, so no write can land in another
   * file that reused its number.
   */
  abandon(): void {
    this.abandoned = true;
    void this.tail.then(() => this.closeNow());
  }

  private closeNow(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      fs.closeSync(this.fd);
    } catch (err) {
      this.failure ??= { error: err };
    }
  }

  private enqueue(op: () => Promise<void>, bytes = 0, done?: () => void): void {
    this.tail = this.tail.then(async () => {
      try {
        if (!this.abandoned && this.failure === undefined) await op();
      } catch (err) {
        this.failure ??= { error: err };
      } finally {
        this.queuedBytes -= bytes;
        done?.();
      }
    });
  }
}
