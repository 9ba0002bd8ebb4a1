/**
 * The command-line skeleton both arch packages install (`npurun-a2a3`, `npurun-a5`):
 * `run <workload>`, `info`, `list`, `view` / `export-npy` on a run's files, and `cache info|clean`. An arch package supplies a {@link CliSpec}; everything else —
 * parsing, validation, progress, the result table, exit codes — lives here once.
 *
 * Manners: usage errors are two short lines and exit 2; every input is checked before the device
 * is opened (see `preflight.ts`); `--json` prints exactly one versioned document, also for errors;
 * a closed stdout ends output quietly; SIGINT/SIGTERM abort the run in progress (`interrupts.ts`).
 */
import { Command, CommanderError, InvalidArgumentError as CommanderInvalidArgument, Option } from 'commander';
import { removeStaleSpools } from '@npurun/collectors';
import { openDevice, type Arch, type Platform } from '@npurun/hal-native';
import { MAX_RUN_TIMEOUT_MS, type DeviceRunnerOptions, type ExecutorBinaries } from '../device-runner-base';
import { RunAbortedError } from '../errors';
import { isNpurunError } from '../npurun-error';
import type { Workload, WorkloadRunner } from '../workloads/types';
import { CliExitCode } from './exit-codes';
import { interruptExitCode, installInterruptHandlers } from './interrupts';
import { errorDocument, formatDocument, infoDocument, listDocument, runDocument } from './json-output';
import { planRun, type RunFlagsForPlan } from './preflight';
import { createProgress } from './progress';
import { errorSummary, failedCase, formatTable, summarizeCase, type CaseSummary } from './report';
import { registerResultCommands } from './result-commands';
import { guardClosedPipe, type OutputStream } from './stdio';
import { colorAllowed, restoreTerminal } from './terminal';
import { CliUsageError, formatUsageError, isUsageError } from './usage';
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
  stdout: OutputStream;
  /** Errors and progress. */
  stderr: OutputStream;
  /** Opens a file for `view --open`; default: the desktop's default application. */
  open?: (file: string) => Promise<void>;
}

/** How the CLI is run besides its arguments. */
export interface CliOptions {
  /** Aborting it interrupts the command (the run in progress is aborted); see `interrupts.ts`. */
  signal?: AbortSignal;
  /** The environment (`NO_COLOR`); default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

interface RunFlags extends RunFlagsForPlan {
  platform?: string;
  device: number;
  timeout?: number;
  logLevel: string;
  json: boolean;
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

/** `--json` given before any `--`: then every outcome, usage errors included, is a JSON document. */
function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).includes('--json');
}

