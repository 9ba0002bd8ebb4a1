/**
 * A run's output directory holds one run's truth. Before any device work the directory is checked
 * writable; before the run writes, the files an earlier npurun run listed in its `run.json`
 * manifest are removed (and nothing else: not unlisted files, not a `run.json` npurun did not
 * write), together with output temporaries a killed process left behind.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeOsError, makeDirectory, removeStaleTemporaries, temporaryPathFor } from '@npurun/collectors';
import { OutputDirectoryError } from './errors';
import { RUN_JSON_FILE, type RunFileEntry } from './run-json';

/**
 * Creates `dir` if needed and proves it writable by creating and removing a temporary file in it.
 *
 * @throws OutputDirectoryError naming the directory and the OS reason
 */
export async function checkOutputDirWritable(op: string, dir: string): Promise<void> {
  try {
    await makeDirectory(dir);
  } catch (err) {
    throw new OutputDirectoryError(op, dir, describeOsError(err), err);
  }
  const probe = temporaryPathFor(path.join(dir, 'write-probe'));
  try {
    const handle = await fs.promises.open(probe, 'wx');
    await handle.close();
  } catch (err) {
    throw new OutputDirectoryError(op, dir, describeOsError(err), err);
  } finally {
    await fs.promises.rm(probe, { force: true }).catch(() => undefined);
  }
}

/**
 * The manifest of a `run.json` text: its `files`, when the text is a `run.json` npurun wrote (an
 * object with a numeric `schemaVersion` and a `files` array of `{ path, bytes }`). Entries whose
 * path could leave the directory (absolute, `..`, empty) are dropped. Pure.
 */
export function parseRunManifest(text: string): RunFileEntry[] | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as { schemaVersion?: unknown; npurunVersion?: unknown; files?: unknown };
  if (typeof v.schemaVersion !== 'number' || typeof v.npurunVersion !== 'string' || !Array.isArray(v.files)) return undefined;
  const entries: RunFileEntry[] = [];
  for (const f of v.files as unknown[]) {
    const e = f as Partial<RunFileEntry> | null;
    if (typeof e?.path !== 'string' || typeof e.bytes !== 'number' || !isContainedRelativePath(e.path)) continue;
    entries.push({ path: e.path, bytes: e.bytes });
  }
  return entries;
}

/** A `/`-separated relative path that stays inside its directory (no `..`, not absolute, not `run.json`). */
function isContainedRelativePath(p: string): boolean {
  if (p === '' || p.startsWith('/') || p.includes('\\') || p.includes('\0')) return false;
  const parts = p.split('/');
  return parts.every((s) => s !== '' && s !== '.' && s !== '..') && p !== RUN_JSON_FILE;
}

/**
 * Removes what an earlier run left in `dir`: the files its `run.json` manifest lists (regular files
 * only; a listed path that is now a directory or a link is left alone), the directories that held
 * them once empty, that `run.json` itself, and output temporaries of dead processes in `dir` and
 * the directories the manifest names. A directory without a `run.json`, or with one npurun did not
 * write, is left as it is.
 *
 * @returns the paths removed
 * @throws OutputDirectoryError when a listed file exists but cannot be removed
 */
export async function removePreviousRun(op: string, dir: string): Promise<string[]> {
  const removed: string[] = [];
  const runJson = path.join(dir, RUN_JSON_FILE);
  let text: string | undefined;
  try {
    text = await fs.promises.readFile(runJson, 'utf8');
  } catch {
    text = undefined;
  }
  const manifest = text === undefined ? undefined : parseRunManifest(text);
  const dirs = new Set<string>([dir]);
  if (manifest !== undefined) {
    for (const entry of manifest) {
      const file = path.join(dir, ...entry.path.split('/'));
      if (await removeRegularFile(op, dir, file)) removed.push(file);
      for (let parent = path.dirname(file); parent !== dir && parent.startsWith(dir + path.sep); parent = path.dirname(parent)) dirs.add(parent);
    }
    if (await removeRegularFile(op, dir, runJson)) removed.push(runJson);
  }
  for (const d of dirs) removed.push(...removeStaleTemporaries(d));
  // Deepest first, so a parent empties after its children.
  for (const d of [...dirs].filter((d) => d !== dir).sort((a, b) => b.length - a.length)) {
    try {
      await fs.promises.rmdir(d);
      removed.push(d);
    } catch {
      // not empty (it holds files the run did not list) or gone: leave it
    }
  }
  return removed;
}

async function removeRegularFile(op: string, dir: string, file: string): Promise<boolean> {
  try {
    const st = await fs.promises.lstat(file);
    if (!st.isFile()) return false;
    await fs.promises.unlink(file);
    return true;
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return false;
    throw new OutputDirectoryError(op, dir, `cannot remove ${file} of the previous run: ${describeOsError(err)}`, err);
  }
}

/**
 * The manifest entries of `files` (absolute paths under `dir`): each one's path relative to `dir`
 * and its size. Files that do not exist (a third-party collector may report one it did not write)
 * or lie outside `dir` are left out.
 */
export async function describeOutputFiles(dir: string, files: readonly string[]): Promise<RunFileEntry[]> {
  const entries: RunFileEntry[] = [];
  const seen = new Set<string>();
  for (const file of files) {
    const rel = path.relative(dir, file);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) continue;
    const posix = rel.split(path.sep).join('/');
    if (posix === RUN_JSON_FILE || seen.has(posix)) continue;
    try {
      const st = await fs.promises.stat(file);
      if (!st.isFile()) continue;
      entries.push({ path: posix, bytes: st.size });
      seen.add(posix);
    } catch {
      // not there: not part of the run's output
    }
  }
  return entries;
}
