/**
 * The record spool's two ways of reading back: synchronous chunks, and chunks read on the thread
 * pool one ahead of the consumer. Both must give the same rows; the read-ahead one must keep a
 * chunk intact until the next is asked for, fail with a typed error, and leave no descriptor or
 * unhandled rejection behind when its consumer stops early or the spool is disposed mid-read.
 */
import * as fs from 'node:fs';
import { CollectorError, CollectorErrorCode, RecordSpool, type SpoolChunk } from '../src';
import { tmpDir } from './helpers/harness';

const ROW_BYTES = 12;

/** A spool of `rows` rows (row i holds i, 7i and ~i), appending `chunkRows` rows per file write. */
function spoolOf(dir: string, rows: number, chunkRows = 5): RecordSpool {
  const spool = new RecordSpool(dir, `rows-${rows}`, ROW_BYTES, chunkRows);
  for (let i = 0; i < rows; i++) {
    const at = spool.nextRow();
    spool.rowView.setUint32(at, i, true);
    spool.rowView.setUint32(at + 4, 7 * i, true);
    spool.rowView.setUint32(at + 8, ~i >>> 0, true);
  }
  return spool;
}

/** A spool of 20 rows whose file was cut short after 7 of them (by something other than the spool). */
function cutShortSpool(dir: string): RecordSpool {
  const spool = spoolOf(dir, 20);
  spool.flush();
  fs.truncateSync(spool.filePath, 7 * ROW_BYTES);
  return spool;
}

/** A chunk's bytes, copied. */
function bytesOf(chunk: SpoolChunk): number[] {
  return [...new Uint8Array(chunk.view.buffer, chunk.view.byteOffset, chunk.rows * ROW_BYTES)];
}

/** The bytes rows first..first+rows-1 of {@link spoolOf} hold. */
function expectedBytes(first: number, rows: number): number[] {
  const out = new DataView(new ArrayBuffer(rows * ROW_BYTES));
  for (let r = 0; r < rows; r++) {
    const i = first + r;
    out.setUint32(r * ROW_BYTES, i, true);
    out.setUint32(r * ROW_BYTES + 4, 7 * i, true);
    out.setUint32(r * ROW_BYTES + 8, ~i >>> 0, true);
  }
  return [...new Uint8Array(out.buffer)];
}

const openDescriptors = (): number => fs.readdirSync('/proc/self/fd').length;

/** Polls until `done()` or about a second has passed. */
async function eventually(done: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setTimeout(r, 5));
}

describe('RecordSpool.chunksAhead', () => {
  let dir: string;
  beforeEach(() => (dir = tmpDir('spool')));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test.each([0, 1, 4, 5, 6, 10, 23])('gives the rows chunks() gives: %i rows, unflushed ones included', async (rows) => {
    const spool = spoolOf(dir, rows);
    try {
      const sync: { rows: number; bytes: number[] }[] = [];
      for (const c of spool.chunks(4)) sync.push({ rows: c.rows, bytes: bytesOf(c) });
      const ahead: { rows: number; bytes: number[] }[] = [];
      for await (const c of spool.chunksAhead(4)) ahead.push({ rows: c.rows, bytes: bytesOf(c) });
      expect(ahead).toEqual(sync);
      expect(ahead.flatMap((c) => c.bytes)).toEqual(expectedBytes(0, rows));
    } finally {
      spool.dispose();
    }
  });

  test('a chunk stays as it was while the next one is read into the other buffer', async () => {
    const spool = spoolOf(dir, 23);
    try {
      let first = 0;
      for await (const chunk of spool.chunksAhead(4)) {
        const seen = bytesOf(chunk);
        // Give the read ahead time to land before looking again.
        await new Promise((r) => setTimeout(r, 5));
        expect(bytesOf(chunk)).toEqual(seen);
        expect(seen).toEqual(expectedBytes(first, chunk.rows));
        first += chunk.rows;
      }
      expect(first).toBe(23);
    } finally {
      spool.dispose();
    }
  });

  test('a file shorter than the rows written to it rejects with SpoolFailed', async () => {
    const spool = cutShortSpool(dir);
    try {
      const chunks = spool.chunksAhead(5);
      const first = await chunks.next();
      expect(first.done).toBe(false);
      const failure = await chunks.next().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(failure).toBeInstanceOf(CollectorError);
      expect((failure as CollectorError).code).toBe(CollectorErrorCode.SpoolFailed);
      expect((failure as CollectorError).message).toMatch(/shorter than the 20 rows/);
    } finally {
      spool.dispose();
    }
  });

  test('disposed mid-read: the descriptor closes once the read ends, the next chunk rejects, and a failed read ahead is never an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const before = openDescriptors();
    try {
      // The second chunk's read ahead fails: the file ends inside it.
      const spool = cutShortSpool(dir);
      const chunks = spool.chunksAhead(5);
      expect((await chunks.next()).done).toBe(false);
      // The read ahead's callback needs a turn of the event loop, so it is still running here: it
      // keeps the descriptor (closing it under the read could hand its number to another file).
      spool.dispose();
      expect(fs.existsSync(spool.filePath)).toBe(false);
      expect(openDescriptors()).toBe(before + 1);
      await eventually(() => openDescriptors() === before);
      expect(openDescriptors()).toBe(before);
      await expect(chunks.next()).rejects.toMatchObject({ code: CollectorErrorCode.SpoolFailed });

      // A consumer that abandons the iteration without finishing it.
      const other = cutShortSpool(dir);
      const abandoned = other.chunksAhead(5);
      expect((await abandoned.next()).done).toBe(false);
      other.dispose();
      await eventually(() => openDescriptors() === before);
      expect(openDescriptors()).toBe(before);
      await new Promise((r) => setTimeout(r, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  test('a consumer that breaks off waits for the read ahead, and the spool reads again from the start', async () => {
    const spool = spoolOf(dir, 23);
    try {
      for await (const chunk of spool.chunksAhead(4)) {
        expect(chunk.rows).toBe(4);
        break;
      }
      const again: number[] = [];
      for await (const chunk of spool.chunksAhead(4)) again.push(...bytesOf(chunk));
      expect(again).toEqual(expectedBytes(0, 23));
    } finally {
      spool.dispose();
    }
  });
});
