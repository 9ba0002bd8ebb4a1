/** Explicit padding bytes inside a struct. */
import { LayoutError, LayoutErrorCode } from './errors';
import type { PaddingType } from './types';

/**
 * Declares `bytes` bytes of padding (`uint8_t name[bytes]` in C). Padding is not part of decoded
 * values, always encodes as zeros, and has alignment 1.
 *
 * @throws LayoutError `LAYOUT_INVALID` for a non-positive or non-integer byte count.
 */
export function pad(bytes: number): PaddingType {
  if (!Number.isSafeInteger(bytes) || bytes < 1) {
    throw new LayoutError(LayoutErrorCode.Invalid, `padding must be a positive integer number of bytes (got ${String(bytes)})`);
  }
  return Object.freeze({ kind: 'padding', size: bytes, align: 1 });
}
