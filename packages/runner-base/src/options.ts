/**
 * Option objects at the public boundary: an options argument must be an object (or omitted), and
 * a key the entry point does not know — `platfrom` for `platform` — is an error naming it, with
 * the closest known name, rather than something silently ignored.
 */
import { InvalidArgumentError, describeValue } from './errors';

/**
 * Checks that `value` is an options object whose keys are all in `known`.
 *
 * @param op the entry point, e.g. `A2A3Runner.create`
 * @param param how the argument is named in messages, e.g. `options`
 * @param value the argument (`undefined` is an empty object when `optional`)
 * @returns the object (`{}` for an omitted optional argument)
 * @throws InvalidArgumentError for null, a non-object, an array, or an unknown key
 */
export function checkOptions(op: string, param: string, value: unknown, known: readonly string[], optional = true): Record<string, unknown> {
  if (value === undefined && optional) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError(op, param, value, optional ? 'an object or undefined' : 'an object');
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (known.includes(key)) continue;
    const near = closestName(key, known);
    throw new InvalidArgumentError(
      op,
      `${param}.${key}`,
      record[key],
      'absent',
      `${op}: unknown option ${param}.${key} (${describeValue(record[key])})${near !== undefined ? `; did you mean '${near}'?` : ''} Known options: ${known.join(', ')}`,
    );
  }
  return record;
}

/**
 * Checks an optional `AbortSignal` option.
 *
 * @throws InvalidArgumentError for anything but `undefined` or an `AbortSignal`
 */
export function toAbortSignal(op: string, param: string, value: unknown): AbortSignal | undefined {
  if (value === undefined) return undefined;
  const v = value as Partial<AbortSignal> | null;
  // Duck-typed, so a signal from another realm (a worker, a test sandbox) is accepted too.
  if (typeof v === 'object' && v !== null && typeof v.aborted === 'boolean' && typeof v.addEventListener === 'function' && typeof v.removeEventListener === 'function') {
    return value as AbortSignal;
  }
  throw new InvalidArgumentError(op, param, value, 'an AbortSignal');
}

/**
 * Checks an optional callback option.
 *
 * @throws InvalidArgumentError for anything but `undefined` or a function
 */
export function toOptionalFunction<F>(op: string, param: string, value: unknown): F | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw new InvalidArgumentError(op, param, value, 'a function');
  return value as F;
}

/** The known name within edit distance 2 of `name` (the nearest; ties: the first), if any. */
export function closestName(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const d = editDistance(name.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[rows - 1]![cols - 1]!;
}
