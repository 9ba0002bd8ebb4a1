/**
 * The one error every failed output write becomes: it names the file (its final name, never the
 * temporary) and the operating system's reason once, e.g.
 * `run: cannot write out/run.json: no space left on device (ENOSPC)`.
 */
import * as util from 'node:util';
import { CollectorError, CollectorErrorCode } from '../errors';

/** A failed write of an output file (export files, `run.json`, `deps.json`). */
export class OutputWriteError extends CollectorError {
  /** The output file (or directory) that could not be written. */
  readonly file: string;
  /** The OS error name (`ENOSPC`, `EACCES`, …) when the failure came from the OS. */
  readonly osCode: string | undefined;

  /**
   * @param op the operation that wrote, e.g. `l2Swimlane.exportFiles` or `run`
   * @param file the output file's final path
   * @param cause what the file system threw
   * @param verb what was attempted (default `write`)
   */
  constructor(op: string, file: string, cause: unknown, verb = 'write') {
    super(CollectorErrorCode.WriteFailed, op, `cannot ${verb} ${file}: ${describeOsError(cause)}`, { cause });
    this.name = 'OutputWriteError';
    this.file = file;
    this.osCode = osErrorCode(cause);
  }
}

/** The OS error name of a Node.js system error (`ENOSPC`), if it is one. */
export function osErrorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
}

/**
 * The reason of a file-system error in words, once: `no space left on device (ENOSPC)` rather
 * than Node's `ENOSPC: no space left on device, write`. Anything else: its message.
 */
export function describeOsError(error: unknown): string {
  const e = error as { code?: unknown; errno?: unknown; message?: unknown } | null;
  const code = osErrorCode(error);
  if (code !== undefined) {
    const known = typeof e?.errno === 'number' ? util.getSystemErrorMap().get(e.errno) : undefined;
    if (known !== undefined && known[0] === code) return `${known[1]} (${code})`;
    // No errno to look up: strip Node's "CODE: " prefix and ", syscall 'path'" suffix.
    const message = typeof e?.message === 'string' ? e.message : '';
    const words = message.startsWith(`${code}: `) ? message.slice(code.length + 2).replace(/, \w+(?: '.*')?$/s, '') : message;
    return words === '' ? code : `${words} (${code})`;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}
