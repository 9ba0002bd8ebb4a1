// dep_gen end to end on a2a3sim: the simulated orchestrator (AI CPU init kernel) captures every
// task, the collector drains it, and deps.json's edges are exactly the graph's dependencies.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  addrArg,
  scalarArg,
  tensorArg,
  workloadNames,
  workloads,
  type Callable,
  type CallableRunPlan,
  type RunOptions,
  type RunResult,
  type TaskSpec,
  type WorkloadRunner,
} from '@npurun/runner-base';
import { A2A3Runner } from '../src';
import { DEPS_JSON_FILE, DEPS_NOT_WRITTEN } from '../src/dep-gen/collector';
import type { DepsJson } from '../src/dep-gen/deps-json';

jest.setTimeout(300_000);

interface TraceEvent {
  ph: string;
  id?: number;
  tid?: number;
  ts?: number;
  bp?: string;
  cat?: string;
  name?: string;
  args?: { task_id?: number };
}

interface Observed {
  tasks: readonly TaskSpec[];
  dir: string;
  result: RunResult;
}

/** A runner that records each run's task graph and gives each run its own output directory. */
function recording(runner: A2A3Runner, root: string, runOptions: RunOptions): { proxy: WorkloadRunner; seen: Observed[] } {
  const seen: Observed[] = [];
  const plans = new Map<unknown, CallableRunPlan>();
  const proxy: WorkloadRunner = {
    get platform() {
      return runner.platform;
    },
    allocateTensor: (b) => runner.allocateTensor(b),
    freeTensor: (a) => runner.freeTensor(a),
    copyToDevice: (a, v) => runner.copyToDevice(a, v),
    copyFromDevice: (v, a) => runner.copyFromDevice(v, a),
    prepareCallable<A>(id: string | number, callable: Callable<A>) {
      runner.prepareCallable(id, {
        kernels: callable.kernels,
        orchestrate: (args: A) => {
          const plan = callable.orchestrate(args);
          plans.set(id, plan);
          return plan;
        },
      });
    },
    async runPrepared<A>(id: string | number, args: A, options: RunOptions = {}) {
      const dir = fs.mkdtempSync(path.join(root, 'run-'));
      const result = await runner.runPrepared(id, args, { ...options, ...runOptions, outputDir: dir });
      seen.push({ tasks: plans.get(id)!.tasks, dir, result });
      return result;
    },
    unregisterCallable: (id) => runner.unregisterCallable(id),
    hasCallable: (id) => runner.hasCallable(id),
    callableStats: () => runner.callableStats(),
  };
  return { proxy, seen };
}

function graphEdges(tasks: readonly TaskSpec[]): string[] {
  return tasks.flatMap((t, i) => (t.deps ?? []).map((d) => `${d}>${i}`)).sort();
}

function readDeps(dir: string): DepsJson {
  const text = fs.readFileSync(path.join(dir, DEPS_JSON_FILE), 'utf8');
  expect(text.trimEnd()).not.toMatch(/\s/); // one line, no whitespace
  return JSON.parse(text) as DepsJson;
}

function checkAgainstGraph(o: Observed): void {
  const deps = readDeps(o.dir);
  expect(o.result.files).toContain(path.join(o.dir, DEPS_JSON_FILE));
  // every task is a node, dummies included, in submit order
  expect(deps.tasks.map((t) => t.task_id)).toEqual(o.tasks.map((_, i) => String(i)));
  const byId = new Map(deps.tensors.map((x) => [x.tensor_id, x]));
  o.tasks.forEach((t, i) => {
    const addrs = (t.args ?? []).flatMap((a) => (a.kind === 'addr' ? [a] : []));
    expect(deps.tasks[i]!.scope).toBe('manual');
    // described arguments keep role, element type, shape and size; the rest are UNKNOWN
    const expected = addrs.map((a, k) => {
      const info = a.tensor;
      const type = info === undefined ? 'UNKNOWN' : ({ input: 'INPUT', output: 'OUTPUT_EXISTING', inout: 'INOUT' } as const)[info.role ?? 'inout'];
      const dtype = info === undefined ? 'UNKNOWN' : info.dtype.toUpperCase();
      const shape = info === undefined ? [] : [...info.shape];
      return { idx: k, type, dtype, shape, addr: a.value.toString() };
    });
    expect(
      deps.tasks[i]!.args.map((a) => ({ idx: a.idx, type: a.type, dtype: a.dtype, shape: a.shape, addr: byId.get(a.tensor_id!)?.buffer_addr })),
    ).toEqual(expected);
  });
  expect(deps.edges.every((e) => e.source === 'explicit' && e.arg === -1)).toBe(true);
  expect(deps.edges.map((e) => `${e.pred}>${e.succ}`).sort()).toEqual(graphEdges(o.tasks));
  const summary = o.result.collectors.find((c) => c.name === 'depGen');
  expect(summary).toMatchObject({ clean: true, dropped: 0 });
  // one slot per task, plus an overflow slot per 326 dependencies beyond the first 64
  const overflow = o.tasks.reduce((n, t) => n + Math.max(0, Math.ceil(((t.deps?.length ?? 0) - 64) / 326)), 0);
  expect(summary!.collected).toBe(o.tasks.length + overflow);
}

