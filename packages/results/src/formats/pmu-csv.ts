/**
 * `pmu.csv` (the upstream columns, plus npurun's trailing `event_group`): one row per task
 * execution on a core, in arrival order — AI CPU thread, core, task id (`0x` + 16 hex digits), kernel
 * id, core type (0 AIC, 1 AIV), total cycles, one column per counter of the event group, the group
 * number.
 */
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { badFile } from '../errors';
import { hexTaskId, parseTaskId } from '../task-id';

const FIXED = ['thread_id', 'core_id', 'task_id', 'func_id', 'core_type', 'pmu_total_cycles'];

/** One row. */
export interface PmuRow {
  /** AI CPU thread whose queue carried the record. */
  threadId: number;
  /** Core. */
  coreId: number;
  /** Task id. */
  taskId: number;
  /** Kernel id. */
  funcId: number;
  /** 0 AIC, 1 AIV. */
  coreType: number;
  /** Cycles the kernel ran. */
  totalCycles: bigint;
  /** Counter values, one per {@link PmuTable.counterNames} entry. */
  counters: number[];
  /** Event group number. */
  eventType: number;
  /** Event group name (` (simulated)` appended for simulated values), when the file has the column. */
  eventGroup?: string;
}

/** The whole file. */
export interface PmuTable {
  /** Counter column names, in file order. */
  counterNames: string[];
  /** Whether the file has npurun's `event_group` column. */
  hasEventGroup: boolean;
  /** Rows in file order. */
  rows: PmuRow[];
}

function int(cell: string | undefined, file: string, where: string): number {
  if (cell === undefined || !/^-?\d+$/.test(cell)) throw badFile(file, `${where}: expected an integer, got ${JSON.stringify(cell)}`);
  return Number(cell);
}

/** Parses the file. */
export function parsePmuCsv(text: string, file = 'pmu.csv'): PmuTable {
  let records: string[][];
  if (!text.includes('"')) {
    // No quoted cell (npurun never writes one): plain splitting is the same parse, many times faster.
    records = text.split('\n').filter((l) => l !== '').map((l) => l.split(','));
    if (records.some((r) => r.length !== records[0]!.length)) throw badFile(file, 'not valid CSV (rows of different lengths)');
  } else {
    try {
      records = parse(text, { relax_column_count: false, skip_empty_lines: true }) as string[][];
    } catch (e) {
      throw badFile(file, `not valid CSV (${(e as Error).message})`, e);
    }
  }
  const header = records[0];
  if (header === undefined || FIXED.some((c, i) => header[i] !== c)) throw badFile(file, `expected the columns ${FIXED.join(',')},…, got ${JSON.stringify(header)}`);
  const hasEventGroup = header[header.length - 1] === 'event_group';
  const eventTypeAt = hasEventGroup ? header.length - 2 : header.length - 1;
  if (header[eventTypeAt] !== 'event_type') throw badFile(file, 'expected an event_type column after the counters');
  const counterNames = header.slice(FIXED.length, eventTypeAt);
  const rows = records.slice(1).map((cells, i): PmuRow => {
    const w = `row ${i + 2}`;
    const row: PmuRow = {
      threadId: int(cells[0], file, `${w} thread_id`),
      coreId: int(cells[1], file, `${w} core_id`),
      taskId: parseTaskId(cells[2], file, `${w} task_id`),
      funcId: int(cells[3], file, `${w} func_id`),
      coreType: int(cells[4], file, `${w} core_type`),
      totalCycles: BigInt(int(cells[5], file, `${w} pmu_total_cycles`)),
      counters: counterNames.map((n, k) => int(cells[FIXED.length + k], file, `${w} ${n}`)),
      eventType: int(cells[eventTypeAt], file, `${w} event_type`),
    };
    if (hasEventGroup) row.eventGroup = cells[eventTypeAt + 1];
    return row;
  });
  return { counterNames, hasEventGroup, rows };
}

/** The file's text for `table`. */
export function formatPmuCsv(table: PmuTable): string {
  const header = [...FIXED, ...table.counterNames, 'event_type', ...(table.hasEventGroup ? ['event_group'] : [])];
  const rows = table.rows.map((r) => [
    r.threadId,
    r.coreId,
    hexTaskId(r.taskId),
    r.funcId,
    r.coreType,
    r.totalCycles.toString(),
    ...r.counters,
    r.eventType,
    ...(table.hasEventGroup ? [r.eventGroup ?? ''] : []),
  ]);
  return stringify([header, ...rows], { eof: true, record_delimiter: 'unix' });
}
