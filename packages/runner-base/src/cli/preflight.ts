/**
 * Everything `run` can check before the device is opened: the workload and case names, the
 * executor files (read here, so an unreadable one is a usage error, not a failure after the device
 * work), `--block-dim` against the arch's limit, and that every output directory is writable.
 * The result is the plan the command then executes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { archConstants, describeOsError } from '@npurun/collectors';
import type { Arch } from '@npurun/hal-native';
import type { ExecutorBinaries } from '../device-runner-base';
import { OutputDirectoryError } from '../errors';
import { checkOutputDirWritable } from '../output-dir';
import type { DiagnosticsOptions } from '../run-types';
import type { Workload } from '../workloads/types';
import { CliUsageError } from './usage';

/** The `run` flags the plan depends on. */
export interface RunFlagsForPlan {
  /** `--case` ('' for the default, `all`). */
  case: string;
  /** `--out`. */
  out?: string;
  /** `--block-dim`. */
  blockDim?: number;
  /** `--swimlane` level. */
  swimlane: number;
  /** `--dump`. */
  dump: boolean;
  /** `--pmu` group. */
  pmu: number;
  /** `--scope-stats`. */
  scopeStats: boolean;
  /** `--dep-gen`. */
  depGen: boolean;
  /** `--aicpu-executor`. */
  aicpuExecutor?: string;
  /** `--aicore-executor`. */
  aicoreExecutor?: string;
}

/** What `run` will do, checked. */
export interface RunPlan {
  /** The workload. */
  workload: Workload;
  /** The cases, in order. */
  caseNames: string[];
  /** Diagnostics of every run. */
  diagnostics: DiagnosticsOptions;
  /** Output directory per case (absent: no diagnostics and no `--out`). */
  outputDirs: ReadonlyMap<string, string>;
  /** Executor programs read from disk (hardware), if given. */
  executors: ExecutorBinaries | undefined;
}

/** The largest `--block-dim` of an arch: a block is 1 cube + 2 vector cores. */
export function archMaxBlockDim(arch: Arch): number {
  return Math.floor(archConstants(arch).maxCores / 3);
}

function readExecutor(option: string, file: string): Uint8Array {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new CliUsageError(`${option}: cannot read ${file}: ${describeOsError(e)}`, e);
  }
  if (bytes.byteLength === 0) throw new CliUsageError(`${option}: ${file} is empty`);
  return new Uint8Array(bytes);
}

/**
 * Checks the `run` command line and returns its plan.
 *
 * @throws CliUsageError naming what is wrong
 */
export async function planRun(arch: Arch, workloads: Readonly<Record<string, Workload>>, workloadName: string, flags: RunFlagsForPlan, supportsDepGen: boolean): Promise<RunPlan> {
  const workload = Object.prototype.hasOwnProperty.call(workloads, workloadName) ? workloads[workloadName] : undefined;
  if (workload === undefined) throw new CliUsageError(`unknown workload '${workloadName}' (one of: ${Object.keys(workloads).join(', ')})`);
  const caseNames = flags.case === 'all' ? workload.cases.map((c) => c.name) : [flags.case === '' ? workload.defaultCase : flags.case];
  const unknown = caseNames.find((c) => !workload.cases.some((k) => k.name === c));
  if (unknown !== undefined) {
    throw new CliUsageError(`workload ${workload.name} has no case '${unknown}' (cases: ${workload.cases.map((c) => c.name).join(', ')}, all)`);
  }
  const max = archMaxBlockDim(arch);
  if (flags.blockDim !== undefined && flags.blockDim > max) {
    throw new CliUsageError(`--block-dim must be 0 (all) or an integer in [1, ${max}] on ${arch}, got ${flags.blockDim}`);
  }
  if ((flags.aicpuExecutor === undefined) !== (flags.aicoreExecutor === undefined)) {
    throw new CliUsageError('--aicpu-executor and --aicore-executor go together');
  }
  const executors =
    flags.aicpuExecutor !== undefined && flags.aicoreExecutor !== undefined
      ? { aicpu: readExecutor('--aicpu-executor', flags.aicpuExecutor), aicore: readExecutor('--aicore-executor', flags.aicoreExecutor) }
      : undefined;
  const diagnostics: DiagnosticsOptions = {
    l2Swimlane: flags.swimlane,
    tensorDump: flags.dump,
    pmu: flags.pmu,
    scopeStats: flags.scopeStats,
    ...(supportsDepGen ? { depGen: flags.depGen } : {}),
  };
  const anyDiagnostic = flags.swimlane > 0 || flags.dump || flags.pmu > 0 || flags.scopeStats || flags.depGen;
  const outRoot = flags.out ?? (anyDiagnostic ? path.join('out', arch, workload.name) : undefined);
  const outputDirs = new Map<string, string>();
  if (outRoot !== undefined) {
    const perCase = caseNames.length > 1 || flags.case !== '';
    for (const c of caseNames) {
      const dir = perCase ? path.join(outRoot, c) : outRoot;
      try {
        await checkOutputDirWritable('--out', dir);
      } catch (e) {
        throw e instanceof OutputDirectoryError ? new CliUsageError(e.message, e) : e;
      }
      outputDirs.set(c, dir);
    }
  }
  return { workload, caseNames, diagnostics, outputDirs, executors };
}
