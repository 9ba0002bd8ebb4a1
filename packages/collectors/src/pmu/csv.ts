/**
 * `pmu.csv`: one row per task in arrival order. The columns are the
 * upstream runner's, plus a trailing `event_group` column naming the group, with ` (simulated)` appended
 * when the values came from the simulator rather than hardware counters.
 */
import { stringify } from 'csv-stringify/sync';
import type { PmuEventTable } from './events';

/** The marker appended to the event group name for simulated values. */
export const SIMULATED_MARKER = ' (simulated)';

/** The CSV header columns for an event group. */
export function pmuCsvColumns(table: PmuEventTable): string[] {
  return [
    'thread_id',
    'core_id',
    'task_id',
    'func_id',
    'core_type',
    'pmu_total_cycles',
    ...table.counterNames.filter((n) => n !== ''),
    'event_type',
    'event_group',
  ];
}

/** The `event_group` cell. */
export function pmuEventGroupLabel(table: PmuEventTable, simulated: boolean): string {
  return simulated ? `${table.name}${SIMULATED_MARKER}` : table.name;
}

/** `0x` + 16 lower-case hex digits, as the upstream runner prints task ids. */
export function hexTaskId(id: bigint): string {
  return `0x${id.toString(16).padStart(16, '0')}`;
}

/** Formats rows (already in column order) as CSV text. */
export function formatCsvRows(rows: ReadonlyArray<ReadonlyArray<string | number | bigint>>): string {
  return stringify(rows as unknown[][], { cast: { bigint: (v: bigint) => v.toString() }, eof: true, record_delimiter: 'unix' });
}