describe('dep_gen on a2a3sim', () => {
  let runner: A2A3Runner;
  let root: string;
  beforeAll(async () => {
    runner = await A2A3Runner.create({ platform: 'a2a3sim' });
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'npurun-depgen-e2e-'));
  });
  afterAll(async () => {
    await runner?.finalize();
    fs.rmSync(root, { recursive: true, force: true });
  });

  for (const name of workloadNames) {
    it(`${name}: every case writes deps.json with the graph's dependencies`, async () => {
      const w = workloads[name];
      for (const c of w.cases) {
        const { proxy, seen } = recording(runner, root, { diagnostics: { depGen: true } });
        const r = await w.run(proxy, { case: c.name });
        expect({ case: c.name, verified: r.verified, checks: r.checks.filter((k) => !k.passed) }).toEqual({ case: c.name, verified: true, checks: [] });
        for (const o of seen) checkAgainstGraph(o);
        if (name !== 'prepared_callable' || c.name !== 'double_prepare_errors') expect(seen.length).toBeGreaterThan(0);
      }
    });
  }

  it('with the l2 swimlane on, swimlane.trace.json has a flow pair for every captured edge, dependency-only tasks included', async () => {
    for (const name of ['prepared_callable', 'dummy_task'] as const) {
      const { proxy, seen } = recording(runner, root, { diagnostics: { depGen: true, l2Swimlane: 1 } });
      expect((await workloads[name].run(proxy)).verified).toBe(true);
      for (const o of seen) {
        checkAgainstGraph(o);
        const trace = JSON.parse(fs.readFileSync(path.join(o.dir, 'swimlane.trace.json'), 'utf8')) as { traceEvents: TraceEvent[] };
        // Kernel tasks are slices on their core; dependency-only tasks instants on their own lane.
        const anchors = new Map(trace.traceEvents.filter((e) => (e.ph === 'X' && e.cat === 'task') || e.ph === 'i').map((e) => [String(e.args!.task_id!), e]));
        const starts = trace.traceEvents.filter((e) => e.ph === 's' && e.cat === 'flow');
        const ends = new Map(trace.traceEvents.filter((e) => e.ph === 'f' && e.cat === 'flow').map((e) => [e.id, e]));
        const edges = readDeps(o.dir).edges;
        expect(edges.length).toBeGreaterThan(0);
        const drawn = starts.map((s) => {
          const f = ends.get(s.id)!;
          expect(f.bp).toBe('e');
          expect(s.name).toBe('dependency'); // the host graph and dep_gen agree
          const from = [...anchors].find(([, x]) => x.tid === s.tid && x.ts === s.ts)![0];
          const to = [...anchors].find(([, x]) => x.tid === f.tid && x.ts === f.ts)![0];
          return `${from}>${to}`;
        });
        expect(drawn.sort()).toEqual(edges.map((e) => `${e.pred}>${e.succ}`).sort());
      }
    }
  });

  it('captures big dependency fans through overflow records, across many recycled buffers', async () => {
    // 600 dependency-only tasks: far more records than the 4 preallocated buffers of 32 hold, a
    // task with 400 predecessors (two overflow records) and one with 100 (one).
    const tasks: TaskSpec[] = Array.from({ length: 600 }, (_, i) => ({ kernel: null, deps: i > 0 && i < 500 ? [i - 1] : [] }));
    tasks[550] = { kernel: null, deps: Array.from({ length: 400 }, (_, k) => k) };
    tasks[599] = { kernel: null, deps: Array.from({ length: 100 }, (_, k) => 2 * k + 1), args: [{ kind: 'addr', value: 0x1234n }] };
    const dir = fs.mkdtempSync(path.join(root, 'fan-'));
    const before = runner.memoryStats();
    const scratchBefore = BigInt(runner.runScratchBytes);
    const result = await runner.run({ graph: { kernels: [], tasks }, diagnostics: { depGen: true }, outputDir: dir });
    checkAgainstGraph({ tasks, dir, result });
    expect(result.collectors.find((c) => c.name === 'depGen')).toMatchObject({ collected: 600 + 3, total: 600 + 3 });
    // The collector's buffers went with the run; the run scratch region may have grown for this graph's image.
    expect(runner.memoryStats()).toEqual({ liveAllocations: before.liveAllocations, liveBytes: before.liveBytes - scratchBefore + BigInt(runner.runScratchBytes) });
  });

  it('keeps what the graph says about a tensor: element type, shape, size and role', async () => {
    const info = { bytes: 64, dtype: 'float32' as const, shape: [4, 4] };
    const tasks: TaskSpec[] = [
      { kernel: null, args: [tensorArg(0x1000n, { ...info, role: 'output' }), addrArg(0x2000n), scalarArg(5)] },
      { kernel: null, deps: [0], args: [tensorArg(0x1000n, { ...info, role: 'input' }), tensorArg(0x3000n, { bytes: 6, dtype: 'uint16', shape: [3] })] },
    ];
    const dir = fs.mkdtempSync(path.join(root, 'described-'));
    const result = await runner.run({ graph: { kernels: [], tasks }, diagnostics: { depGen: true }, outputDir: dir });
    checkAgainstGraph({ tasks, dir, result });
    const deps = readDeps(dir);
    const x = { tensor_id: expect.any(String), dtype: 'FLOAT32', shape: [4, 4], start_offset: '0', strides: [4, 1] };
    expect(deps.tasks[0]!.args).toEqual([{ idx: 0, type: 'OUTPUT_EXISTING', ...x }, expect.objectContaining({ idx: 1, type: 'UNKNOWN', dtype: 'UNKNOWN' })]);
    expect(deps.tasks[1]!.args).toEqual([{ idx: 0, type: 'INPUT', ...x }, expect.objectContaining({ idx: 1, type: 'INOUT', dtype: 'UINT16', shape: [3], strides: [1] })]);
    expect(deps.tensors.map((t) => [t.buffer_addr, t.dtype, t.buffer_numel])).toEqual([
      [String(0x1000), 'FLOAT32', '16'],
      [String(0x2000), 'UNKNOWN', '0'],
      [String(0x3000), 'UINT16', '3'],
    ]);
    // a manual scope: the output → input pair adds no edge besides the explicit one
    expect(deps.edges).toEqual([{ pred: '0', succ: '1', arg: -1, source: 'explicit' }]);
  });

  it('writes no deps.json and says why in run.json when a task has more tensors than a record holds', async () => {
    const args = Array.from({ length: 17 }, (_, k) => ({ kind: 'addr' as const, value: BigInt(0x1000 + k) }));
    const dir = fs.mkdtempSync(path.join(root, 'wide-'));
    const result = await runner.run({ graph: { kernels: [], tasks: [{ kernel: null, args }] }, diagnostics: { depGen: true }, outputDir: dir });
    expect(fs.existsSync(path.join(dir, DEPS_JSON_FILE))).toBe(false);
    const note = result.collectors.find((c) => c.name === 'depGen')!.notes.find((n) => n.startsWith(DEPS_NOT_WRITTEN));
    expect(note).toContain('task 0: tensor_count 17 exceeds 16');
    const runJson = JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8'));
    expect(JSON.stringify(runJson)).toContain(DEPS_NOT_WRITTEN);
  });

  it('captures nothing with depGen off', async () => {
    const dir = fs.mkdtempSync(path.join(root, 'off-'));
    const result = await runner.run({ graph: { kernels: [], tasks: [{ kernel: null }, { kernel: null, deps: [0] }] }, outputDir: dir });
    expect(result.collectors).toEqual([]);
    expect(fs.existsSync(path.join(dir, DEPS_JSON_FILE))).toBe(false);
  });
});
