/**
 * A disk spool of fixed-size binary rows. Collectors append decoded records here while the device
 * runs and stream them back at export, so host memory stays flat however many records a run makes.
 *
 * Appends are synchronous writes of one chunk at a time: the data is a few tens of kilobytes that
 * lands in the page cache, and staying synchronous means a drain tick never leaves records queued
 * in memory behind a slow disk.
 *
 * Reading back comes two ways. {@link RecordSpool.chunks} reads synchronously, a small chunk at a
 * time, for exports that format on the event loop in slices anyway. {@link RecordSpool.chunksAhead}
 * reads on libuv's thread pool, one chunk ahead of the consumer, for exports whose formatting is
 * off the event loop too: there the copy out of the page cache was the largest part of what the
 * loop still did.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CollectorError, CollectorErrorCode } from '../errors';

/** A chunk of rows read back from a spool; the view is valid until the next chunk is read. */
export interface SpoolChunk {
  /** Rows in the chunk. */
  readonly rows: number;
  /** The rows, back to back. */
  readonly view: DataView;
}

/** An append-only file of `rowBytes`-byte rows. */
export class RecordSpool {
  private fd: number | undefined;
  private readonly buffer: Uint8Array;
  private readonly bufferView: DataView;
  private pendingRows = 0;
  private rowsWritten = 0;
  // Reads on the thread pool still running, and a descriptor dispose() left open for them: closing
  // it under a running read could hand its number to another file before the read is done.
  private readsInFlight = 0;
  private fdAwaitingReads: number | undefined;
  readonly filePath: string;

  constructor(
    dir: string,
    name: string,
    readonly rowBytes: number,
    private readonly chunkRows = 4096,
  ) {
    this.filePath = path.join(dir, `${name}.spool`);
    this.fd = fs.openSync(this.filePath, 'w+');
    this.buffer = new Uint8Array(rowBytes * chunkRows);
    this.bufferView = new DataView(this.buffer.buffer);
  }

  /** Rows appended so far. */
  get count(): number {
    return this.rowsWritten + this.pendingRows;
  }

  /**
   * Reserves the next row and returns the byte offset of it in {@link rowView}; the caller fills
   * the row there before the next call.
   */
  nextRow(): number {
    if (this.pendingRows === this.chunkRows) this.flush();
    return this.pendingRows++ * this.rowBytes;
  }

  /** The DataView rows are written through (see {@link nextRow}). */
  get rowView(): DataView {
    return this.bufferView;
  }

  /** Writes buffered rows to the file. */
  flush(): void {
    if (this.pendingRows === 0 || this.fd === undefined) return;
    const bytes = this.pendingRows * this.rowBytes;
    let done = 0;
    while (done < bytes) done += fs.writeSync(this.fd, this.buffer, done, bytes - done, this.rowsWritten * this.rowBytes + done);
    this.rowsWritten += this.pendingRows;
    this.pendingRows = 0;
  }

  /** Iterates every row in append order, a chunk at a time. */
  *chunks(chunkRows = this.chunkRows): Generator<SpoolChunk> {
    this.flush();
    if (this.fd === undefined) return;
    const buf = new Uint8Array(chunkRows * this.rowBytes);
    const view = new DataView(buf.buffer);
    for (let row = 0; row < this.rowsWritten; row += chunkRows) {
      const rows = Math.min(chunkRows, this.rowsWritten - row);
      const bytes = rows * this.rowBytes;
      let done = 0;
      while (done < bytes) {
        const n = fs.readSync(this.fd, buf, done, bytes - done, row * this.rowBytes + done);
        if (n === 0) throw this.cutShort();
        done += n;
      }
      yield { rows, view };
    }
  }

  /**
   * Iterates every row in append order like {@link chunks}, but each chunk is read on libuv's thread
   * pool while the consumer still works on the one before: the event loop does no copying. A
   * chunk's view is valid until the consumer asks for the next chunk (which is read into the other
   * of two buffers meanwhile).
   *
   * @throws CollectorError `SpoolFailed` (as a rejection) when the file is shorter than the rows
   *   written to it, a read fails, or the spool is disposed before the rows are all read
   */
  async *chunksAhead(chunkRows = this.chunkRows): AsyncGenerator<SpoolChunk, void, undefined> {
    this.flush();
    const fd = this.fd;
    if (fd === undefined) return;
    const total = this.rowsWritten;
    const bytes = chunkRows * this.rowBytes;
    // The chunk being yielded and the one being read ahead, swapped every chunk.
    let current = { bytes: new Uint8Array(Math.min(chunkRows, total) * this.rowBytes), view: undefined as DataView | undefined };
    let spare = { bytes: new Uint8Array(total > chunkRows ? bytes : 0), view: undefined as DataView | undefined };
    let ahead = total > 0 ? this.readRows(fd, 0, Math.min(chunkRows, total), current.bytes) : undefined;
    try {
      for (let row = 0; row < total; row += chunkRows) {
        const failure = await ahead;
        if (failure !== undefined) throw failure;
        // Disposed meanwhile: the descriptor stays open only for reads already running.
        if (this.fd === undefined) throw this.failure('was disposed before all its rows were read');
        const next = row + chunkRows;
        ahead = next < total ? this.readRows(fd, next, Math.min(chunkRows, total - next), spare.bytes) : undefined;
        current.view ??= new DataView(current.bytes.buffer);
        yield { rows: Math.min(chunkRows, total - row), view: current.view };
        [current, spare] = [spare, current];
      }
    } finally {
      // A consumer that stops early: the read ahead still writes into the spare buffer until it ends.
      await ahead;
    }
  }

  /**
   * Reads `rows` rows from row `first` of the open file `fd` into the start of `into` on the thread
   * pool. Settles with the failure instead of rejecting: a read ahead that nobody awaits any more
   * must not become an unhandled rejection.
   */
  private readRows(fd: number, first: number, rows: number, into: Uint8Array): Promise<CollectorError | undefined> {
    const bytes = rows * this.rowBytes;
    const position = first * this.rowBytes;
    this.readsInFlight++;
    return new Promise<CollectorError | undefined>((resolve) => {
      const step = (done: number): void => {
        fs.read(fd, into, done, bytes - done, position + done, (error, n) => {
          if (error === null && n > 0 && done + n < bytes) return step(done + n);
          this.readSettled();
          if (error !== null) resolve(this.failure(`could not be read back: ${error.message}`, error));
          else if (n === 0) resolve(this.cutShort());
          else resolve(undefined);
        });
      };
      step(0);
    });
  }

  private readSettled(): void {
    if (--this.readsInFlight > 0 || this.fdAwaitingReads === undefined) return;
    fs.closeSync(this.fdAwaitingReads);
    this.fdAwaitingReads = undefined;
  }

  /** The file ended before the rows written to it (something else truncated it). */
  private cutShort(): CollectorError {
    return this.failure(`is shorter than the ${this.rowsWritten} rows written to it`);
  }

  private failure(what: string, cause?: Error): CollectorError {
    return new CollectorError(CollectorErrorCode.SpoolFailed, 'spool', `${this.filePath} ${what}`, cause === undefined ? undefined : { cause });
  }

  /**
   * Deletes the spool file and closes it (once reads still running on the thread pool are done).
   * Idempotent.
   */
  dispose(): void {
    if (this.fd === undefined) return;
    if (this.readsInFlight === 0) fs.closeSync(this.fd);
    else this.fdAwaitingReads = this.fd;
    this.fd = undefined;
    fs.rmSync(this.filePath, { force: true });
  }
}
