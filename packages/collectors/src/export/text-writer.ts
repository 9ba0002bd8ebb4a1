/**
 * A buffered text writer over a file write stream that honours backpressure: it hands the stream
 * 64 KiB at a time and waits for `drain` whenever the stream says its buffer is full, so a large
 * export never piles up in memory.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { once } from 'node:events';
import { CollectorError, CollectorErrorCode, describeError } from '../errors';
import type { ByteSink } from './byte-out';

const FLUSH_AT = 64 * 1024;
// Byte chunks may run this far ahead of the disk before the formatter waits: enough that
// formatting the next chunk overlaps writing the last one, little enough to keep memory flat.
const BYTES_AHEAD = 8 * 1024 * 1024;

/** Writes text to a file through a stream with backpressure. */
export class TextFileWriter implements ByteSink {
  private readonly stream: fs.WriteStream;
  private pending: string[] = [];
  private pendingLength = 0;
  private failure: Error | undefined;
  private bytes = 0;

  private constructor(
    readonly filePath: string,
    private readonly op: string,
  ) {
    this.stream = fs.createWriteStream(filePath, { flags: 'w' });
    this.stream.on('error', (err) => {
      this.failure ??= err;
    });
  }

  /** Opens `filePath` for writing (creating its directory). */
  static async open(filePath: string, op: string): Promise<TextFileWriter> {
    try {
      await fs.promises.mkdir(path.dirname(filePath), { recursive: true });
    } catch (err) {
      throw new CollectorError(CollectorErrorCode.ExportFailed, op, `cannot create ${path.dirname(filePath)}: ${describeError(err)}`);
    }
    const w = new TextFileWriter(filePath, op);
    await once(w.stream, 'open').catch((err: unknown) => {
      throw new CollectorError(CollectorErrorCode.ExportFailed, op, `cannot open ${filePath}: ${describeError(err)}`);
    });
    return w;
  }

  /** Characters written so far (approximately bytes for ASCII output). */
  get written(): number {
    return this.bytes + this.pendingLength;
  }

  /**
   * Appends text. Returns a promise only when the buffer was handed to the stream and the stream
   * asked to wait; callers `await` the result (awaiting `undefined` costs nothing).
   */
  write(text: string): Promise<void> | undefined {
    this.pending.push(text);
    this.pendingLength += text.length;
    if (this.pendingLength < FLUSH_AT) return undefined;
    return this.flush();
  }

  /**
   * Appends formatted bytes (see `ByteOut`), which the caller gives up. Returns a promise only when
   * the file has fallen behind and the caller should wait.
   */
  writeBytes(chunk: Uint8Array): Promise<void> | undefined {
    this.check();
    if (this.pendingLength > 0) {
      this.stream.write(this.pending.join(''));
      this.bytes += this.pendingLength;
      this.pending = [];
      this.pendingLength = 0;
    }
    this.bytes += chunk.length;
    this.stream.write(chunk);
    return this.stream.writableLength > BYTES_AHEAD ? this.waitDrain() : undefined;
  }

  private flush(): Promise<void> | undefined {
    this.check();
    if (this.pendingLength === 0) return undefined;
    const chunk = this.pending.join('');
    this.pending = [];
    this.bytes += this.pendingLength;
    this.pendingLength = 0;
    if (this.stream.write(chunk)) return undefined;
    return this.waitDrain();
  }

  private waitDrain(): Promise<void> {
    // The permanent 'error' listener records failures; here only wake on drain or close.
    return new Promise<void>((resolve) => {
      const done = (): void => {
        this.stream.off('drain', done);
        this.stream.off('close', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('close', done);
    }).then(() => this.check());
  }

  /** Flushes and closes the file. */
  async close(): Promise<void> {
    await this.flush();
    this.check();
    await new Promise<void>((resolve, reject) => {
      this.stream.end((err?: Error | null) => (err ? reject(err) : resolve()));
    }).catch((err: unknown) => {
      throw new CollectorError(CollectorErrorCode.ExportFailed, this.op, `cannot write ${this.filePath}: ${describeError(err)}`);
    });
    this.check();
  }

  /** Abandons the file (after an error elsewhere); never throws. */
  destroy(): void {
    this.stream.destroy();
  }

  private check(): void {
    if (this.failure !== undefined) {
      throw new CollectorError(CollectorErrorCode.ExportFailed, this.op, `cannot write ${this.filePath}: ${this.failure.message}`);
    }
  }
}
