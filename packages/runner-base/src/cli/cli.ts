/**
 * The command-line skeleton both arch packages install (`npurun-a2a3`, `npurun-a5`):
 * `run <workload>`, `info`, `list`, `view` / `export-npy` on a run's files, and `cache info|clean`. An arch package supplies a {@link CliSpec}; everything else —
 * parsing, validation, progress, the result table, exit codes — lives here once.
 */
import * as path from 'node:path';
import { Command, CommanderError, InvalidArgumentError as CommanderInvalidArgument, Option } from 'commander';
import * as fs from 'node:fs';
import { openDevice, type Arch, type Platform } from '@npurun/hal-native';
import type { DeviceRunnerOptions, ExecutorBinaries } from '../device-runner-base';
import type { DiagnosticsOptions } from '../run-types';
import type { Workload, WorkloadRunner } from '../workloads/types';
import { CliExitCode } from './exit-codes';
import { createProgress } from './progress';
import { failedCase, formatTable, summarizeCase, type CaseSummary } from './report';
import { registerResultCommands } from './result-commands';
import { registerCacheCommands } from './cache-commands';
import { hardwareRunRefusal } from './hardware-support';

/** A runner as the CLI uses it. */
export interface CliRunner extends WorkloadRunner {
  /** Releases everything. */
  finalize(): Promise<void>;
}

/** What the CLI creates a runner with: the common options plus, on hardware, the executors it read. */
export type CliRunnerOptions = DeviceRunnerOptions & { executors?: ExecutorBinaries };

/** What an arch package tells the CLI about itself. */
export interface CliSpec {
  /** The command name, e.g. `npurun-a2a3`. */
  command: string;
  /** The arch. */
  arch: Arch;
  /** The package version, printed by `--version` and written into results. */
  version: string;
  /** Whether `--dep-gen` exists (a2a3 only). */
  supportsDepGen: boolean;
  /** Creates a runner. */
  createRunner(options: CliRunnerOptions): Promise<CliRunner>;
  /** The bundled workloads, by name. */
  workloads: Readonly<Record<string, Workload>>;
}

/** Where the CLI writes; tests pass buffers. */
export interface CliIo {
  /** Results. */
  stdout: Pick<NodeJS.WriteStream, 'write'> & Partial<Pick<NodeJS.WriteStream, 'isTTY'>>;
  /** Errors and progress. */
  stderr: Pick<NodeJS.WriteStream, 'write'> & Partial<Pick<NodeJS.WriteStream, 'isTTY'>>;
  /** Opens a file for `view --open`; default: the desktop's default application. */
  open?: (file: string) => Promise<void>;
}

interface RunFlags {
  platform?: string;
  device: number;
  blockDim?: number;
  out?: string;
  swimlane: number;
  dump: boolean;
  pmu: number;
  scopeStats: boolean;
  depGen: boolean;
  timeout?: number;
  logLevel: string;
  case: string;
  json: boolean;
  aicpuExecutor?: string;
  aicoreExecutor?: string;
}

function intOption(name: string, min: number, max: number): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new CommanderInvalidArgument(`${name} must be an integer from ${min} to ${max}, got '${value}'`);
    }
    return n;
  };
}

