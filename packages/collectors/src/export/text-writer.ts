/**
 * A buffered text writer over a file write stream that honours backpressure: it hands the stream
 * 64 KiB at a time and waits for `drain` whenever the stream says its buffer is full, so a large
 * export never piles up in memory.
 *
 * The file is atomic (see `atomic-file.ts`): the text goes to a temporary beside the file, which
 * {@link TextFileWriter.close} renames into place; {@link TextFileWriter.destroy}, a failure or an
 * abort removes it. The real name never holds a partial file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { once } from 'node:events';
import { commitTemporary, temporaryPathFor } from './atomic-file';
import { makeDirectory } from './make-dir';
import { OutputWriteError } from './output-error';
import type { ByteSink } from './byte-out';

const FLUSH_AT = 64 * 1024;
// Byte chunks may run this far ahead of the disk before the formatter waits: enough that
// formatting the next chunk overlaps writing the last one, little enough to keep memory flat.
const BYTES_AHEAD = 8 * 1024 * 1024;

/** Options of {@link TextFileWriter.open}. */
export interface TextFileWriterOptions {
  /** Aborting it makes the next write (or close) remove the temporary and throw the signal's reason. */
  signal?: AbortSignal;
  /** Called with the final path once the file is in place. */
  onCommit?: (filePath: string) => void;
}

/** Writes text to a file through a stream with backpressure; the file appears only when closed. */
export class TextFileWriter implements ByteSink {
  private readonly stream: fs.WriteStream;
  private pending: string[] = [];
  private pendingLength = 0;
  private failure: Error | undefined;
  private bytes = 0;
  private finished = false;

  private constructor(
    /** The file's final path. */
    readonly filePath: string,
    /** Where the text goes until {@link close}. */
    readonly temporaryPath: string,
    private readonly op: string,
    private readonly signal: AbortSignal | undefined,
    private readonly onCommit: ((filePath: string) => void) | undefined,
  ) {
    this.stream = fs.createWriteStream(temporaryPath, { flags: 'wx' });
    this.stream.on('error', (err) => {
      this.failure ??= err;
    });
  }

  /**
   * Opens `filePath` for writing (creating its directory): a temporary beside it, renamed into
   * place by {@link close}.
   *
   * @throws OutputWriteError naming the file or directory and the OS reason
   */
  static async open(filePath: string, op: string, options: TextFileWriterOptions = {}): Promise<TextFileWriter> {
    options.signal?.throwIfAborted();
    const dir = path.dirname(filePath);
    try {
      await makeDirectory(dir);
    } catch (err) {
      throw new OutputWriteError(op, dir, err, 'create');
    }
    const w = new TextFileWriter(filePath, temporaryPathFor(filePath), op, options.signal, options.onCommit);
    await once(w.stream, 'open').catch((err: unknown) => {
      w.destroy();
      throw new OutputWriteError(op, filePath, err);
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
   *
   * @throws OutputWriteError once the stream failed, or the signal's reason once aborted (the
   *   temporary is removed either way)
   */
  write(text: string): Promise<void> | undefined {
    this.pending.push(text);
    this.pendingLength += text.length;
    if (this.pendingLength < FLUSH_AT) return undefined;
    return this.flush();
  }

  /**
   * Appends formatted bytes (see `ByteOut`), which the caller gives up until `release` is called
   * (once they are written to the file). Returns a promise only when the file has fallen behind
   * and the caller should wait.
   *
   * @throws OutputWriteError once the stream failed, or the signal's reason once aborted (the
   *   temporary is removed either way)
   */
  writeBytes(chunk: Uint8Array, release?: () => void): Promise<void> | undefined {
    this.check();
    if (this.pendingLength > 0) {
      this.stream.write(this.pending.join(''));
      this.bytes += this.pendingLength;
      this.pending = [];
      this.pendingLength = 0;
    }
    this.bytes += chunk.length;
    if (release === undefined) this.stream.write(chunk);
    else this.stream.write(chunk, (err) => (err == null ? release() : undefined));
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

  /**
   * Flushes, closes and renames the file into place.
   *
   * @throws OutputWriteError (the temporary is removed); the signal's reason when aborted
   */
  async close(): Promise<void> {
    try {
      await this.flush();
      this.check();
      await new Promise<void>((resolve, reject) => {
        this.stream.end((err?: Error | null) => (err ? reject(err) : resolve()));
      }).catch((err: unknown) => {
        throw new OutputWriteError(this.op, this.filePath, err);
      });
      this.check();
    } catch (err) {
      this.destroy();
      throw err;
    }
    this.finished = true;
    await commitTemporary(this.op, this.temporaryPath, this.filePath);
    this.onCommit?.(this.filePath);
  }

  /** Abandons the file: closes the stream and removes the temporary. Never throws; idempotent. */
  destroy(): void {
    if (this.finished) return;
    this.finished = true;
    this.stream.destroy();
    // Removed once the stream let go of it (a write may be in flight).
    const remove = (): void => {
      try {
        fs.rmSync(this.temporaryPath, { force: true });
      } catch {
        // left as a recognisable temporary; the next run into the directory removes it
      }
    };
    if (this.stream.closed) remove();
    else this.stream.once('close', remove);
  }

  /** Throws (after removing the temporary) once the stream failed or the signal aborted. */
  private check(): void {
    if (this.signal?.aborted === true) {
      this.destroy();
      this.signal.throwIfAborted();
    }
    if (this.failure !== undefined) {
      this.destroy();
      throw new OutputWriteError(this.op, this.filePath, this.failure);
    }
  }
}
