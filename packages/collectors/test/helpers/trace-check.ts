/** Structural checks of a Chrome trace: µs numbers, non-negative durations, named threads, paired flows. */
export function checkTrace(doc: unknown): { tasks: number; flows: number } {
  const events = (doc as { traceEvents?: unknown }).traceEvents;
  if (!Array.isArray(events)) throw new Error('traceEvents missing');
  const named = new Set<string>();
  const used = new Set<string>();
  const flows = new Map<number, { s: number; f: number }>();
  let tasks = 0;
  for (const e of events as Array<Record<string, unknown>>) {
    const key = `${String(e.pid)}:${String(e.tid)}`;
    if (e.ph === 'M') {
      if (e.name === 'thread_name') named.add(key);
      continue;
    }
    if (typeof e.ts !== 'number' || !Number.isFinite(e.ts) || e.ts < 0) throw new Error(`bad ts in ${JSON.stringify(e)}`);
    used.add(key);
    if (e.ph === 'X') {
      if (typeof e.dur !== 'number' || e.dur < 0) throw new Error(`bad dur in ${JSON.stringify(e)}`);
      if (e.cat === 'task') tasks++;
    } else if (e.ph === 's' || e.ph === 'f') {
      const id = e.id as number;
      const f = flows.get(id) ?? { s: 0, f: 0 };
      f[e.ph]++;
      flows.set(id, f);
      if (e.ph === 'f' && e.bp !== 'e') throw new Error('flow end without bp:e');
    } else {
      throw new Error(`unexpected phase ${String(e.ph)}`);
    }
  }
  for (const k of used) if (!named.has(k)) throw new Error(`thread ${k} has events but no name`);
  for (const [id, f] of flows) if (f.s !== 1 || f.f !== 1) throw new Error(`flow ${id} unpaired`);
  return { tasks, flows: flows.size };
}
