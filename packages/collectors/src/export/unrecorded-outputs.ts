/**
 * Output files that are complete and in place but not yet listed in a manifest (`run.json`). A
 * process that must exit at once (a second interrupt) removes them, so a directory never holds an
 * output file that no manifest accounts for: what is left is listed, or a recognisable temporary.
 */
import * as fs from 'node:fs';

const unrecorded = new Set<string>();

/** Notes files just put in place (by an export) that no manifest lists yet. */
export function noteUnrecordedOutputs(files: Iterable<string>): void {
  for (const f of files) unrecorded.add(f);
}

/** The files are listed in a manifest now (or were removed): nothing to clean up for them. */
export function markOutputsRecorded(files: Iterable<string>): void {
  for (const f of files) unrecorded.delete(f);
}

/** The files noted and not yet recorded. */
export function unrecordedOutputs(): string[] {
  return [...unrecorded];
}

/**
 * Removes every output file put in place but not yet recorded, synchronously (for a process about
 * to exit at once). Never throws.
 *
 * @returns the files removed
 */
export function removeUnrecordedOutputs(): string[] {
  const removed: string[] = [];
  for (const f of unrecorded) {
    try {
      fs.rmSync(f, { force: true });
      removed.push(f);
    } catch {
      // left in place: the next run into the directory cannot know it, but it is complete
    }
  }
  unrecorded.clear();
  return removed;
}
