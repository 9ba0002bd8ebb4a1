/**
 * Where collectors spool records during a run: one private directory per collector and run, in
 * the OS temporary directory by default, named `npurun-spool-<pid>-<collector>-XXXXXX` so that
 * what a killed process left behind can be found by its owner pid and removed by the next start
 * ({@link removeStaleSpools}). A collector removes its own directory at finalize.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isProcessAlive } from './process-alive';

const PREFIX = 'npurun-spool-';
const SPOOL_DIR = /^npurun-spool-(\d+)-[A-Za-z0-9]+-[A-Za-z0-9]{6}$/;

/** Creates a spool directory for collector `name` of this process under `parent`. */
export function createSpoolDir(parent: string, name: string): string {
  return fs.mkdtempSync(path.join(parent, `${PREFIX}${process.pid}-${name}-`));
}

/** The owner pid of a spool directory's name, or `undefined` when the name is not one. */
export function spoolDirOwner(name: string): number | undefined {
  const m = SPOOL_DIR.exec(name);
  if (m === null) return undefined;
  const pid = Number(m[1]);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

function removeSpools(dir: string, remove: (pid: number) => boolean): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const pid = spoolDirOwner(name);
    if (pid === undefined || !remove(pid)) continue;
    const full = path.join(dir, name);
    try {
      if (!fs.lstatSync(full).isDirectory()) continue;
      fs.rmSync(full, { recursive: true, force: true });
      removed.push(full);
    } catch {
      // removed meanwhile, or not ours to remove: leave it
    }
  }
  return removed;
}

/**
 * Removes the spool directories in `dir` (default: the OS temporary directory) whose owner process
 * no longer runs: what a killed npurun left behind. Spools of live processes are never touched.
 *
 * @returns the directories removed
 */
export function removeStaleSpools(dir: string = os.tmpdir()): string[] {
  return removeSpools(dir, (pid) => !isProcessAlive(pid));
}

/**
 * Removes every spool directory of process `pid` (default: this one) in `dir`, synchronously: for
 * a process about to exit at once (a second interrupt) with collectors still open.
 *
 * @returns the directories removed
 */
export function removeProcessSpools(dir: string = os.tmpdir(), pid: number = process.pid): string[] {
  return removeSpools(dir, (owner) => owner === pid);
}
