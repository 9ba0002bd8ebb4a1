/**
 * The rows of `pmu.csv`, formatted into bytes straight from the spool (see `export/byte-out.ts`).
 * Every cell but the last two is a number or a hex id, which CSV never quotes; the event type and
 * group cells are the same on every row, so csv-stringify formats them once.
 */
import { ByteOut, type ByteSink } from '../export/byte-out';
import type { RecordSpool } from '../framework/spool';
import { TimeSlicer } from '../framework/slicer';
import { formatCsvRows, pmuCsvColumns } from './csv';
import type { PmuEventTable } from './events';

/** Where the fields of a spooled PMU row are (the collector's spool layout). */
export interface PmuRowLayout {
  /** AI CPU thread (i32). */
  readonly thread: number;
  /** Core (u32). */
  readonly core: number;
  /** Task id (u64). */
  readonly taskId: number;
  /** Kernel function id (u32). */
  readonly funcId: number;
  /** Core type (i32). */
  readonly coreType: number;
  /** Total cycles (u64). */
  readonly cycles: number;
  /** First counter (u32 each). */
  readonly counters: number;
}

// Records between pause checks (see l2-swimlane/export-json.ts).
const PACE_EVERY = 64;

/**
 * Streams `pmu.csv` (header, then one row per spooled record) into `out`, pausing for the event
 * loop whenever `slicer`'s slice is used up.
 *
 * @param groupLabel the `event_group` cell
 */
export async function writePmuCsv(out: ByteSink, spool: RecordSpool, row: PmuRowLayout, table: PmuEventTable, groupLabel: string, slicer: TimeSlicer = new TimeSlicer()): Promise<void> {
  const w = new ByteOut(out);
  const used = table.counterNames.map((n, i) => (n === '' ? -1 : i)).filter((i) => i >= 0);
  w.utf8(formatCsvRows([pmuCsvColumns(table)]));
  const tail = Buffer.from(formatCsvRows([[table.group, groupLabel]]), 'utf8');
  const bound = 128 + 12 * used.length;
  let n = 0;
  for (const chunk of spool.chunks(1024)) {
    const v = chunk.view;
    for (let r = 0; r < chunk.rows; r++) {
      const at = r * spool.rowBytes;
      w.reserve(bound);
      w.int(v.getInt32(at + row.thread, true));
      w.byte(44);
      w.u32(v.getUint32(at + row.core, true));
      w.byte(44);
      w.hex16(v.getUint32(at + row.taskId, true), v.getUint32(at + row.taskId + 4, true));
      w.byte(44);
      w.u32(v.getUint32(at + row.funcId, true));
      w.byte(44);
      w.int(v.getInt32(at + row.coreType, true));
      w.byte(44);
      w.u64(v.getUint32(at + row.cycles, true), v.getUint32(at + row.cycles + 4, true));
      w.byte(44);
      for (const slot of used) {
        w.u32(v.getUint32(at + row.counters + 4 * slot, true));
        w.byte(44);
      }
      w.raw(tail);
      if (++n % PACE_EVERY === 0) await w.pace(slicer);
    }
  }
  await w.flush();
}
