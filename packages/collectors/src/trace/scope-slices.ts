/**
 * Scope statistics as time slices. A scope record carries no time, but it says which tasks the
 * scope submitted: the ring's next task id at its begin and at its end. Where the orchestrator's
 * submit of those tasks was timed (l2 swimlane level 4), the scope spans the first submit's start to
 * the last submit's end; scopes that submitted nothing, or whose submits were not timed, get no
 * slice (they still have their statistics).
 */
import type { ScopeBoundary } from './inputs';

/** A begin/end pair of one scope. */
export interface ScopePair {
  /** The begin record. */
  readonly begin: ScopeBoundary;
  /** The end record. */
  readonly end: ScopeBoundary;
}

/** A scope placed in time. */
export interface ScopeSlice extends ScopePair {
  /** Start (the first submit's start), in the caller's time unit. */
  readonly start: number;
  /** End (the last submit's end). */
  readonly finish: number;
  /** First task id the scope submitted. */
  readonly firstTask: number;
  /** One past the last task id it submitted. */
  readonly endTask: number;
}

/**
 * Pairs begin and end records of the same ring and site, innermost first (a stack per site), in
 * the order the ends appear. Unpaired records are left out.
 */
export function pairScopes(records: Iterable<ScopeBoundary>): ScopePair[] {
  const open = new Map<string, ScopeBoundary[]>();
  const pairs: ScopePair[] = [];
  for (const r of records) {
    const key = `${r.ring}|${r.site}`;
    if (r.phase === 'begin') {
      const s = open.get(key) ?? [];
      s.push(r);
      open.set(key, s);
    } else if (r.phase === 'end') {
      const begin = open.get(key)?.pop();
      if (begin !== undefined) pairs.push({ begin, end: r });
    }
  }
  return pairs;
}

/**
 * The scopes that can be placed in time, given the submit time of each task id.
 *
 * @param submits start and end of the orchestrator's submit of a task, by task id
 */
export function scopeSlices(pairs: readonly ScopePair[], submits: ReadonlyMap<number, { start: number; end: number }>): ScopeSlice[] {
  const out: ScopeSlice[] = [];
  for (const p of pairs) {
    const first = p.begin.taskWindowEnd;
    const endTask = p.end.taskWindowEnd;
    if (!(endTask > first)) continue;
    let start = Infinity;
    let finish = -Infinity;
    let timed = true;
    for (let id = first; id < endTask; id++) {
      const s = submits.get(id);
      if (s === undefined) {
        timed = false;
        break;
      }
      start = Math.min(start, s.start);
      finish = Math.max(finish, s.end);
    }
    if (timed) out.push({ ...p, start, finish, firstTask: first, endTask });
  }
  return out;
}
