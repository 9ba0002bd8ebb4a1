/**
 * What `run` prints: one line per case (status, tasks, device wall, host overhead, records
 * collected / dropped, files), or JSON with `--json`. Pure: results in, text out.
 */
import type { WorkloadResult } from '../workloads/types';

/** The printable summary of one case. */
export interface CaseSummary {
  /** Workload name. */
  workload: string;
  /** Case name. */
  case: string;
  /** `ok`, `MISMATCH`, or `FAILED`. */
  status: 'ok' | 'MISMATCH' | 'FAILED';
  /** Tasks per run. */
  tasks: number;
  /** Runs of the case. */
  runs: number;
  /** Device wall time of the last run, in µs. */
  deviceWallUs: number;
  /** Host time of the last run minus its device wall, in µs. */
  hostOverheadUs: number;
  /** Records collected by all collectors over all runs. */
  recordsCollected: number;
  /** Records dropped by all collectors over all runs. */
  recordsDropped: number;
  /** Files written by the last run. */
  files: string[];
  /** Why it failed, or what did not match. */
  detail?: string;
  /** The stable code of the error a failed case threw. */
  errorCode?: string;
}

/** Summarizes a finished case. */
export function summarizeCase(result: WorkloadResult): CaseSummary {
  const last = result.runs[result.runs.length - 1];
  const deviceWallUs = last ? Number(last.deviceWallNs) / 1000 : 0;
  const hostUs = last ? last.hostTimings.totalMs * 1000 : 0;
  let collected = 0;
  let dropped = 0;
  for (const run of result.runs) {
    for (const s of run.collectors) {
      collected += s.collected;
      dropped += s.dropped;
    }
  }
  const failedChecks = result.checks.filter((c) => !c.passed).map((c) => `${c.name}: ${c.detail}`);
  const first = result.mismatches[0];
  const detail = result.verified
    ? undefined
    : [
        ...(result.mismatchCount > 0 && first
          ? [`${result.mismatchCount} mismatching elements (first: ${first.tensor}[${first.index}] = ${first.actual}, expected ${first.expected})`]
          : []),
        ...failedChecks,
      ].join('; ');
  return {
    workload: result.workload,
    case: result.case,
    status: result.verified ? 'ok' : 'MISMATCH',
    tasks: result.tasks,
    runs: result.runs.length,
    deviceWallUs,
    hostOverheadUs: Math.max(0, hostUs - deviceWallUs),
    recordsCollected: collected,
    recordsDropped: dropped,
    files: last ? [...last.files] : [],
    ...(detail !== undefined ? { detail } : {}),
  };
}

/** A summary for a case that threw. */
export function failedCase(workload: string, caseName: string, error: unknown): CaseSummary {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? `${typeof code === 'string' ? code : error.name}: ${error.message}` : String(error);
  return {
    ...(typeof code === 'string' ? { errorCode: code } : {}),
    workload,
    case: caseName,
    status: 'FAILED',
    tasks: 0,
    runs: 0,
    deviceWallUs: 0,
    hostOverheadUs: 0,
    recordsCollected: 0,
    recordsDropped: 0,
    files: [],
    detail: message,
  };
}

/** The aligned table of case summaries, with the trace files listed after it. */
export function formatTable(rows: readonly CaseSummary[]): string {
  const header = ['workload', 'case', 'status', 'tasks', 'device wall', 'host overhead', 'records', 'dropped'];
  const body = rows.map((r) => [
    r.workload,
    r.case,
    r.status,
    String(r.tasks),
    r.status === 'FAILED' ? '-' : `${r.deviceWallUs.toFixed(1)} µs`,
    r.status === 'FAILED' ? '-' : `${r.hostOverheadUs.toFixed(1)} µs`,
    String(r.recordsCollected),
    String(r.recordsDropped),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  const out = [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)];
  for (const r of rows) {
    if (r.detail !== undefined) out.push(`  ${r.workload}/${r.case}: ${r.detail}`);
    const traces = r.files.filter((f) => f.endsWith('.trace.json'));
    for (const t of traces) out.push(`  trace ${r.workload}/${r.case}: ${t}`);
  }
  return out.join('\n');
}
