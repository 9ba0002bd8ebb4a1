/**
 * The runtime's `DataType` codes as `deps.json` names them, with their element sizes. Codes 0–8 are
 * the upstream runner's; 9 (UINT16) and 10 (UINT32) are the simulated runtime's additions.
 */

const DTYPES: readonly (readonly [string, number])[] = [
  ['FLOAT32', 4],
  ['FLOAT16', 2],
  ['INT32', 4],
  ['INT16', 2],
  ['INT8', 1],
  ['UINT8', 1],
  ['BFLOAT16', 2],
  ['INT64', 8],
  ['UINT64', 8],
  ['UINT16', 2],
  ['UINT32', 4],
];

/** The upper-case name of a `DataType` code; `UNKNOWN` for any other code. */
export function dtypeName(code: number): string {
  return DTYPES[code]?.[0] ?? 'UNKNOWN';
}

/** Bytes per element of a `DataType` code; `undefined` for an unknown code. */
export function dtypeBytes(code: number): number | undefined {
  return DTYPES[code]?.[1];
}
