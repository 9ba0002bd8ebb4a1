// The pure parts of what the trace joins in: arrows (host graph ∪ dep_gen), dependency-only task
// times, and scopes placed in time.
import { pairScopesSteps, scopeSlicesSteps } from '../src/trace/scope-slices';
import { arrowName, combineArrows, dummyCompletionTimes, hostEdges, pairScopes, scopeSlices, type HostTask, type ScopeBoundary } from '../src';

const task = (id: number, deps: number[], kernel: string | null = 'k'): HostTask => ({ id, kernel, deps });

describe('arrows', () => {
  const tasks = [task(0, []), task(1, [0, 0]), task(2, [1]), task(3, [0, 2])];

  test('host edges are deduplicated, in task order', () => {
    expect(hostEdges(tasks)).toEqual([
      { pred: 0, succ: 1 },
      { pred: 1, succ: 2 },
      { pred: 0, succ: 3 },
      { pred: 2, succ: 3 },
    ]);
  });

  test('without dep_gen every host edge is a plain dependency', () => {
    const a = combineArrows(tasks, undefined);
    expect(a.map((x) => x.source)).toEqual(['host', 'host', 'host', 'host']);
    expect(a.map((x) => arrowName(x.source, false))).toEqual(new Array(4).fill('dependency'));
  });

  test('with dep_gen, agreement is plain and each disagreement names its side', () => {
    const device = [
      { pred: 0n, succ: 1n },
      { pred: 1n, succ: 2n },
      { pred: 0n, succ: 3n },
      { pred: 1n, succ: 3n }, // captured, not in the host graph
    ];
    const a = combineArrows(tasks, device);
    const by = new Map(a.map((x) => [`${x.pred}>${x.succ}`, x.source]));
    expect(Object.fromEntries(by)).toEqual({ '0>1': 'both', '1>2': 'both', '0>3': 'both', '2>3': 'host', '1>3': 'device' });
    expect(arrowName('host', true)).toBe('dependency (host graph only)');
    expect(arrowName('device', true)).toBe('dependency (dep_gen only)');
    expect(arrowName('both', true)).toBe('dependency');
  });
});

describe('dependency-only task times', () => {
  test('a dummy completes with its last predecessor; chains and barriers follow', () => {
    // 0, 1 kernels; 2 = barrier(0, 1); 3 = dummy after 2; 4 kernel after 3; 5 = dummy with no deps
    const tasks = [task(0, []), task(1, []), task(2, [0, 1], null), task(3, [2], null), task(4, [3]), task(5, [], null)];
    const done = new Map([
      [0, 10],
      [1, 25],
      [4, 40],
    ]);
    const t = dummyCompletionTimes(tasks, (id) => done.get(id), 1);
    expect(Object.fromEntries(t)).toEqual({ 2: 25, 3: 25, 5: 1 });
  });

  test('a dummy behind an unrecorded task gets no time, and neither do dummies after it', () => {
    const tasks = [task(0, []), task(1, [0], null), task(2, [1], null)];
    expect(dummyCompletionTimes(tasks, () => undefined).size).toBe(0);
  });

  test('a chain of 50 000 dummies does not exhaust the stack', () => {
    const n = 50_000;
    const tasks = [task(0, []), ...Array.from({ length: n }, (_, i) => task(n - i, [n - i - 1], null))];
    const t = dummyCompletionTimes(tasks, (id) => (id === 0 ? 7 : undefined));
    expect(t.size).toBe(n);
    expect(t.get(n)).toBe(7);
  });
});

describe('scopes in time', () => {
  const b = (site: string, phase: 'begin' | 'end', depth: number, windowEnd: number, heapEnd = 0n): ScopeBoundary => ({
    site,
    phase,
    depth,
    ring: depth,
    taskWindowStart: 0,
    taskWindowEnd: windowEnd,
    heapStart: 0n,
    heapEnd,
    tensormap: 0,
  });
  const records = [b('graph:0', 'begin', 0, 0), b('task:0', 'begin', 1, 0), b('task:0', 'end', 1, 1, 64n), b('empty:1', 'begin', 1, 1), b('empty:1', 'end', 1, 1), b('task:1', 'begin', 1, 1), b('task:1', 'end', 1, 2), b('graph:0', 'end', 0, 2)];

  test('begin and end pair per ring and site, innermost first', () => {
    expect(pairScopes(records).map((p) => p.begin.site)).toEqual(['task:0', 'empty:1', 'task:1', 'graph:0']);
  });

  test('a scope spans its submits; scopes without submits, or with untimed ones, get no slice', () => {
    const submits = new Map([
      [0, { start: 5, end: 6 }],
      [1, { start: 8, end: 9.5 }],
    ]);
    const s = scopeSlices(pairScopes(records), submits);
    expect(s.map((x) => [x.begin.site, x.start, x.finish, x.firstTask, x.endTask])).toEqual([
      ['task:0', 5, 6, 0, 1],
      ['task:1', 8, 9.5, 1, 2],
      ['graph:0', 5, 9.5, 0, 2],
    ]);
    expect(scopeSlices(pairScopes(records), new Map([[0, { start: 1, end: 2 }]])).map((x) => x.begin.site)).toEqual(['task:0']);
  });

  test('the step generators pause inside a scope that spans many tasks, with the same result', () => {
    const n = 10_000;
    const wide = [b('graph:0', 'begin', 0, 0), b('graph:0', 'end', 0, n)];
    const submits = new Map(Array.from({ length: n }, (_, i) => [i, { start: i, end: i + 0.5 }] as const));
    const drain = <T>(g: Generator<void, T, undefined>): { value: T; pauses: number } => {
      let pauses = 0;
      for (;;) {
        const r = g.next();
        if (r.done === true) return { value: r.value, pauses };
        pauses++;
      }
    };
    const pairs = drain(pairScopesSteps(wide)).value;
    const { value, pauses } = drain(scopeSlicesSteps(pairs, submits));
    expect(pauses).toBeGreaterThanOrEqual(4);
    expect(value).toEqual(scopeSlices(pairScopes(wide), submits));
    expect(value[0]).toMatchObject({ start: 0, finish: n - 0.5, firstTask: 0, endTask: n });
  });
});