/** Runs the CLI; resolves to the process exit code (it never calls `process.exit`). */
export async function runCli(spec: CliSpec, argv: readonly string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<CliExitCode> {
  let exitCode: CliExitCode = CliExitCode.Ok;
  const program = new Command(spec.command)
    .description(`npurun for ${spec.arch}: run smoke workloads on the simulator (${spec.arch}sim) or on hardware (${spec.arch})`)
    .version(spec.version)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError();

  const platformOption = (): Option =>
    new Option('--platform <platform>', 'platform').choices([`${spec.arch}sim`, spec.arch]).default(`${spec.arch}sim`);
  const deviceOption = (): Option => new Option('--device <id>', 'device id').argParser(intOption('--device', 0, 1023)).default(0);

  program
    .command('list')
    .description('list the bundled workloads and their cases')
    .action(() => {
      for (const w of Object.values(spec.workloads)) {
        io.stdout.write(`${w.name}  ${w.description}\n`);
        for (const c of w.cases) io.stdout.write(`  ${c.name}${c.name === w.defaultCase ? ' (default)' : ''}  ${c.description}\n`);
      }
    });

  program
    .command('info')
    .description("print the device's properties")
    .addOption(platformOption())
    .addOption(deviceOption())
    .option('--json', 'print JSON', false)
    .action((flags: { platform: string; device: number; json: boolean }) => {
      // The device alone answers this: no runner, so no executor programs are needed on hardware.
      const device = openDevice({ platform: flags.platform as Platform, deviceId: flags.device });
      try {
        const props = device.properties;
        if (flags.json) {
          io.stdout.write(`${JSON.stringify(props, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
        } else {
          for (const [k, v] of Object.entries(props)) io.stdout.write(`${k.padEnd(22)} ${String(v)}\n`);
        }
      } finally {
        device.close();
      }
    });

  const run = program
    .command('run')
    .description('run a workload and verify it against its golden')
    .argument('<workload>', `one of: ${Object.keys(spec.workloads).join(', ')}`)
    .addOption(platformOption())
    .addOption(deviceOption())
    .option('--case <name>', "case to run, or 'all'", '')
    .option('--block-dim <n>', 'blocks to launch (0 = all)', intOption('--block-dim', 0, 1024))
    .option('--out <dir>', 'output directory (default: out/<arch>/<workload> when a diagnostic is on)')
    .option('--swimlane <level>', 'L2 swimlane level 0-4', intOption('--swimlane', 0, 4), 0)
    .option('--dump', 'tensor dump', false)
    .option('--pmu <group>', 'PMU event group (0 = off)', intOption('--pmu', 0, 0xffff), 0)
    .option('--scope-stats', 'scope statistics', false)
    .option('--timeout <ms>', 'run timeout in ms', intOption('--timeout', 1, 2 ** 31 - 1))
    .addOption(new Option('--log-level <level>', 'log level').choices(['debug', 'info', 'warn', 'error', 'off']).default('warn'))
    .option('--json', 'print results as JSON', false)
    .option('--aicpu-executor <file>', "hardware: the runtime's AI CPU executor program")
    .option('--aicore-executor <file>', "hardware: the runtime's AI Core executor binary");
  if (spec.supportsDepGen) run.option('--dep-gen', 'dependency capture', false);
  run.action(async (workloadName: string, flags: RunFlags) => {
    exitCode = await runWorkloadCommand(spec, workloadName, { ...flags, depGen: flags.depGen ?? false }, io);
  });

  registerResultCommands(program, { command: spec.command, io, ...(io.open !== undefined ? { open: io.open } : {}), setExitCode: (c) => (exitCode = c) });
  registerCacheCommands(program, { io });

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through here too, with exit code 0.
      return error.exitCode === 0 ? CliExitCode.Ok : CliExitCode.Usage;
    }
    io.stderr.write(`${spec.command}: ${describe(error)}\n`);
    return isUsageError(error) ? CliExitCode.Usage : CliExitCode.RunFailed;
  }
  return exitCode;
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

const USAGE_ERROR_CODES: ReadonlySet<unknown> = new Set(['RUNNER_INVALID_ARGUMENT', 'HAL_INVALID_PLATFORM', 'HAL_INVALID_ARGUMENT']);

/** Errors that mean the command line asked for something impossible (e.g. --block-dim above the arch maximum). */
function isUsageError(error: unknown): boolean {
  return USAGE_ERROR_CODES.has((error as { code?: unknown } | null)?.code);
}

async function runWorkloadCommand(spec: CliSpec, workloadName: string, flags: RunFlags, io: CliIo): Promise<CliExitCode> {
  const workload = spec.workloads[workloadName];
  if (workload === undefined) {
    io.stderr.write(`${spec.command}: unknown workload '${workloadName}' (one of: ${Object.keys(spec.workloads).join(', ')})\n`);
    return CliExitCode.Usage;
  }
  const refusal = hardwareRunRefusal(spec.command, spec.arch, flags.platform);
  if (refusal !== undefined) {
    io.stderr.write(`${refusal}\n`);
    return CliExitCode.Usage;
  }
  const caseNames = flags.case === 'all' ? workload.cases.map((c) => c.name) : [flags.case === '' ? workload.defaultCase : flags.case];
  const unknown = caseNames.find((c) => !workload.cases.some((k) => k.name === c));
  if (unknown !== undefined) {
    io.stderr.write(`${spec.command}: workload ${workload.name} has no case '${unknown}' (cases: ${workload.cases.map((c) => c.name).join(', ')}, all)\n`);
    return CliExitCode.Usage;
  }
  const diagnostics: DiagnosticsOptions = {
    l2Swimlane: flags.swimlane,
    tensorDump: flags.dump,
    pmu: flags.pmu,
    scopeStats: flags.scopeStats,
    ...(spec.supportsDepGen ? { depGen: flags.depGen } : {}),
  };
  const anyDiagnostic = flags.swimlane > 0 || flags.dump || flags.pmu > 0 || flags.scopeStats || flags.depGen;
  const outRoot = flags.out ?? (anyDiagnostic ? path.join('out', spec.arch, workload.name) : undefined);

  if ((flags.aicpuExecutor === undefined) !== (flags.aicoreExecutor === undefined)) {
    io.stderr.write(`${spec.command}: --aicpu-executor and --aicore-executor go together\n`);
    return CliExitCode.Usage;
  }
  const executors =
    flags.aicpuExecutor !== undefined && flags.aicoreExecutor !== undefined
      ? { executors: { aicpu: new Uint8Array(fs.readFileSync(flags.aicpuExecutor)), aicore: new Uint8Array(fs.readFileSync(flags.aicoreExecutor)) } }
      : {};
  const runner = await spec.createRunner({
    ...executors,
    platform: flags.platform as DeviceRunnerOptions['platform'],
    deviceId: flags.device,
    logLevel: flags.logLevel as NonNullable<DeviceRunnerOptions['logLevel']>,
    ...(flags.timeout !== undefined ? { runTimeoutMs: flags.timeout } : {}),
  });
  const rows: CaseSummary[] = [];
  const progress = createProgress(caseNames.length, io.stderr as NodeJS.WriteStream);
  try {
    for (const caseName of caseNames) {
      progress.start(`${workload.name}/${caseName}`);
      try {
        const result = await workload.run(runner, {
          case: caseName,
          run: {
            diagnostics,
            ...(outRoot !== undefined ? { outputDir: caseNames.length > 1 || flags.case !== '' ? path.join(outRoot, caseName) : outRoot } : {}),
            ...(flags.blockDim !== undefined ? { blockDim: flags.blockDim } : {}),
          },
        });
        rows.push(summarizeCase(result));
      } catch (error) {
        rows.push(failedCase(workload.name, caseName, error));
      }
      progress.advance();
    }
  } finally {
    progress.stop();
    await runner.finalize();
  }
  io.stdout.write(flags.json ? `${JSON.stringify(rows, null, 2)}\n` : `${formatTable(rows)}\n`);
  const failed = rows.filter((r) => r.status === 'FAILED');
  if (failed.length > 0 && failed.every((r) => USAGE_ERROR_CODES.has(r.errorCode))) return CliExitCode.Usage;
  if (failed.length > 0) return CliExitCode.RunFailed;
  if (rows.some((r) => r.status === 'MISMATCH')) return CliExitCode.VerificationFailed;
  return CliExitCode.Ok;
}
