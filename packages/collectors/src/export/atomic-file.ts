/**
 * Atomic output files: every output is written under a temporary name in its own directory and
 * renamed over its real name only once complete, so a file under a real output name is always
 * whole. A failed or abandoned write removes its temporary.
 *
 * Temporaries are hidden and recognisable — `.<name>.npurun-<pid>-<n>.tmp` — so one a killed
 * process left behind can be told from user files and cleaned up by owner pid
 * ({@link removeStaleTemporaries}). A rename is atomic against other processes and crashes of
 * this one; the data is not fsynced, so it is not a guarantee against power loss.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { makeDirectory } from './make-dir';
import { OutputWriteError } from './output-error';
import { isProcessAlive } from '../framework/process-alive';

let counter = 0;

const TEMPORARY = /^\.(.+)\.npurun-(\d+)-([0-9a-z]+)\.tmp$/;

/** The temporary name a write of `file` by this process uses (unique per call). */
export function temporaryPathFor(file: string): string {
  counter = (counter + 1) % 0x7fffffff;
  return path.join(path.dirname(file), `.${path.basename(file)}.npurun-${process.pid}-${counter.toString(36)}.tmp`);
}

/** The owner pid and final name of an output temporary's file name, or `undefined` for any other name. */
export function parseTemporaryName(name: string): { pid: number; target: string } | undefined {
  const m = TEMPORARY.exec(name);
  if (m === null) return undefined;
  const pid = Number(m[2]);
  return Number.isSafeInteger(pid) && pid > 0 ? { pid, target: m[1]! } : undefined;
}

/**
 * Removes the output temporaries in `dir` whose owner process is gone (left by a killed run).
 * Never touches anything else, nor temporaries of live processes.
 *
 * @returns the paths removed
 */
export function removeStaleTemporaries(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const t = parseTemporaryName(name);
    if (t === undefined || isProcessAlive(t.pid)) continue;
    const file = path.join(dir, name);
    try {
      if (!fs.lstatSync(file).isFile()) continue;
      fs.unlinkSync(file);
      removed.push(file);
    } catch {
      // gone meanwhile, or not ours to remove: leave it
    }
  }
  return removed;
}

/** Throws the signal's reason when it is aborted. */
function checkSignal(signal: AbortSignal | undefined): void {
  signal?.throwIfAborted();
}

async function ensureDir(op: string, dir: string): Promise<void> {
  try {
    await makeDirectory(dir);
  } catch (err) {
    throw new OutputWriteError(op, dir, err, 'create');
  }
}

/**
 * Renames a finished temporary over `file`; on failure removes the temporary.
 *
 * @throws OutputWriteError naming `file`
 */
export async function commitTemporary(op: string, temporary: string, file: string): Promise<void> {
  try {
    await fs.promises.rename(temporary, file);
  } catch (err) {
    await fs.promises.rm(temporary, { force: true }).catch(() => undefined);
    throw new OutputWriteError(op, file, err);
  }
}

/**
 * Writes `data` to `file` atomically (creating its directory).
 *
 * @param signal when aborted before the rename, the temporary is removed and the signal's reason thrown
 * @throws OutputWriteError naming `file` and the OS reason
 */
export async function writeFileAtomic(op: string, file: string, data: string | Uint8Array, signal?: AbortSignal): Promise<void> {
  checkSignal(signal);
  await ensureDir(op, path.dirname(file));
  const temporary = temporaryPathFor(file);
  try {
    await fs.promises.writeFile(temporary, data, { flag: 'wx' });
  } catch (err) {
    await fs.promises.rm(temporary, { force: true }).catch(() => undefined);
    throw new OutputWriteError(op, file, err);
  }
  if (signal?.aborted === true) {
    await fs.promises.rm(temporary, { force: true }).catch(() => undefined);
    checkSignal(signal);
  }
  await commitTemporary(op, temporary, file);
}

/**
 * Moves a finished file (a spool) to `file` atomically: a rename when both are on one file
 * system, else a copy to a temporary beside `file` and a rename. The source is removed either way.
 *
 * @throws OutputWriteError naming `file` and the OS reason (the source is kept then)
 */
export async function moveFileAtomic(op: string, source: string, file: string, signal?: AbortSignal): Promise<void> {
  checkSignal(signal);
  await ensureDir(op, path.dirname(file));
  try {
    await fs.promises.rename(source, file);
    return;
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'EXDEV') throw new OutputWriteError(op, file, err);
  }
  const temporary = temporaryPathFor(file);
  try {
    const from = fs.createReadStream(source);
    const to = fs.createWriteStream(temporary, { flags: 'wx' });
    await (signal !== undefined ? pipeline(from, to, { signal }) : pipeline(from, to));
  } catch (err) {
    await fs.promises.rm(temporary, { force: true }).catch(() => undefined);
    checkSignal(signal);
    throw new OutputWriteError(op, file, err);
  }
  // The source goes first: nothing may be awaited between the rename into place and the caller
  // noting the new file (an abrupt exit in that gap would leave a file no one accounts for).
  await fs.promises.rm(source, { force: true }).catch(() => undefined);
  await commitTemporary(op, temporary, file);
}
