/**
 * How a compiled encoder reports a bad value without building strings on the hot path: the leaf
 * that refuses a value throws an {@link EncodeFailure} with an empty path, every struct and array
 * encoder it passes through prefixes its field name or index, and the struct method that started
 * the encode turns it into a {@link LayoutError} naming the outermost struct.
 */
import { LayoutError, type LayoutErrorCode } from './errors';

/**
 * A refused value on its way out of a compiled encoder. Deliberately not an `Error`: it never
 * escapes the layout module, so capturing a stack for it would be wasted work.
 */
export class EncodeFailure {
  /**
   * @param code the code the final {@link LayoutError} carries
   * @param message what was wrong with the value
   * @param path the field path from the encoder that caught it down to the refused value
   */
  constructor(
    readonly code: LayoutErrorCode,
    readonly message: string,
    public path: string,
  ) {}
}

/**
 * Rethrows `error` with `segment` (a field name, or an `[index]`) in front of its path when it is
 * an {@link EncodeFailure}; anything else (a throwing getter, say) passes through untouched.
 */
export function withSegment(error: unknown, segment: string): unknown {
  if (error instanceof EncodeFailure) {
    const inner = error.path;
    error.path = inner === '' ? segment : inner.charCodeAt(0) === 0x5b /* [ */ ? segment + inner : `${segment}.${inner}`;
  }
  return error;
}

/** The public error for a failure that reached the struct method encoding `structName`. */
export function toLayoutError(error: unknown, structName: string): unknown {
  if (!(error instanceof EncodeFailure)) return error;
  return new LayoutError(error.code, error.message, { struct: structName, field: error.path });
}