/** Runs the CLI; resolves to the process exit code (it never calls `process.exit`). */
export async function runCli(
  spec: CliSpec,
  argv: readonly string[],
  io: CliIo = { stdout: process.stdout, stderr: process.stderr },
  options: CliOptions = {},
): Promise<CliExitCode> {
  const json = wantsJson(argv);
  const env = options.env ?? process.env;
  let exitCode: CliExitCode = CliExitCode.Ok;
  let commanderErrors = '';
  const program = new Command(spec.command)
    .description(`npurun for ${spec.arch}: run smoke workloads on the simulator (${spec.arch}sim) or on hardware (${spec.arch})`)
    .version(spec.version)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // Collected and printed as a short usage error below (never followed by the whole help).
      outputError: (s) => {
        commanderErrors += s;
      },
    });

  const platformOption = (): Option =>
    new Option('--platform <platform>', 'platform').choices([`${spec.arch}sim`, spec.arch]).default(`${spec.arch}sim`);
  const deviceOption = (): Option => new Option('--device <id>', 'device id').argParser(intOption('--device', 0, 1023)).default(0);

  program
    .command('list')
    .description('list the bundled workloads and their cases')
    .option('--json', 'print JSON', false)
    .action((flags: { json: boolean }) => {
      const ws = Object.values(spec.workloads);
      if (flags.json) {
        const listed = ws.map((w) => ({ name: w.name, description: w.description, defaultCase: w.defaultCase, cases: w.cases.map((c) => ({ name: c.name, description: c.description })) }));
        io.stdout.write(formatDocument(listDocument(spec.arch, listed)));
        return;
      }
      for (const w of ws) {
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
          io.stdout.write(formatDocument(infoDocument(spec.arch, props.platform, props)));
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
    .option('--timeout <ms>', 'run timeout in ms (at most 24 h)', intOption('--timeout', 1, MAX_RUN_TIMEOUT_MS))
    .addOption(new Option('--log-level <level>', 'log level').choices(['debug', 'info', 'warn', 'error', 'off']).default('warn'))
    .option('--json', 'print results as JSON', false)
    .option('--aicpu-executor <file>', "hardware: the runtime's AI CPU executor program")
    .option('--aicore-executor <file>', "hardware: the runtime's AI Core executor binary");
  if (spec.supportsDepGen) run.option('--dep-gen', 'dependency capture', false);
  run.action(async (workloadName: string, flags: RunFlags) => {
    exitCode = await runWorkloadCommand(spec, workloadName, { ...flags, depGen: flags.depGen ?? false }, io, options.signal, env);
  });

  const fail = (error: unknown): CliExitCode => {
    if (error instanceof RunAbortedError) {
      if (json) io.stdout.write(formatDocument(errorDocument(error.code, error.message)));
      return interruptExitCode(options.signal?.reason);
    }
    const usage = error instanceof CommanderError || isUsageError(error);
    const { code, message } = error instanceof CommanderError ? { code: 'CLI_USAGE', message: commanderMessage(commanderErrors, error) } : errorSummary(error);
    if (usage) {
      const sub = argv.find((a) => a === 'run' || a === 'list' || a === 'info');
      io.stderr.write(formatUsageError(spec.command, sub, message));
    } else {
      io.stderr.write(`${spec.command}: ${isNpurunError(error) ? `${code}: ` : 'internal error: '}${message}\n`);
    }
    if (json) io.stdout.write(formatDocument(errorDocument(code, message)));
    if (usage) return CliExitCode.Usage;
    return isNpurunError(error) ? CliExitCode.RunFailed : CliExitCode.Internal;
  };
  registerResultCommands(program, { command: spec.command, io, ...(io.open !== undefined ? { open: io.open } : {}), setExitCode: (c) => (exitCode = c) });
  registerCacheCommands(program, { io });

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    // --help and --version end through here too, with exit code 0.
    if (error instanceof CommanderError && error.exitCode === 0) return CliExitCode.Ok;
    return fail(error);
  }
  return exitCode;
}

function commanderMessage(collected: string, error: CommanderError): string {
  const text = collected.trim() !== '' ? collected : error.message;
  return text.trim().replace(/^error: /i, '');
}

async function runWorkloadCommand(spec: CliSpec, workloadName: string, flags: RunFlags, io: CliIo, signal: AbortSignal | undefined, env: NodeJS.ProcessEnv): Promise<CliExitCode> {
  // Everything that can be checked is checked before a runner (and the device) exists.
  const refusal = hardwareRunRefusal(spec.command, spec.arch, flags.platform);
  if (refusal !== undefined) throw new CliUsageError(refusal.slice(`${spec.command}: `.length));
  const plan = await planRun(spec.arch, spec.workloads, workloadName, flags, spec.supportsDepGen);
  removeStaleSpools(); // what a killed run left in the temporary directory
  // A function, not a property read: TypeScript would narrow `aborted` after the first check.
  const isAborted = (): boolean => signal?.aborted === true;
  if (isAborted()) throw new RunAbortedError('run', signal?.reason);
  const runner = await spec.createRunner({
    ...(plan.executors !== undefined ? { executors: plan.executors } : {}),
    platform: flags.platform as DeviceRunnerOptions['platform'],
    deviceId: flags.device,
    logLevel: flags.logLevel as NonNullable<DeviceRunnerOptions['logLevel']>,
    logSink: (level, message) => {
      io.stderr.write(`[npurun ${level}] ${message}\n`);
    },
    ...(flags.timeout !== undefined ? { runTimeoutMs: flags.timeout } : {}),
  });
  const rows: CaseSummary[] = [];
  const progress = createProgress(plan.caseNames.length, io.stderr as NodeJS.WriteStream, env);
  const onInterrupt = (): void => {
    progress.stop(); // the terminal comes back at once, not when the run has wound down
    restoreTerminal(io.stderr);
  };
  signal?.addEventListener('abort', onInterrupt, { once: true });
  let interrupted = false;
  try {
    for (const caseName of plan.caseNames) {
      if (isAborted()) {
        interrupted = true;
        break;
      }
      const outputDir = plan.outputDirs.get(caseName);
      progress.start(`${plan.workload.name}/${caseName}`);
      let base = 0;
      let last = 0;
      try {
        const result = await plan.workload.run(runner, {
          case: caseName,
          ...(signal !== undefined ? { signal } : {}),
          run: {
            diagnostics: plan.diagnostics,
            ...(outputDir !== undefined ? { outputDir } : {}),
            ...(flags.blockDim !== undefined ? { blockDim: flags.blockDim } : {}),
            onProgress: (p) => {
              // Each run reports from 0 up: a drop means the case's next run started.
              if (p.completedTasks < last) base += last;
              last = p.completedTasks;
              progress.tasks(base + last);
            },
          },
        });
        rows.push(summarizeCase(result, outputDir ?? null));
      } catch (error) {
        const aborted = error instanceof RunAbortedError || isAborted();
        rows.push(failedCase(plan.workload.name, caseName, error, aborted, outputDir ?? null));
        if (aborted) {
          interrupted = true;
          break;
        }
      }
      progress.advance();
    }
  } finally {
    signal?.removeEventListener('abort', onInterrupt);
    progress.stop();
    await runner.finalize();
  }
  io.stdout.write(
    flags.json
      ? formatDocument(runDocument(spec.arch, (flags.platform ?? `${spec.arch}sim`) as Platform, rows))
      : `${formatTable(rows, { color: colorAllowed(io.stdout, env) })}\n`,
  );
  if (interrupted) {
    io.stderr.write(`${spec.command}: ${signal?.reason instanceof Error ? signal.reason.message : 'interrupted'}\n`);
    return interruptExitCode(signal?.reason);
  }
  const failed = rows.filter((r) => r.status === 'failed');
  if (failed.length > 0 && failed.every((r) => isUsageError(r.error))) return CliExitCode.Usage;
  if (failed.length > 0) return CliExitCode.RunFailed;
  if (rows.some((r) => r.status === 'mismatch')) return CliExitCode.VerificationFailed;
  return CliExitCode.Ok;
}

/**
 * Runs the CLI as a process (what the `npurun-<arch>` bin scripts call): real stdout and stderr
 * guarded against a closed pipe, SIGINT/SIGTERM handled (see `interrupts.ts`).
 */
export async function runCliProcess(spec: CliSpec, argv: readonly string[]): Promise<CliExitCode> {
  const stderr = guardClosedPipe(process.stderr);
  const stdout = guardClosedPipe(process.stdout, (m) => stderr.stream.write(`${spec.command}: ${m}\n`));
  const interrupts = installInterruptHandlers(process.stderr);
  try {
    return await runCli(spec, argv, { stdout: stdout.stream, stderr: stderr.stream }, { signal: interrupts.signal });
  } finally {
    interrupts.dispose();
    stdout.dispose();
    stderr.dispose();
  }
}
