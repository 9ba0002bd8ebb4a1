/**
 * `swimlane.trace.json` (Chrome trace events, for Perfetto UI and chrome://tracing): npurun's own
 * file, read as typed events.
 */
import { badFile } from '../errors';
import { parseJson, Reader } from './check';

/** One trace event (the fields npurun writes; others are kept as they are). */
export interface TraceEvent {
  /** Phase: `M` metadata, `X` complete, `i` instant, `C` counter, `s`/`f` flow. */
  ph: string;
  /** Name. */
  name?: string;
  /** Category. */
  cat?: string;
  /** Process. */
  pid: number;
  /** Thread (lane). */
  tid?: number;
  /** Time, µs. */
  ts?: number;
  /** Duration, µs. */
  dur?: number;
  /** Flow id. */
  id?: number;
  /** Flow binding point. */
  bp?: string;
  /** Instant scope. */
  s?: string;
  /** Arguments. */
  args?: Record<string, unknown>;
}

/** The whole file. */
export interface TraceFile {
  /** `displayTimeUnit`, when present. */
  displayTimeUnit?: string;
  /** `otherData` (arch, incomplete, process name). */
  otherData: Record<string, unknown>;
  /** Events in file order. */
  events: TraceEvent[];
}

/** Parses the file. */
export function parseTrace(text: string, file = 'swimlane.trace.json'): TraceFile {
  const r = Reader.of(parseJson(text, file), file, 'trace');
  const events = r.arr('traceEvents').map((e, i) => {
    const x = Reader.of(e, file, `traceEvents[${i}]`);
    x.str('ph');
    if (typeof x.fields.pid !== 'number') throw badFile(file, `traceEvents[${i}].pid: expected a number`);
    return x.fields as unknown as TraceEvent;
  });
  return {
    ...(r.has('displayTimeUnit') ? { displayTimeUnit: r.str('displayTimeUnit') } : {}),
    otherData: r.has('otherData') ? r.obj('otherData').fields : {},
    events,
  };
}

/** The file's text for `t`. */
export function formatTrace(t: TraceFile): string {
  const head = `{${t.displayTimeUnit === undefined ? '' : `"displayTimeUnit": ${JSON.stringify(t.displayTimeUnit)}, `}"otherData": ${JSON.stringify(t.otherData)},\n"traceEvents": [\n`;
  return `${head}${t.events.map((e) => JSON.stringify(e)).join(',\n')}\n]}\n`;
}
