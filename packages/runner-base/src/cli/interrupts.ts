/**
 * SIGINT and SIGTERM while the command runs. The first one aborts the run in progress (the run
 * stops its device work, tears down, writes `run.json` as `interrupted`) and the command then ends
 * with 130 (SIGINT) or 143 (SIGTERM). A second signal ends the process at once: the terminal is
 * restored, output files no `run.json` lists yet and this process's collector spools are removed
 * first, so only complete listed files and recognisable temporaries (which the next run into the
 * directory cleans up) can remain.
 */
import { removeProcessSpools, removeUnrecordedOutputs } from '@npurun/collectors';
import { RunnerError, RunnerErrorCode } from '../errors';
import { CliExitCode } from './exit-codes';
import { restoreTerminal } from './terminal';

/** The signals the command handles. */
export type InterruptSignal = 'SIGINT' | 'SIGTERM';

/** The abort reason of an interrupted command: which signal, and the exit code it means. */
export class InterruptedError extends RunnerError {
  /** The signal received. */
  readonly signal: InterruptSignal;
  /** 130 for SIGINT, 143 for SIGTERM. */
  readonly exitCode: CliExitCode;

  /** @param signal the signal received */
  constructor(signal: InterruptSignal) {
    super(RunnerErrorCode.Aborted, `interrupted by ${signal}`, { op: 'cli' });
    this.name = 'AbortError';
    this.signal = signal;
    this.exitCode = signal === 'SIGINT' ? CliExitCode.Interrupted : CliExitCode.Terminated;
  }
}

/** The exit code an abort reason stands for (130 unless it names SIGTERM). */
export function interruptExitCode(reason: unknown): CliExitCode {
  return reason instanceof InterruptedError ? reason.exitCode : CliExitCode.Interrupted;
}

/** Installed handlers. */
export interface InterruptHandlers {
  /** Aborted by the first signal, with an {@link InterruptedError}. */
  readonly signal: AbortSignal;
  /** Removes the handlers. */
  dispose(): void;
}

/** What the handlers act on; injectable for tests. */
export interface InterruptTarget {
  /** Where the process's signals come from. */
  on(signal: InterruptSignal, listener: () => void): unknown;
  /** Removes a listener. */
  off(signal: InterruptSignal, listener: () => void): unknown;
  /** Ends the process at once. */
  exit(code: number): void;
}

/**
 * Installs the handlers on `target` (default: the process).
 *
 * @param stderr the stream the progress bar draws on (restored on a hard exit)
 */
export function installInterruptHandlers(stderr: { isTTY?: boolean; write(s: string): unknown }, target: InterruptTarget = process as unknown as InterruptTarget): InterruptHandlers {
  const controller = new AbortController();
  const listeners = new Map<InterruptSignal, () => void>();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    const listener = (): void => {
      if (!controller.signal.aborted) {
        controller.abort(new InterruptedError(sig));
        return;
      }
      // The second signal: no waiting for the run to wind down.
      restoreTerminal(stderr);
      try {
        removeUnrecordedOutputs(); // placed by an export that run.json does not list yet
        removeProcessSpools();
      } catch {
        // best effort: the next start removes spools by owner pid
      }
      target.exit((controller.signal.reason as InterruptedError).exitCode);
    };
    listeners.set(sig, listener);
    target.on(sig, listener);
  }
  return {
    signal: controller.signal,
    dispose: () => {
      for (const [sig, listener] of listeners) target.off(sig, listener);
    },
  };
}
