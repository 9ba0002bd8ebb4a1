/**
 * Off-thread text formatting of fixed-size binary rows (`formatRows`), for exports too large to
 * format on the caller's event loop: the collectors' swimlane task table reaches millions of rows.
 *
 * The caller describes a row's text as a {@link RowProgram}: literals, and fields printed the way
 * JavaScript prints them (`String(n)` for integers, `toFixed(3)` for device times converted to
 * microseconds). The program, the record layout and the file schema all stay with the caller;
 * the native side only runs the program over the rows on a libuv worker thread.
 */
import { loadBinding } from './native';

/** Instruction opcodes of a {@link RowProgram} (operands `a`–`e`, field offsets are bytes into the row). */
export const RowOp = {
  /** Literal `a`. */
  Literal: 0,
  /** Literal `a` before the first row of the whole array, literal `b` before every other row. */
  Separator: 1,
  /** The u32 at field `a`, in decimal. */
  U32: 2,
  /** The u64 at field `a`, in decimal. */
  U64: 3,
  /** Literal `b` when the i32 at field `a` is 0, else literal `c`. */
  SelectZero: 4,
  /** The u64 device time at field `a` as microseconds after the program's time base (0 at or before it, and for a zero time), `toFixed(3)`. */
  Time: 5,
  /** `max(0, time(a) − time(b))`, `toFixed(3)`. */
  Duration: 6,
  /**
   * Consumes `u32(a)` fan-out ids from the request's `fanoutIds`; when `b` is not 0, prints
   * literal `c`, the ids in decimal joined by literal `d`, literal `e`, and the count.
   */
  Fanout: 7,
} as const;

/** An opcode of {@link RowOp}. */
export type RowOpCode = (typeof RowOp)[keyof typeof RowOp];

/** One instruction: an opcode and up to five operands (unused ones 0). */
export type RowInstruction = readonly [op: RowOpCode, a?: number, b?: number, c?: number, d?: number, e?: number];

/** How to print one row. */
export interface RowProgram {
  /** Bytes per row. */
  readonly rowBytes: number;
  /** The instructions, run in order for every row. */
  readonly code: readonly RowInstruction[];
  /** Literal texts the instructions refer to by index. */
  readonly literals: readonly string[];
  /** The time base of `Time` and `Duration`, in device ticks. */
  readonly timeBase: bigint;
  /** The device clock, Hz (positive, finite). */
  readonly timestampHz: number;
}

/** One call's rows and where their text goes. The views must not be written to, or transferred, until the promise settles. */
export interface RowFormatRequest {
  /** Whole rows, back to back. */
  readonly rows: Uint8Array;
  /** The fan-out ids the rows' `Fanout` instructions consume, u64 little-endian, in row order (empty when none). */
  readonly fanoutIds?: Uint8Array;
  /** Whether the first row is the first of the whole array (see `RowOp.Separator`). */
  readonly first: boolean;
  /** Receives the text. */
  readonly out: Uint8Array;
}

/** What one call did: it formats whole rows until the next might not fit in `out`. */
export interface RowFormatResult {
  /** Rows formatted (from the start of `rows`). */
  readonly rows: number;
  /** Bytes written to the start of `out`. */
  readonly bytes: number;
  /** Fan-out ids consumed. */
  readonly fanoutIds: number;
  /** When `rows` stopped short: the room the next row may need (0 otherwise). */
  readonly nextRowBound: number;
}

/** A program as the binding takes it. */
interface NativeRowProgram {
  rowBytes: number;
  code: Uint32Array;
  literals: readonly string[];
  baseLow: number;
  baseHigh: number;
  hz: number;
}

const compiled = new WeakMap<CompiledRowProgram, NativeRowProgram>();

/** A {@link RowProgram} compiled for the binding: build once, format many times. */
export class CompiledRowProgram {
  /** @param program the program; checked natively by every {@link formatRows} call that runs it */
  constructor(program: RowProgram) {
    const code = new Uint32Array(6 * program.code.length);
    program.code.forEach((instr, i) => {
      for (let k = 0; k < 6; k++) code[6 * i + k] = instr[k] ?? 0;
    });
    compiled.set(this, {
      rowBytes: program.rowBytes,
      code,
      literals: [...program.literals],
      baseLow: Number(program.timeBase & 0xffffffffn),
      baseHigh: Number((program.timeBase >> 32n) & 0xffffffffn),
      hz: program.timestampHz,
    });
  }
}

const NO_IDS = new Uint8Array(0);

/**
 * Formats rows of `request` into `request.out` on a libuv worker thread: whole rows, in order,
 * until the next row might not fit. Call again with the rest (and a fresh or drained `out`).
 *
 * @throws HalError `HAL_INVALID_ARGUMENT` (as the promise's rejection) for an unsound program, rows
 *   that are not a whole number of rows, or a row naming more fan-out ids than are left;
 *   `HAL_INTERNAL` when the host runs out of memory while formatting
 */
export async function formatRows(program: CompiledRowProgram, request: RowFormatRequest): Promise<RowFormatResult> {
  const [rows, bytes, fanoutIds, nextRowBound] = await loadBinding().formatRows(
    compiled.get(program)!,
    request.rows,
    request.fanoutIds ?? NO_IDS,
    request.first,
    request.out,
  );
  return { rows, bytes, fanoutIds, nextRowBound };
}
