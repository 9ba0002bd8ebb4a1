/**
 * Task ids across a run's files. npurun's task id is the task's index in the host graph: `run.json`,
 * `l2_perf_records.json` and the trace print it as a JSON number; `deps.json` (upstream format)
 * prints it as a decimal string; `pmu.csv` and the dump manifest (upstream formats) print it as
 * `0x` + 16 hex digits. The reader turns all of them into the same number.
 */
import { badFile } from './errors';

/**
 * The task id a file wrote, as a number: a number, a decimal string, or a `0x` hex string.
 *
 * @throws ResultsError `RESULTS_BAD_FILE` for anything else, or an id beyond 2^53 (not an npurun task index)
 */
export function parseTaskId(value: unknown, file: string, where: string): number {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && /^0x[0-9a-fA-F]{1,16}$/.test(value)) {
    const b = BigInt(value);
    if (b > BigInt(Number.MAX_SAFE_INTEGER)) throw badFile(file, `${where}: task id ${value} is beyond 2^53, not an npurun task index`);
    n = Number(b);
  } else if (typeof value === 'string' && /^\d{1,20}$/.test(value)) {
    const b = BigInt(value);
    if (b > BigInt(Number.MAX_SAFE_INTEGER)) throw badFile(file, `${where}: task id ${value} is beyond 2^53, not an npurun task index`);
    n = Number(b);
  } else throw badFile(file, `${where}: expected a task id, got ${JSON.stringify(value)}`);
  if (!Number.isSafeInteger(n) || n < 0) throw badFile(file, `${where}: expected a task id, got ${JSON.stringify(value)}`);
  return n;
}

/** `0x` + 16 lower-case hex digits: how `pmu.csv` and the dump manifest print a task id. */
export function hexTaskId(id: number): string {
  return `0x${id.toString(16).padStart(16, '0')}`;
}
