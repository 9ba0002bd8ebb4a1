/**
 * The commands that work on a run's output directory after the run: `view <dir>` writes the
 * self-contained `<dir>/report.html` and prints its path (`--open` opens it; `--npy` also exports the
 * dumped tensors), `export-npy <dir>` writes the dumped tensors as `.npy` files. Both only read
 * files: no device is opened.
 */
import type { Command } from 'commander';
import { exportNpy, ResultsError, ResultsErrorCode, writeReport } from '@npurun/results';
import { CliExitCode } from './exit-codes';
import { openInDefaultApp } from './open-file';

/** What the result commands need from the CLI. */
export interface ResultCommandContext {
  /** The command name, for messages. */
  command: string;
  /** Output streams. */
  io: { stdout: Pick<NodeJS.WriteStream, 'write'>; stderr: Pick<NodeJS.WriteStream, 'write'> };
  /** Opens a file (`--open`); default: the desktop's default application. */
  open?: (file: string) => Promise<void>;
  /** Records the command's exit code. */
  setExitCode(code: CliExitCode): void;
}

function fail(ctx: ResultCommandContext, e: unknown): void {
  if (!(e instanceof ResultsError)) throw e;
  ctx.io.stderr.write(`${ctx.command}: ${e.code}: ${e.message}\n`);
  ctx.setExitCode(e.code === ResultsErrorCode.NotARun || e.code === ResultsErrorCode.InvalidArgument ? CliExitCode.Usage : CliExitCode.RunFailed);
}

/** Adds `view` and `export-npy` to `program`. */
export function registerResultCommands(program: Command, ctx: ResultCommandContext): void {
  program
    .command('view')
    .description("write a run's offline report (<dir>/report.html) and print its path")
    .argument('<dir>', "the run's output directory (the one holding run.json)")
    .option('--open', 'open the report in the default browser', false)
    .option('--npy', 'also export the dumped tensors as .npy files (<dir>/npy)', false)
    .option('--out <file>', 'write the report here instead')
    .action(async (dir: string, flags: { open: boolean; npy: boolean; out?: string }) => {
      try {
        const file = writeReport(dir, flags.out !== undefined ? { output: flags.out } : {});
        ctx.io.stdout.write(`${file}\n`);
        if (flags.npy) ctx.io.stdout.write(`${exportNpy(dir).dir}\n`);
        if (flags.open) {
          await (ctx.open ?? openInDefaultApp)(file).catch((e: unknown) => {
            ctx.io.stderr.write(`${ctx.command}: could not open the report (${(e as Error).message}); open ${file} in a browser\n`);
          });
        }
      } catch (e) {
        fail(ctx, e);
      }
    });

  program
    .command('export-npy')
    .description('write the dumped tensors of a run as .npy files, with an index.json')
    .argument('<dir>', "the run's output directory (the one holding run.json)")
    .option('--out <dir>', 'output directory (default <dir>/npy)')
    .action((dir: string, flags: { out?: string }) => {
      try {
        const result = exportNpy(dir, flags.out);
        ctx.io.stdout.write(`${result.dir}\n${result.files.length} tensors written${result.skipped.length > 0 ? `, ${result.skipped.length} skipped (see index.json)` : ''}\n`);
      } catch (e) {
        fail(ctx, e);
      }
    });
}
