/**
 * `readRun(dir)`: everything a run wrote under its output directory, as typed objects — `run.json`
 * (with the task and kernel tables), the l2 records, the trace, the PMU rows, the scope statistics,
 * dep_gen's `deps.json` and the dumped tensors with their elements as typed arrays. Task ids are
 * numbers everywhere: the ids of `run.json`'s task table.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ResultsError, ResultsErrorCode } from './errors';
import { parseDepsJson, type DepsFile } from './formats/deps-json';
import { parseL2PerfRecords, type L2PerfRecords } from './formats/l2-perf-records';
import { parsePmuCsv, type PmuTable } from './formats/pmu-csv';
import { parseRunJson, type RunInfo } from './formats/run-json';
import { parseScopeStats, type ScopeStatsFile } from './formats/scope-stats';
import { dumpedTensors, parseDumpManifest, type DumpedTensor, type DumpManifest } from './formats/tensor-dump';
import { parseTrace, type TraceFile } from './formats/trace';

/** The files a run writes, relative to its directory. */
export const RUN_FILES = {
  run: 'run.json',
  l2: 'l2_perf_records.json',
  trace: 'swimlane.trace.json',
  pmu: 'pmu.csv',
  scopeStats: path.join('scope_stats', 'scope_stats.jsonl'),
  deps: 'deps.json',
  dumpManifest: path.join('tensor_dump', 'tensor_dump.json'),
} as const;

/** The tensor dump: its manifest and every tensor. */
export interface TensorDump {
  /** The manifest. */
  manifest: DumpManifest;
  /** Every entry with its payload. */
  tensors: DumpedTensor[];
}

/** What {@link readRun} returns. */
export interface RunResults {
  /** The run's directory. */
  dir: string;
  /** `run.json`. */
  run: RunInfo;
  /** `l2_perf_records.json`, when the l2 swimlane ran. */
  l2?: L2PerfRecords;
  /** `swimlane.trace.json`, when the l2 swimlane ran. */
  trace?: TraceFile;
  /** `pmu.csv`, when PMU ran and recorded something. */
  pmu?: PmuTable;
  /** `scope_stats/scope_stats.jsonl`, when scope stats ran. */
  scopeStats?: ScopeStatsFile;
  /** `deps.json`, when dep_gen ran and its capture was sound (a2a3). */
  deps?: DepsFile;
  /** `tensor_dump/`, when the tensor dump ran and dumped something. */
  tensorDump?: TensorDump;
  /** Files read, relative to `dir`. */
  files: string[];
  /** Other files under `dir` (a report, exported `.npy` files, …), relative to it. */
  otherFiles: string[];
}

/** Options of {@link readRun}. */
export interface ReadRunOptions {
  /** Read the dumped tensors' payloads (default true); false leaves `raw` empty and `data` undefined. */
  tensorData?: boolean;
}

function listFiles(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const p = path.join(rel, e.name);
    if (e.isDirectory()) out.push(...listFiles(dir, p));
    else out.push(p);
  }
  return out;
}

/** Run directories below `dir` (for the error message when `dir` itself is not one). */
function runsBelow(dir: string, depth = 2): string[] {
  if (depth === 0) return [];
  const found: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const sub = path.join(dir, e.name);
    if (fs.existsSync(path.join(sub, RUN_FILES.run))) found.push(sub);
    else found.push(...runsBelow(sub, depth - 1));
  }
  return found;
}

/**
 * Reads a run's output directory.
 *
 * @throws ResultsError `RESULTS_NOT_A_RUN` when `dir` has no `run.json` (naming run directories
 *   below it, if any); `RESULTS_BAD_FILE` naming the file and field that cannot be read
 */
export function readRun(dir: string, options: ReadRunOptions = {}): RunResults {
  if (typeof dir !== 'string' || dir === '') throw new ResultsError(ResultsErrorCode.InvalidArgument, `readRun: dir must be a non-empty path, got ${JSON.stringify(dir)}`);
  const abs = path.resolve(dir);
  if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) throw new ResultsError(ResultsErrorCode.NotARun, `${abs} is not a directory`);
  if (!fs.existsSync(path.join(abs, RUN_FILES.run))) {
    const below = runsBelow(abs);
    const hint = below.length === 0 ? '' : ` (runs below it: ${below.map((b) => path.relative(abs, b)).join(', ')})`;
    throw new ResultsError(ResultsErrorCode.NotARun, `${abs} holds no run.json: not a run's output directory${hint}`);
  }
  const files: string[] = [];
  const read = (rel: string): string | undefined => {
    const p = path.join(abs, rel);
    if (!fs.existsSync(p)) return undefined;
    files.push(rel);
    return fs.readFileSync(p, 'utf8');
  };
  const run = parseRunJson(read(RUN_FILES.run)!, path.join(abs, RUN_FILES.run));
  const out: RunResults = { dir: abs, run, files, otherFiles: [] };
  const l2 = read(RUN_FILES.l2);
  if (l2 !== undefined) out.l2 = parseL2PerfRecords(l2, path.join(abs, RUN_FILES.l2));
  const trace = read(RUN_FILES.trace);
  if (trace !== undefined) out.trace = parseTrace(trace, path.join(abs, RUN_FILES.trace));
  const pmu = read(RUN_FILES.pmu);
  if (pmu !== undefined) out.pmu = parsePmuCsv(pmu, path.join(abs, RUN_FILES.pmu));
  const scope = read(RUN_FILES.scopeStats);
  if (scope !== undefined) out.scopeStats = parseScopeStats(scope, path.join(abs, RUN_FILES.scopeStats));
  const deps = read(RUN_FILES.deps);
  if (deps !== undefined) out.deps = parseDepsJson(deps, path.join(abs, RUN_FILES.deps));
  const manifestText = read(RUN_FILES.dumpManifest);
  if (manifestText !== undefined) {
    const manifest = parseDumpManifest(manifestText, path.join(abs, RUN_FILES.dumpManifest));
    const binRel = path.join(path.dirname(RUN_FILES.dumpManifest), manifest.binFile);
    const binPath = path.join(abs, binRel);
    let tensors: DumpedTensor[];
    if (options.tensorData === false) {
      tensors = manifest.tensors.map((e) => ({ ...e, raw: new Uint8Array(0), data: undefined }));
      if (fs.existsSync(binPath)) files.push(binRel);
    } else {
      const bin = fs.existsSync(binPath) ? new Uint8Array(fs.readFileSync(binPath)) : new Uint8Array(0);
      if (fs.existsSync(binPath)) files.push(binRel);
      tensors = dumpedTensors(manifest, bin, binPath);
    }
    out.tensorDump = { manifest, tensors };
  }
  const known = new Set(files);
  out.otherFiles = listFiles(abs).filter((f) => !known.has(f));
  return out;
}
