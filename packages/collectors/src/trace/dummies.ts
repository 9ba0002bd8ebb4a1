/**
 * When a dependency-only ("dummy") task completed. Dummies never run on a core, so no record times
 * them; the scheduler completes one as soon as its last predecessor is done. Its time is therefore
 * derived: the latest completion among its predecessors (a dummy predecessor counts with its own
 * derived time), or the run's start for a dummy without predecessors. A dummy any of whose
 * predecessors has no known completion gets no time.
 */
import type { HostTask } from './inputs';

/**
 * Completion time of every dummy that can be placed.
 *
 * @param tasks the host graph
 * @param done completion time of a kernel task, or `undefined` when it was not recorded
 * @param start the run's start (time of a dummy with no predecessors)
 */
export function dummyCompletionTimes(tasks: readonly HostTask[], done: (id: number) => number | undefined, start = 0): Map<number, number> {
  const byId = new Map<number, HostTask>();
  for (const t of tasks) byId.set(t.id, t);
  const times = new Map<number, number>();
  const unknown = new Set<number>();
  // Iterative depth-first walk: long dummy chains must not exhaust the call stack.
  for (const root of tasks) {
    if (root.kernel !== null || times.has(root.id) || unknown.has(root.id)) continue;
    const stack: HostTask[] = [root];
    const onStack = new Set<number>([root.id]);
    while (stack.length > 0) {
      const t = stack[stack.length - 1]!;
      let pending: HostTask | undefined;
      let time = start;
      let known = true;
      for (const d of t.deps) {
        const dep = byId.get(d);
        if (dep === undefined) {
          known = false;
          break;
        }
        if (dep.kernel !== null) {
          const at = done(d);
          if (at === undefined) known = false;
          else time = Math.max(time, at);
        } else if (times.has(d)) {
          time = Math.max(time, times.get(d)!);
        } else if (unknown.has(d) || onStack.has(d)) {
          known = false;
        } else {
          pending = dep;
          break;
        }
        if (!known) break;
      }
      if (pending !== undefined) {
        stack.push(pending);
        onStack.add(pending.id);
        continue;
      }
      stack.pop();
      onStack.delete(t.id);
      if (known) times.set(t.id, time);
      else unknown.add(t.id);
    }
  }
  return times;
}
