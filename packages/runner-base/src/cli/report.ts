/**
 * What `run` prints: one line per case (status, tasks, device wall, host overhead, records
 * collected / dropped, files), or the rows of the `--json` document. Pure: results in, text out.
 * A value that does not exist for a case (no run finished, no collector ran) is `null`, never 0.
 */
import type { WorkloadResult } from '../workloads/types';

/** How a case ended: one lowercase enum for the table and the JSON document alike. */
export type CaseStatus = 'ok' | 'mismatch' | 'failed' | 'interrupted';

/** The printable summary of one case. */
export interface CaseSummary {
  /** Workload name. */
  workload: string;
  /** Case name. */
  case: string;
  /** How the case ended. */
  status: CaseStatus;
  /** Tasks per run; `null` when the case did not get to run. */
  tasks: number | null;
  /** Runs of the case that finished. */
  runs: number;
  /** Device wall time of the last run, in µs; `null` without a finished run. */
  deviceWallUs: number | null;
  /** Host time of the last run minus its device wall, in µs; `null` without a finished run. */
  hostOverheadUs: number | null;
  /** Records collected by all collectors over all runs; `null` when no collector ran. */
  recordsCollected: number | null;
  /** Records dropped by all collectors over all runs; `null` when no collector ran. */
  recordsDropped: number | null;
  /** The case's output directory, when it has one. */
  outputDir: string | null;
  /** Files written by the last run. */
  files: string[];
  /** What did not match, or why it failed; `null` for a case that is `ok`. */
  detail: string | null;
  /** The error a failed or interrupted case threw: its stable code and message. */
  error: { code: string; message: string } | null;
}

/** Summarizes a finished case. */
export function summarizeCase(result: WorkloadResult, outputDir: string | null = null): CaseSummary {
  const last = result.runs[result.runs.length - 1];
  const deviceWallUs = last ? Number(last.deviceWallNs) / 1000 : null;
  const hostUs = last ? last.hostTimings.totalMs * 1000 : null;
  let collected = 0;
  let dropped = 0;
  let collectors = 0;
  for (const run of result.runs) {
    for (const s of run.collectors) {
      collectors++;
      collected += s.collected;
      dropped += s.dropped;
    }
  }
  const failedChecks = result.checks.filter((c) => !c.passed).map((c) => `${c.name}: ${c.detail}`);
  const first = result.mismatches[0];
  const detail = result.verified
    ? null
    : [
        ...(result.mismatchCount > 0 && first
          ? [`${result.mismatchCount} mismatching elements (first: ${first.tensor}[${first.index}] = ${first.actual}, expected ${first.expected})`]
          : []),
        ...failedChecks,
      ].join('; ');
  return {
    workload: result.workload,
    case: result.case,
    status: result.verified ? 'ok' : 'mismatch',
    tasks: result.tasks,
    runs: result.runs.length,
    deviceWallUs,
    hostOverheadUs: deviceWallUs === null || hostUs === null ? null : Math.max(0, hostUs - deviceWallUs),
    recordsCollected: collectors > 0 ? collected : null,
    recordsDropped: collectors > 0 ? dropped : null,
    outputDir,
    files: last ? [...last.files] : [],
    detail,
    error: null,
  };
}

/** The stable code and message of anything thrown (`UNKNOWN` when it has no code). */
export function errorSummary(error: unknown): { code: string; message: string } {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return { code: typeof code === 'string' ? code : 'UNKNOWN', message };
}

/** A summary for a case that threw: `failed`, or `interrupted` when `interrupted` is true. */
export function failedCase(workload: string, caseName: string, error: unknown, interrupted = false, outputDir: string | null = null): CaseSummary {
  const e = errorSummary(error);
  return {
    workload,
    case: caseName,
    status: interrupted ? 'interrupted' : 'failed',
    tasks: null,
    runs: 0,
    deviceWallUs: null,
    hostOverheadUs: null,
    recordsCollected: null,
    recordsDropped: null,
    outputDir,
    files: [],
    detail: `${e.code}: ${e.message}`,
    error: e,
  };
}

/** How {@link formatTable} may decorate its text. */
export interface TableStyle {
  /** Colour the status column (a terminal that allows colour). */
  color?: boolean;
}

const STATUS_COLOR: Record<CaseStatus, string> = { ok: '\x1b[32m', mismatch: '\x1b[33m', failed: '\x1b[31m', interrupted: '\x1b[33m' };

const dash = (v: number | null, unit = ''): string => (v === null ? '-' : `${unit === '' ? String(v) : v.toFixed(1)}${unit}`);

/** The aligned table of case summaries, with the trace files listed after it. */
export function formatTable(rows: readonly CaseSummary[], style: TableStyle = {}): string {
  const header = ['workload', 'case', 'status', 'tasks', 'device wall', 'host overhead', 'records', 'dropped'];
  const body = rows.map((r) => [
    r.workload,
    r.case,
    r.status,
    dash(r.tasks),
    dash(r.deviceWallUs, ' µs'),
    dash(r.hostOverheadUs, ' µs'),
    dash(r.recordsCollected),
    dash(r.recordsDropped),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[], status?: CaseStatus): string =>
    cells
      .map((c, i) => {
        const padded = c.padEnd(widths[i] ?? 0);
        // Coloured after padding: escape codes take no columns.
        return i === 2 && status !== undefined && style.color === true ? `${STATUS_COLOR[status]}${padded}\x1b[0m` : padded;
      })
      .join('  ')
      .trimEnd();
  const out = [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map((cells, i) => line(cells, rows[i]!.status))];
  for (const r of rows) {
    if (r.detail !== null) out.push(`  ${r.workload}/${r.case}: ${r.detail}`);
    const traces = r.files.filter((f) => f.endsWith('.trace.json'));
    for (const t of traces) out.push(`  trace ${r.workload}/${r.case}: ${t}`);
  }
  return out.join('\n');
}
