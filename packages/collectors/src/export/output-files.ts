/**
 * The files one export writes, all or none: each is atomic on its own (see `atomic-file.ts`), and
 * when the export fails part-way (or is aborted) the files it already put in place are removed,
 * so a collector never leaves half of its outputs behind.
 */
import * as fs from 'node:fs';
import { moveFileAtomic, writeFileAtomic } from './atomic-file';
import { TextFileWriter } from './text-writer';
import { markOutputsRecorded, noteUnrecordedOutputs } from './unrecorded-outputs';

/** A batch of output files written by one operation. */
export class OutputFiles {
  private readonly done: string[] = [];

  /**
   * @param op the operation writing (named by write errors)
   * @param signal aborting it stops the batch's writes (their temporaries are removed)
   */
  constructor(
    /** The operation writing. */
    readonly op: string,
    /** The batch's abort signal. */
    readonly signal?: AbortSignal,
  ) {}

  /** Files put in place so far, in order. */
  get committed(): readonly string[] {
    return this.done;
  }

  /** Opens a streamed text file of the batch. */
  openText(file: string): Promise<TextFileWriter> {
    return TextFileWriter.open(file, this.op, {
      ...(this.signal !== undefined ? { signal: this.signal } : {}),
      onCommit: (f) => this.committed_(f),
    });
  }

  /**
   * Streams a text file of the batch: opens it, hands it to `write`, and closes it (the file is put
   * in place). When `write` or the close fails, the temporary is removed and the failure rethrown.
   */
  async writeText(file: string, write: (out: TextFileWriter) => Promise<void>): Promise<void> {
    const out = await this.openText(file);
    try {
      await write(out);
      await out.close();
    } catch (err) {
      out.destroy();
      throw err;
    }
  }

  /** Writes a whole file of the batch. */
  async writeFile(file: string, data: string | Uint8Array): Promise<void> {
    await writeFileAtomic(this.op, file, data, this.signal);
    this.committed_(file);
  }

  /** Moves a finished file (a spool) into place as a file of the batch. */
  async moveFile(source: string, file: string): Promise<void> {
    await moveFileAtomic(this.op, source, file, this.signal);
    this.committed_(file);
  }

  /** Removes every file the batch put in place (best effort; never throws). */
  async discard(): Promise<void> {
    const files = this.done.splice(0);
    for (const f of files) await fs.promises.rm(f, { force: true }).catch(() => undefined);
    markOutputsRecorded(files);
  }

  // Until a manifest lists it, a placed file is one an abrupt exit must remove (unrecorded-outputs.ts).
  private committed_(file: string): void {
    this.done.push(file);
    noteUnrecordedOutputs([file]);
  }
}
