/**
 * A disk spool of fixed-size binary rows. Collectors append decoded records here while the device
 * runs and stream them back at export, so host memory stays flat however many records a run makes.
 *
 * Appends are synchronous writes of one chunk at a time: the data is a few tens of kilobytes that
 * lands in the page cache, and staying synchronous means a drain tick never leaves records queued
 * in memory behind a slow disk.
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
        if (n === 0) {
          throw new CollectorError(CollectorErrorCode.SpoolFailed, 'spool', `${this.filePath} is shorter than the ${this.rowsWritten} rows written to it`);
        }
        done += n;
      }
      yield { rows, view };
    }
  }

  /** Closes and deletes the spool file. Idempotent. */
  dispose(): void {
    if (this.fd === undefined) return;
    fs.closeSync(this.fd);
    this.fd = undefined;
    fs.rmSync(this.filePath, { force: true });
  }
}
