/** Fixed-length arrays of any non-padding field type, including nested structs and arrays. */
import { LayoutError, LayoutErrorCode } from './errors';
import { describeFieldType, isFieldType } from './field-type-guard';
import type { ArrayType, FieldType } from './types';

/**
 * Declares a C array `elem name[length]`. Decoded as a JavaScript array of the element's values;
 * encoding requires exactly `length` elements.
 *
 * @throws LayoutError `LAYOUT_INVALID` for a non-positive or non-integer length, or an element
 *   that is padding or not a field type.
 */
export function array<T extends FieldType>(elem: T, length: number): ArrayType<T> {
  if (!isFieldType(elem)) {
    throw new LayoutError(LayoutErrorCode.Invalid, `array element is not a field type (got ${describeFieldType(elem)})`);
  }
  if (elem.kind === 'padding') {
    // An array of padding has no values and no C spelling; pad(n * m) says the same thing.
    throw new LayoutError(LayoutErrorCode.Invalid, 'array element must not be padding; use pad(bytes) instead');
  }
  if (!Number.isSafeInteger(length) || length < 1) {
    throw new LayoutError(LayoutErrorCode.Invalid, `array length must be a positive integer (got ${String(length)})`);
  }
  return Object.freeze({ kind: 'array', element: elem, length, size: elem.size * length, align: elem.align });
}
