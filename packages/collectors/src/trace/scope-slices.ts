/**
 * Scope statistics as time slices. A scope record carries no time, but it says which tasks the
 * scope submitted: the ring's next task id at its begin and at its end. Where the orchestrator's
 * submit of those tasks was timed (l2 swimlane level 4), the scope spans the first submit's start to
 * the last submit's end; scopes that submitted nothing, or whose submits were not timed, get no
 * slice (they still have their statistics).
 */
import { runToEnd } from '../framework/slicer';
import type { ScopeBoundary } from './inputs';

// Records paired, or task ids looked up, between pause points of the step generators.
const WORK_PER_STEP = 2048;

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
  return runToEnd(pairScopesSteps(records));
}

/**
 * {@link pairScopes} as a generator that yields every couple of thousand records, so a caller can
 * pause between them (see `framework/slicer.ts`).
 */
export function* pairScopesSteps(records: Iterable<ScopeBoundary>): Generator<void, ScopePair[], undefined> {
  const open = new Map<string, ScopeBoundary[]>();
  const pairs: ScopePair[] = [];
  let n = 0;
  for (const r of records) {
    if (++n % WORK_PER_STEP === 0) yield;
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
  return runToEnd(scopeSlicesSteps(pairs, submits));
}

/**
 * {@link scopeSlices} as a generator that yields every couple of thousand task ids looked up (an
 * outer scope spans every task of the run), so a caller can pause between them.
 */
export function* scopeSlicesSteps(pairs: readonly ScopePair[], submits: ReadonlyMap<number, { start: number; end: number }>): Generator<void, ScopeSlice[], undefined> {
  const out: ScopeSlice[] = [];
  let work = 0;
  for (const p of pairs) {
    if (++work >= WORK_PER_STEP) {
      work = 0;
      yield;
    }
    const first = p.begin.taskWindowEnd;
    const endTask = p.end.taskWindowEnd;
    if (!(endTask > first)) continue;
    let start = Infinity;
    let finish = -Infinity;
    let timed = true;
    for (let id = first; id < endTask; id++) {
      if (++work >= WORK_PER_STEP) {
        work = 0;
        yield;
      }
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
