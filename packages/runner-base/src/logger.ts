/**
 * The runner's logger. Its level and INFO verbosity are also what the device programs are told
 * (`logLevel` and `logInfoV` in KernelArgs), so host and device filter the same way.
 */
import { InvalidArgumentError } from './errors';

/** Log levels, numbered as the device sees them: 0 debug … 4 off. */
export const LogLevel = { debug: 0, info: 1, warn: 2, error: 3, off: 4 } as const;

/** A log level by name. */
export type LogLevelName = keyof typeof LogLevel;
/** A log level by number (0 debug … 4 off). */
export type LogLevelValue = (typeof LogLevel)[LogLevelName];

/**
 * Where log lines go. The default writes to `process.stderr`. A sink that throws never disturbs the
 * runner: the line is dropped (the first such failure is reported once on stderr).
 */
export type LogSink = (level: Exclude<LogLevelName, 'off'>, message: string) => void;

/** Options of {@link Logger}. */
export interface LoggerOptions {
  /** Minimum level written (name or 0–4). Default `'warn'`. */
  level?: LogLevelName | number;
  /** INFO verbosity 0–9: an `info(msg, v)` line is written only when `v ≤ infoV`. Default 0. */
  infoV?: number;
  /** Output; default: one line per message on stderr. Must be a function. */
  sink?: LogSink;
}

const LEVEL_NAMES: readonly Exclude<LogLevelName, 'off'>[] = ['debug', 'info', 'warn', 'error'];

/**
 * Parses a log level given by name or number.
 *
 * @throws InvalidArgumentError for anything but `debug|info|warn|error|off` or an integer 0–4
 */
export function parseLogLevel(op: string, value: unknown): LogLevelValue {
  if (typeof value === 'string' && Object.prototype.hasOwnProperty.call(LogLevel, value)) {
    return LogLevel[value as LogLevelName];
  }
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 4) return value as LogLevelValue;
  throw new InvalidArgumentError(op, 'logLevel', value, "one of 'debug', 'info', 'warn', 'error', 'off' or an integer 0-4");
}

/**
 * Parses an INFO verbosity.
 *
 * @throws InvalidArgumentError for anything but an integer 0–9
 */
export function parseInfoVerbosity(op: string, value: unknown): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 9) return value;
  throw new InvalidArgumentError(op, 'logInfoV', value, 'an integer 0-9');
}

const defaultSink: LogSink = (level, message) => {
  process.stderr.write(`[npurun ${level}] ${message}\n`);
};

/** A small leveled logger with INFO verbosity. */
export class Logger {
  /** Minimum level written (0 debug … 4 off); published to the device as `logLevel`. */
  readonly level: LogLevelValue;
  /** INFO verbosity (0–9); published to the device as `logInfoV`. */
  readonly infoV: number;
  private readonly sink: LogSink;
  private sinkFailed = false;

  /**
   * @param options level, verbosity and sink; each validated
   * @param op the operation named by validation errors (e.g. `A2A3Runner.create`)
   * @throws InvalidArgumentError for a bad level, verbosity, or a sink that is not a function
   */
  constructor(options: LoggerOptions = {}, op = 'Logger') {
    this.level = parseLogLevel(op, options.level ?? 'warn');
    this.infoV = parseInfoVerbosity(op, options.infoV ?? 0);
    if (options.sink !== undefined && typeof options.sink !== 'function') throw new InvalidArgumentError(op, 'logSink', options.sink, 'a function');
    this.sink = options.sink ?? defaultSink;
  }

  /** Whether a message at `level` would be written. */
  enabled(level: Exclude<LogLevelName, 'off'>): boolean {
    return LogLevel[level] >= this.level && this.level !== LogLevel.off;
  }

  /** Writes a debug line. */
  debug(message: string): void {
    this.write('debug', message);
  }

  /** Writes an info line when `verbosity ≤ infoV` (default verbosity 0: always, when INFO is on). */
  info(message: string, verbosity = 0): void {
    if (verbosity <= this.infoV) this.write('info', message);
  }

  /** Writes a warning. */
  warn(message: string): void {
    this.write('warn', message);
  }

  /** Writes an error line. */
  error(message: string): void {
    this.write('error', message);
  }

  private write(level: Exclude<LogLevelName, 'off'>, message: string): void {
    if (!this.enabled(level)) return;
    try {
      this.sink(level, message);
    } catch (e) {
      // Logging is never a reason for a run step to fail: a throwing sink loses its line.
      if (!this.sinkFailed) {
        this.sinkFailed = true;
        try {
          process.stderr.write(`[npurun warn] the log sink threw (${e instanceof Error ? e.message : String(e)}); its failures are ignored from now on\n`);
        } catch {
          // nowhere left to report it
        }
      }
    }
  }
}

/** The level names in numeric order (without `off`), for CLIs and docs. */
export const logLevelNames: readonly string[] = [...LEVEL_NAMES, 'off'];
