/**
 * `view`: reads a run's directory and writes `<dir>/report.html` (see `html.ts` for what makes it
 * self-contained, `model.ts` for what it shows).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ResultsError, ResultsErrorCode } from '../errors';
import { readRun, type RunResults } from '../read-run';
import { renderReportHtml } from './html';
import { buildReportModel } from './model';

/** Name of the report file in a run's directory. */
export const REPORT_FILE = 'report.html';

let cachedScript: string | undefined;

/** The compiled page script (built by the package's `tsconfig.app.json`). */
export function reportScript(): string {
  if (cachedScript === undefined) {
    const file = path.join(__dirname, '..', 'app', 'report-app.js');
    try {
      cachedScript = fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new ResultsError(ResultsErrorCode.WriteFailed, `the report page script is missing (${file}); build @npurun/results first`, file, e);
    }
  }
  return cachedScript;
}

/** Options of {@link writeReport}. */
export interface WriteReportOptions {
  /** Where to write (default `<dir>/report.html`). */
  output?: string;
}

/**
 * Writes the report of the run in `dir` and returns its path.
 *
 * @throws ResultsError `RESULTS_NOT_A_RUN` / `RESULTS_BAD_FILE` from reading the run;
 *   `RESULTS_WRITE_FAILED` when the file cannot be written
 */
export function writeReport(dir: string | RunResults, options: WriteReportOptions = {}): string {
  const run = typeof dir === 'string' ? readRun(dir) : dir;
  const html = renderReportHtml(buildReportModel(run), reportScript());
  const out = path.resolve(options.output ?? path.join(run.dir, REPORT_FILE));
  try {
    // Written beside and renamed, so a reader never sees half a report.
    const tmp = `${out}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, html);
    fs.renameSync(tmp, out);
  } catch (e) {
    throw new ResultsError(ResultsErrorCode.WriteFailed, `writing ${out} failed: ${(e as Error).message}`, out, e);
  }
  return out;
}
