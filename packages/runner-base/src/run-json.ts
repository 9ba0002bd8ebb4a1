/**
 * `run.json`: what ran. Built as a plain object (pure), then written by the runner. u64 values
 * are written as decimal strings so no JSON reader loses precision. It is also the manifest of
 * the run's output directory: `files` lists every other file the run wrote.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic, type CollectorSummary } from '@npurun/collectors';
import type { RunIdentity } from './run-identity';
import type { DiagnosticsOptions, HostTimings } from './run-types';

/** Version of the `run.json` layout; raised on any incompatible change. */
export const RUN_JSON_SCHEMA_VERSION = 1;

/** The file name of a run's record in its output directory. */
export const RUN_JSON_FILE = 'run.json';

/**
 * How a run ended: `ok`; `failed` (with `error`); `interrupted` (aborted through its signal, or
 * the CLI got SIGINT/SIGTERM); `running` — written when the run starts and replaced when it ends,
 * so a `run.json` still saying `running` means the process died mid-run.
 */
export type RunStatus = 'ok' | 'failed' | 'interrupted' | 'running';

/** One file of a run's manifest. */
export interface RunFileEntry {
  /** Path relative to the output directory, `/`-separated. */
  path: string;
  /** Size in bytes. */
  bytes: number;
}

/** The facts `run.json` records. */
export interface RunJsonInput extends RunIdentity {
  /** Architecture. */
  arch: string;
  /** Platform. */
  platform: string;
  /** True on the simulator. */
  simulated: boolean;
  /** Device id. */
  deviceId: number;
  /** blockDim used. */
  blockDim: number;
  /** AI CPU threads of the run kernel. */
  aicpuThreads: number;
  /** Diagnostics requested. */
  diagnostics: DiagnosticsOptions;
  /** Device wall time in ns, when read. */
  deviceWallNs: bigint | null;
  /** Host timings (partial on a failed run). */
  hostTimings: Partial<HostTimings>;
  /** Collector summaries. */
  collectors: readonly CollectorSummary[];
  /** Tasks and kernels of the runtime image. */
  graph: { tasks: number; kernels: number; edges: number; dummies: number };
  /** How the run ended (see {@link RunStatus}). */
  status: RunStatus;
  /** The error's code and message on failure or interruption. */
  error?: { code: string; message: string };
  /** Every file the run wrote besides `run.json`. */
  files: readonly RunFileEntry[];
  /** Extra fields from the arch or collectors (top level, they win over nothing above). */
  extra: Record<string, unknown>;
}

let cachedVersion: string | undefined;

/** The npurun (runner-base) version. */
export function npurunVersion(): string {
  if (cachedVersion === undefined) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version?: unknown };
      cachedVersion = typeof pkg.version === 'string' ? pkg.version : 'unknown';
    } catch {
      cachedVersion = 'unknown';
    }
  }
  return cachedVersion;
}

/** Builds the `run.json` object. */
export function buildRunJson(input: RunJsonInput): Record<string, unknown> {
  const base: Record<string, unknown> = {
    schemaVersion: RUN_JSON_SCHEMA_VERSION,
    npurunVersion: npurunVersion(),
    ...(input.runId !== undefined ? { runId: input.runId } : {}),
    status: input.status,
    ...(input.error !== undefined ? { error: input.error } : {}),
    arch: input.arch,
    platform: input.platform,
    simulated: input.simulated,
    deviceId: input.deviceId,
    blockDim: input.blockDim,
    aicpuThreads: input.aicpuThreads,
    diagnostics: input.diagnostics,
    deviceWallNs: input.deviceWallNs === null ? null : input.deviceWallNs.toString(),
    hostTimings: input.hostTimings,
    graph: input.graph,
    collectors: input.collectors,
    ...(input.tag !== undefined ? { workload: input.tag.workload, case: input.tag.case } : {}),
    ...(input.trace !== undefined ? { trace: input.trace } : {}),
    // The join tables: every other file names tasks by `id` and kernels by `func_id` = kernel `id`.
    ...(input.taskTable !== undefined ? { kernels: input.taskTable.kernels, tasks: input.taskTable.tasks } : {}),
    files: input.files,
  };
  for (const [k, v] of Object.entries(input.extra)) {
    if (!(k in base)) base[k] = v;
  }
  return base;
}

/** Serializes with bigints as decimal strings. */
export function stringifyRunJson(value: unknown): string {
  return `${JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`;
}

/**
 * Writes `run.json` under `dir` (atomically: a reader sees the previous one or this one, whole)
 * and returns its path.
 *
 * @throws OutputWriteError naming the file and the OS reason
 */
export async function writeRunJson(dir: string, value: Record<string, unknown>): Promise<string> {
  const file = path.join(dir, RUN_JSON_FILE);
  await writeFileAtomic('run', file, stringifyRunJson(value));
  return file;
}
