/**
 * Usage errors of the `npurun-<arch>` commands: a short message — one or two lines and where to
 * look (`see 'npurun-a2a3 run --help'`) — never the whole help text, and exit code 2.
 */
import { RunnerError, RunnerErrorCode } from '../errors';

/** A command line that asks for something impossible (code `CLI_USAGE`). */
export class CliUsageError extends RunnerError {
  /**
   * @param message what is wrong, naming the option or argument
   * @param cause the error behind it (an unreadable file, an unwritable directory)
   */
  constructor(message: string, cause?: unknown) {
    super(RunnerErrorCode.Usage, message, { op: 'cli', ...(cause !== undefined ? { cause } : {}) });
  }
}

/** The codes that mean the command line was wrong: exit 2, not 3. */
export const USAGE_ERROR_CODES: ReadonlySet<string> = new Set([RunnerErrorCode.Usage, RunnerErrorCode.InvalidArgument, 'HAL_INVALID_PLATFORM', 'HAL_INVALID_ARGUMENT']);

/** Whether an error means bad usage. */
export function isUsageError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && USAGE_ERROR_CODES.has(code);
}

/**
 * The text of a usage error: `<command>: <message>` (commander's "error: " prefix dropped) and a
 * line pointing to the help of the subcommand used.
 */
export function formatUsageError(command: string, subcommand: string | undefined, message: string): string {
  const text = message.trim().replace(/^error: /i, '');
  return `${command}: ${text}\nsee '${command}${subcommand !== undefined ? ` ${subcommand}` : ''} --help'\n`;
}
