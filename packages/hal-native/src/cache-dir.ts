/**
 * Where npurun keeps what it can rebuild: compiled device programs and generated headers. It is the
 * user's own cache directory (`$XDG_CACHE_HOME/npurun`, else `~/.cache/npurun`, via env-paths), not
 * the shared temporary directory, so one user's entries can be neither read nor planted by another.
 * The device-program cache is bounded: after every compile, entries unused for longest are removed
 * until the cache is under its size limit, and entries unused past the age limit go regardless.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
// eslint-disable-next-line @typescript-eslint/no-require-imports
import envPaths = require('env-paths');

/** Default size bound of the device-program cache: 512 MiB (override with `NPURUN_CACHE_MAX_BYTES`). */
export const DEFAULT_CACHE_MAX_BYTES = 512 * 1024 * 1024;
/** Default age bound: entries unused for 30 days are removed (override with `NPURUN_CACHE_MAX_AGE_DAYS`). */
export const DEFAULT_CACHE_MAX_AGE_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * npurun's cache root: `$NPURUN_CACHE_DIR` when set, else the user's cache directory
 * (`$XDG_CACHE_HOME/npurun`, else `~/.cache/npurun` on Linux).
 */
export function npurunCacheDir(): string {
  const override = process.env['NPURUN_CACHE_DIR'];
  if (override !== undefined && override !== '') return path.resolve(override);
  return envPaths('npurun', { suffix: '' }).cache;
}

/** Where compiled device programs are cached: `<npurunCacheDir()>/device-programs`. */
export function deviceProgramCacheDir(): string {
  return path.join(npurunCacheDir(), 'device-programs');
}

/** Where generated headers are materialized: `<npurunCacheDir()>/headers`. */
export function generatedHeadersCacheDir(): string {
  return path.join(npurunCacheDir(), 'headers');
}

/** The bounds {@link pruneDeviceProgramCache} enforces. */
export interface CacheBounds {
  /** Total size the entries may take. Default `$NPURUN_CACHE_MAX_BYTES`, else {@link DEFAULT_CACHE_MAX_BYTES}. */
  readonly maxBytes?: number;
  /** Entries not used for longer are removed. Default `$NPURUN_CACHE_MAX_AGE_DAYS`, else {@link DEFAULT_CACHE_MAX_AGE_MS}. */
  readonly maxAgeMs?: number;
  /** Entries never removed (the one just written), by path. */
  readonly keep?: readonly string[];
}

/** What a prune or a clean removed, and what is left. */
export interface CacheSweep {
  /** The directory swept. */
  readonly dir: string;
  /** Files removed. */
  readonly removedFiles: number;
  /** Bytes those files took. */
  readonly removedBytes: number;
  /** Entries left. */
  readonly keptFiles: number;
  /** Bytes the entries left take. */
  readonly keptBytes: number;
}

function envNumber(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

interface Entry {
  readonly file: string;
  readonly size: number;
  readonly usedMs: number;
}

async function listEntries(dir: string): Promise<Entry[]> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return [];
  }
  const entries: Entry[] = [];
  for (const name of names) {
    // Only finished entries: a writer's temporary file is renamed into place when complete.
    if (!name.endsWith('.so') || name.startsWith('.')) continue;
    const file = path.join(dir, name);
    const stat = await fs.stat(file).catch(() => undefined);
    if (stat === undefined || !stat.isFile()) continue;
    entries.push({ file, size: stat.size, usedMs: Math.max(stat.atimeMs, stat.mtimeMs) });
  }
  return entries;
}

/**
 * Marks a cache entry as just used (its access time, set explicitly because mounts often do not
 * keep it; the modification time stays when it was written), so the size bound removes the least
 * recently used entries first. Best effort: a read-only cache still answers.
 */
export async function touchCacheEntry(file: string): Promise<void> {
  const stat = await fs.stat(file).catch(() => undefined);
  if (stat === undefined) return;
  await fs.utimes(file, new Date(), stat.mtime).catch(() => undefined);
}

/**
 * Removes device-program cache entries unused for longer than `maxAgeMs`, then the least recently
 * used ones until the rest fit in `maxBytes`. Entries another process removes meanwhile are skipped.
 *
 * @param dir - the cache directory; default {@link deviceProgramCacheDir}
 */
export async function pruneDeviceProgramCache(dir: string = deviceProgramCacheDir(), bounds: CacheBounds = {}): Promise<CacheSweep> {
  const maxBytes = bounds.maxBytes ?? envNumber('NPURUN_CACHE_MAX_BYTES') ?? DEFAULT_CACHE_MAX_BYTES;
  const maxAgeDays = envNumber('NPURUN_CACHE_MAX_AGE_DAYS');
  const maxAgeMs = bounds.maxAgeMs ?? (maxAgeDays !== undefined ? maxAgeDays * 24 * 60 * 60 * 1000 : DEFAULT_CACHE_MAX_AGE_MS);
  const entries = (await listEntries(dir)).sort((a, b) => b.usedMs - a.usedMs); // most recent first
  const now = Date.now();
  let keptBytes = 0;
  let keptFiles = 0;
  let removedBytes = 0;
  let removedFiles = 0;
  const keep = new Set((bounds.keep ?? []).map((file) => path.resolve(file)));
  for (const entry of entries) {
    if (keep.has(entry.file)) {
      keptBytes += entry.size;
      keptFiles += 1;
      continue;
    }
    const tooOld = now - entry.usedMs > maxAgeMs;
    if (!tooOld && keptBytes + entry.size <= maxBytes) {
      keptBytes += entry.size;
      keptFiles += 1;
      continue;
    }
    try {
      await fs.rm(entry.file);
      removedBytes += entry.size;
      removedFiles += 1;
    } catch {
      // already gone (another process pruned it)
    }
  }
  return { dir, removedFiles, removedBytes, keptFiles, keptBytes };
}

async function treeSize(dir: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      const sub = await treeSize(full);
      files += sub.files;
      bytes += sub.bytes;
    } else {
      const stat = await fs.lstat(full).catch(() => undefined);
      if (stat !== undefined) {
        files += 1;
        bytes += stat.size;
      }
    }
  }
  return { files, bytes };
}

/** What {@link npurunCacheInfo} reports. */
export interface CacheInfo {
  /** The cache root. */
  readonly dir: string;
  /** Files under it. */
  readonly files: number;
  /** Bytes they take. */
  readonly bytes: number;
}

/** The cache root and how much npurun's entries under it hold. */
export async function npurunCacheInfo(): Promise<CacheInfo> {
  const programs = await treeSize(deviceProgramCacheDir());
  const headers = await treeSize(generatedHeadersCacheDir());
  return { dir: npurunCacheDir(), files: programs.files + headers.files, bytes: programs.bytes + headers.bytes };
}

/**
 * Empties npurun's cache: its compiled device programs and generated headers (only those: the root
 * may be a directory the user pointed `NPURUN_CACHE_DIR` at). Everything in it is rebuilt on
 * demand; a process compiling at that moment may rebuild what it was about to use.
 */
export async function cleanNpurunCache(): Promise<CacheSweep> {
  let removedFiles = 0;
  let removedBytes = 0;
  for (const dir of [deviceProgramCacheDir(), generatedHeadersCacheDir()]) {
    const before = await treeSize(dir);
    await fs.rm(dir, { recursive: true, force: true });
    removedFiles += before.files;
    removedBytes += before.bytes;
  }
  return { dir: npurunCacheDir(), removedFiles, removedBytes, keptFiles: 0, keptBytes: 0 };
}
