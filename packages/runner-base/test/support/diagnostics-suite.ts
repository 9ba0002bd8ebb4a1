/**
 * The diagnostics suite both arch runners must pass on their simulator, written once (like
 * arch-suite.ts): `runner-a2a3` and `runner-a5` call {@link describeArchDiagnostics} with their
 * target. Every run uses the real simulated runtime, which produces the records through the
 * collectors' shared-memory protocol; the checks compare the exported files with what the run
 * executed (kernel names, task counts, tensor bytes the test wrote and read back).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openDevice } from '@npurun/hal-native';
import type { HalDevice, OpenDeviceOptions } from '@npurun/hal-native';
import {
  addrArg,
  compileKernel,
  f32Bits,
  runWorkload,
  scalarArg,
  simDeviceIncludeDir,
  tensorArg,
  type DeviceRunnerBase,
  type DiagnosticsOptions,
  type HalFactory,
  type RunResult,
} from '@npurun/runner-base';
import type { ArchRunnerTarget } from './arch-suite';
import { idleAfterRun } from './runner-slots';

jest.setTimeout(240_000);

/** Every diagnostic the shared collectors offer, at its fullest. */
const ALL_ON: DiagnosticsOptions = { l2Swimlane: 4, tensorDump: true, pmu: 2, scopeStats: true };
/** Small launches: the a5 l2 buffers are ~9 MB per core, and six cores say as much as 108. */
const BLOCK_DIM = 2;
const NUM_CORES = BLOCK_DIM * 3;

/** What the default case of each workload executes (known from its graph). */
interface ExpectedRun {
  workload: string;
  /** Kernel name of every kernel execution on a core (a mixed task runs three). */
  executions: string[];
  /** Tasks in the graph, dependency-only ones included. */
  tasks: number;
  /** Dump records: inputs once, outputs once, inouts twice (dependency-only tasks never dump). */
  dumps: number;
}

const EXPECTED: readonly ExpectedRun[] = [
  // write X (inout) → dummy → copy X (input) to Y (inout)
  { workload: 'dummy_task', executions: ['write_const', 'copy_first'], tasks: 3, dumps: 2 + 1 + 2 },
  // matmul (A, B in; C out) and add (X, Y in; Z out)
  { workload: 'alternating_matmul_add', executions: ['matmul_tile128', 'add_tile128'], tasks: 2, dumps: 6 },
  // five vector tasks of 2 inputs + 1 output (add, add_scalar ×2 with 1 input, mul, add)
  {
    workload: 'prepared_callable',
    executions: ['vector_add', 'vector_add_scalar', 'vector_add_scalar', 'vector_mul', 'vector_add'],
    tasks: 5,
    dumps: 3 + 2 + 2 + 3 + 3,
  },
  // one mixed task: the cube kernel and the vector kernel on both vector cores; its output is in-out
  { workload: 'spmd_basic', executions: ['spmd_read_aic', 'spmd_read_aiv', 'spmd_read_aiv'], tasks: 1, dumps: 2 },
];

function tmpOut(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `npurun-diag-${name}-`));
}

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
}

const sorted = (xs: readonly string[]): string[] => [...xs].sort();

interface TraceEvent {
  ph: string;
  name: string;
  cat?: string;
  pid: number;
  tid?: number;
  ts?: number;
  dur?: number;
  args?: Record<string, unknown>;
}

/** Checks the files of one run against what it executed. */
function checkRunFiles(out: string, run: RunResult, e: ExpectedRun, schedulerThreads: number, maxAicpuThreads: number): void {
  const expectFile = (rel: string): string => {
    const f = path.join(out, rel);
    expect(run.files).toContain(f);
    expect(fs.existsSync(f)).toBe(true);
    return f;
  };

  // Every collector reconciled clean with nothing dropped.
  expect(sorted(run.collectors.map((c) => c.name))).toEqual(sorted(['l2Swimlane', 'tensorDump', 'pmu', 'scopeStats']));
  for (const c of run.collectors) {
    expect({ name: c.name, clean: c.clean, dropped: c.dropped, balanced: c.collected + c.dropped === c.total }).toEqual({
      name: c.name,
      clean: true,
      dropped: 0,
      balanced: true,
    });
  }

  // swimlane.trace.json: a complete event per kernel execution, named by its kernel, on a named
  // thread of its core; every core and every AI CPU scheduler thread is named.
  const trace = readJson(expectFile('swimlane.trace.json')) as { traceEvents: TraceEvent[] };
  expect(Array.isArray(trace.traceEvents)).toBe(true);
  const tasks = trace.traceEvents.filter((ev) => ev.ph === 'X' && ev.cat === 'task');
  expect(sorted(tasks.map((t) => String(t.args?.kernel)))).toEqual(sorted(e.executions));
  for (const t of tasks) expect(t.name).toBe(t.args?.label === undefined ? t.args?.kernel : `${String(t.args.kernel)} (${String(t.args.label)})`);
  const threadNames = new Map(trace.traceEvents.filter((ev) => ev.ph === 'M' && ev.name === 'thread_name').map((ev) => [ev.tid!, String(ev.args?.name)]));
  for (const t of tasks) {
    expect(typeof t.ts).toBe('number');
    expect(t.ts!).toBeGreaterThanOrEqual(0);
    expect(t.dur!).toBeGreaterThanOrEqual(0);
    expect(threadNames.has(t.tid!)).toBe(true);
  }
  // Only lanes that ran something: exactly the cores that ran a task, the scheduler threads that
  // recorded a phase.
  const coreThreads = [...threadNames].filter(([, n]) => /^AI[CV]_\d+$/.test(n)).map(([tid]) => tid);
  expect(coreThreads.sort()).toEqual([...new Set(tasks.map((t) => t.tid!))].sort());
  expect(coreThreads.length).toBeLessThanOrEqual(NUM_CORES);
  // Level 3+: the schedulers recorded phases; level 4: the orchestrator one per task.
  const phases = trace.traceEvents.filter((ev) => ev.ph === 'X' && ev.cat === 'phase');
  const phaseLanes = [...new Set(phases.map((p) => p.tid!))];
  expect(phaseLanes.map((tid) => threadNames.get(tid)).every((n) => n !== undefined && /^AICPU (sched|orch) \d+$/.test(n))).toBe(true);
  expect([...threadNames.values()].filter((n) => n.startsWith('AICPU')).length).toBe(phaseLanes.length);
  expect(phases.some((p) => p.name === 'dispatch')).toBe(true);
  expect(phases.some((p) => p.name === 'complete')).toBe(true);

  // l2_perf_records.json: the same tasks, µs times, phases per AI CPU thread, the core map.
  const l2 = readJson(expectFile('l2_perf_records.json')) as {
    l2_perf_level: number;
    tasks: { start_time_us: number; end_time_us: number; dispatch_time_us: number; finish_time_us: number; func_id: number; core_id: number }[];
    aicpu_scheduler_phases: unknown[][];
    aicpu_orchestrator_phases: unknown[][];
    core_to_thread: number[];
  };
  expect(l2.l2_perf_level).toBe(4);
  expect(l2.tasks).toHaveLength(e.executions.length);
  for (const t of l2.tasks) {
    expect(t.end_time_us).toBeGreaterThanOrEqual(t.start_time_us);
    expect(t.start_time_us).toBeGreaterThanOrEqual(t.dispatch_time_us); // level 2: dispatch precedes the kernel
    expect(t.finish_time_us).toBeGreaterThanOrEqual(t.end_time_us); // and completion is seen after it
    expect(t.core_id).toBeLessThan(NUM_CORES);
  }
  expect(l2.aicpu_scheduler_phases).toHaveLength(maxAicpuThreads);
  expect(l2.aicpu_orchestrator_phases.flat()).toHaveLength(e.tasks);
  expect(l2.core_to_thread).toHaveLength(NUM_CORES);
  for (const thread of l2.core_to_thread) expect(thread).toBeLessThan(schedulerThreads);

  // pmu.csv: one row per kernel execution, the event group marked simulated.
  const csv = fs.readFileSync(expectFile('pmu.csv'), 'utf8').trim().split('\n');
  const header = csv[0]!.split(',');
  expect(header.slice(0, 6)).toEqual(['thread_id', 'core_id', 'task_id', 'func_id', 'core_type', 'pmu_total_cycles']);
  const rows = csv.slice(1).map((r) => r.split(','));
  expect(rows).toHaveLength(e.executions.length);
  for (const r of rows) {
    expect(r[r.length - 1]).toBe('PIPE_UTILIZATION (simulated)');
    expect(r[2]).toMatch(/^0x[0-9a-f]{16}$/);
    const cycles = Number(r[5]);
    // The simulated counters are ordered shares of the kernel's duration.
    const counters = r.slice(6, header.indexOf('event_type')).map(Number);
    for (let i = 1; i < counters.length; i++) expect(counters[i]!).toBeGreaterThanOrEqual(counters[i - 1]!);
    for (const v of counters) expect(v).toBeLessThanOrEqual(cycles);
  }

  // scope_stats.jsonl: the graph scope and one scope per task, begin and end.
  const lines = fs.readFileSync(expectFile(path.join('scope_stats', 'scope_stats.jsonl')), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(lines[0]).toMatchObject({ version: 4, fatal: false, dropped: 0, total: 2 + 2 * e.tasks });
  const records = lines.slice(1);
  expect(records).toHaveLength(2 + 2 * e.tasks);
  expect(records[0]).toMatchObject({ site: 'graph:0', phase: 'begin', depth: 0 });
  expect(records[records.length - 1]).toMatchObject({ site: 'graph:0', phase: 'end', depth: 0, task_window_end: e.tasks });
  expect(records.filter((r) => r.phase === 'begin')).toHaveLength(1 + e.tasks);

  // tensor_dump: one entry per dumped tensor, its payload in the .bin.
  const manifest = readJson(expectFile(path.join('tensor_dump', 'tensor_dump.json'))) as { total_tensors: number; tensors: { bin_size: number; numel: number; dtype: string }[] };
  expect(manifest.total_tensors).toBe(e.dumps);
  expect(manifest.tensors).toHaveLength(e.dumps);
  const bin = fs.statSync(expectFile(path.join('tensor_dump', 'tensor_dump.bin'))).size;
  expect(manifest.tensors.reduce((s, t) => s + t.bin_size, 0)).toBe(bin);
  for (const t of manifest.tensors) expect({ dtype: t.dtype, bytes: t.bin_size }).toEqual({ dtype: 'FLOAT32', bytes: t.numel * 4 });

  // run.json lists the collectors and marks the PMU values simulated.
  const runJson = readJson(expectFile('run.json')) as { collectors: { name: string }[]; diagnosticsWiring: { collectors: string[]; pmu: { simulated: boolean; eventGroupName: string } } };
  expect(sorted(runJson.collectors.map((c) => c.name))).toEqual(sorted(['l2Swimlane', 'tensorDump', 'pmu', 'scopeStats']));
  expect(runJson.diagnosticsWiring.pmu).toMatchObject({ simulated: true, eventGroupName: 'PIPE_UTILIZATION' });
}

/** A HAL factory over the real simulator that counts host mappings. */
function countingHal(): { factory: HalFactory; maps: () => number; unmaps: () => number } {
  let maps = 0;
  let unmaps = 0;
  const factory = (options: OpenDeviceOptions): HalDevice => {
    const real = openDevice(options);
    return new Proxy(real, {
      get(target, prop) {
        const value: unknown = Reflect.get(target, prop, target);
        if (typeof value !== 'function') return value;
        const method = value as (...args: unknown[]) => unknown;
        return (...args: unknown[]) => {
          const result = method.apply(target, args);
          if (prop === 'mapToHost') maps++;
          if (prop === 'unmapFromHost') unmaps++;
          return result;
        };
      },
    });
  };
  return { factory, maps: () => maps, unmaps: () => unmaps };
}

/** The diagnostics of one arch runner, end to end on its simulator. */
export function describeArchDiagnostics(target: ArchRunnerTarget): void {
  const schedulers = target.expected.aicpuSchedulerThreads;
  const maxAicpuThreads = target.arch === 'a2a3' ? 4 : 7;

  describe(`${target.arch} runner: diagnostics on ${target.simPlatform}`, () => {
    test.each(EXPECTED.map((e) => [e.workload, e] as const))('%s with every diagnostic on verifies and writes files that match the run', async (_name, e) => {
      const out = tmpOut(e.workload);
      const runner = await target.create({ outputDir: out, diagnostics: ALL_ON });
      try {
        const result = await runWorkload(runner, e.workload, { run: { blockDim: BLOCK_DIM } });
        expect({ verified: result.verified, mismatches: result.mismatches }).toEqual({ verified: true, mismatches: [] });
        // A workload may run several times into the same directory: the files are the last run's.
        checkRunFiles(out, result.runs[result.runs.length - 1]!, e, Math.min(schedulers, BLOCK_DIM), maxAicpuThreads);
        // Each run's collectors were released when it ended: only the runner's own slots are left.
        expect(runner.memoryStats()).toEqual(idleAfterRun(runner));
      } finally {
        await runner.finalize();
        fs.rmSync(out, { recursive: true, force: true });
      }
    });

    test('tensor dump payloads are the bytes the task read and wrote, before and after', async () => {
      const out = tmpOut('payloads');
      const runner = await target.create({ outputDir: out });
      try {
        const [add, addScalar] = await Promise.all(
          ['vector_add', 'vector_add_scalar'].map((k) =>
            compileKernel({ sources: [path.join(__dirname, '..', '..', 'device', 'kernels', `${k}.cpp`)], platform: target.simPlatform, includeDirs: [simDeviceIncludeDir] }),
          ),
        );
        const n = 1024;
        const a = Float32Array.from({ length: n }, (_, i) => i * 0.5 - 3);
        const b = Float32Array.from({ length: n }, (_, i) => 100 - i);
        const ta = runner.allocateTensor(n * 4);
        const tb = runner.allocateTensor(n * 4);
        const tc = runner.allocateTensor(n * 4);
        runner.copyToDevice(ta, a);
        runner.copyToDevice(tb, b);
        runner.copyToDevice(tc, new Float32Array(n).fill(-7));
        const images = [add!, addScalar!].map((img) => {
          const addr = runner.allocateTensor(img.byteLength);
          runner.copyToDevice(addr, img);
          return { addr, size: img.byteLength };
        });
        const f32 = (addr: bigint, role: 'input' | 'output' | 'inout') => tensorArg(addr, { bytes: n * 4, dtype: 'float32', shape: [n], role });
        const readback = new Float32Array(n);
        await runner.run({
          graph: {
            kernels: [
              { name: 'vector_add', entry: 'vector_add', imageAddr: images[0]!.addr, imageSize: images[0]!.size, coreType: 'vector' },
              { name: 'vector_add_scalar', entry: 'vector_add_scalar', imageAddr: images[1]!.addr, imageSize: images[1]!.size, coreType: 'vector' },
            ],
            tasks: [
              { kernel: 0, args: [f32(ta, 'input'), f32(tb, 'input'), f32(tc, 'output'), scalarArg(n)] },
              // c += 1 in place: c is in-out; the second address is the same tensor, undescribed.
              { kernel: 1, args: [f32(tc, 'inout'), addrArg(tc), scalarArg(f32Bits(1)), scalarArg(n)], deps: [0] },
            ],
          },
          blockDim: 1,
          diagnostics: { tensorDump: true },
          outputs: [{ addr: tc, view: readback }],
        });
        const sum = Float32Array.from(a, (x, i) => x + b[i]!);
        expect(Array.from(readback)).toEqual(Array.from(sum, (x) => Math.fround(x + 1)));
        const manifest = readJson(path.join(out, 'tensor_dump', 'tensor_dump.json')) as {
          tensors: { task_id: string; stage: string; role: string; arg_index: number; bin_offset: number; bin_size: number; shape: number[] }[];
        };
        const bin = fs.readFileSync(path.join(out, 'tensor_dump', 'tensor_dump.bin'));
        const payload = (task: number, stage: string, arg: number): number[] => {
          const t = manifest.tensors.find((x) => x.task_id === `0x${task.toString(16).padStart(16, '0')}` && x.stage === stage && x.arg_index === arg);
          expect(t).toBeDefined();
          expect(t!.shape).toEqual([n]);
          return Array.from(new Float32Array(bin.buffer.slice(bin.byteOffset + t!.bin_offset, bin.byteOffset + t!.bin_offset + t!.bin_size)));
        };
        expect(manifest.tensors).toHaveLength(5); // a, b before; c after; c before and after the in-place add
        expect(payload(0, 'before_dispatch', 0)).toEqual(Array.from(a));
        expect(payload(0, 'before_dispatch', 1)).toEqual(Array.from(b));
        expect(payload(0, 'after_completion', 2)).toEqual(Array.from(sum));
        expect(payload(1, 'before_dispatch', 0)).toEqual(Array.from(sum));
        expect(payload(1, 'after_completion', 0)).toEqual(Array.from(readback));
      } finally {
        await runner.finalize();
        fs.rmSync(out, { recursive: true, force: true });
      }
    });

    test('diagnostics on, then off, then on again on the same runner', async () => {
      const out = tmpOut('onoff');
      const runner = await target.create({ outputDir: out });
      try {
        const on = await runWorkload(runner, 'alternating_matmul_add', { run: { blockDim: BLOCK_DIM, diagnostics: ALL_ON } });
        expect(on.verified).toBe(true);
        expect(on.runs[0]!.collectors.every((c) => c.clean)).toBe(true);
        const afterOn = runner.memoryStats();
        const off = await runWorkload(runner, 'alternating_matmul_add', { run: { blockDim: BLOCK_DIM, diagnostics: {} } });
        expect(off.verified).toBe(true);
        expect(off.runs[0]!.collectors).toEqual([]);
        const again = await runWorkload(runner, 'alternating_matmul_add', { run: { blockDim: BLOCK_DIM, diagnostics: ALL_ON } });
        expect(again.verified).toBe(true);
        expect(again.runs[0]!.collectors.map((c) => c.clean)).toEqual([true, true, true, true]);
        expect(runner.memoryStats()).toEqual(afterOn); // collectors never outlive their run
      } finally {
        await runner.finalize();
        fs.rmSync(out, { recursive: true, force: true });
      }
    });

    test(
      target.expected.hostMapping
        ? 'collector buffers are host-mapped while a run needs them and every mapping is undone'
        : 'collector buffers are never host-mapped (shadow copies)',
      async () => {
        const out = tmpOut('maps');
        const hal = countingHal();
        const runner = await target.create({ outputDir: out, diagnostics: ALL_ON, halFactory: hal.factory });
        try {
          const result = await runWorkload(runner, 'alternating_matmul_add', { run: { blockDim: BLOCK_DIM } });
          expect(result.verified).toBe(true);
          if (target.expected.hostMapping) {
            expect(hal.maps()).toBeGreaterThan(0);
            expect(hal.unmaps()).toBe(hal.maps()); // the run's end finalized its collectors
          } else {
            expect(hal.maps()).toBe(0);
          }
        } finally {
          await runner.finalize();
          fs.rmSync(out, { recursive: true, force: true });
        }
        expect(hal.unmaps()).toBe(hal.maps());
      },
    );

    test('finalize after a timed-out run deals with the run\u2019s collectors', async () => {
      const out = tmpOut('timeout');
      const hal = countingHal();
      const runner: DeviceRunnerBase = await target.create({ outputDir: out, halFactory: hal.factory });
      try {
        const spin = await compileKernel({ sources: [path.join(__dirname, 'kernels', 'spin_until_flag.cpp')], platform: target.simPlatform, includeDirs: [simDeviceIncludeDir] });
        const image = runner.allocateTensor(spin.byteLength);
        runner.copyToDevice(image, spin);
        const flag = runner.allocateTensor(4);
        runner.copyToDevice(flag, new Uint32Array([0]));
        const err = await runner
          .run({
            graph: { kernels: [{ name: 'spin', entry: 'spin_until_flag', imageAddr: image, imageSize: spin.byteLength, coreType: 'cube' }], tasks: [{ kernel: 0, args: [addrArg(flag), scalarArg(30_000)] }] },
            blockDim: 1,
            timeoutMs: 300,
            diagnostics: ALL_ON,
          })
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(err).toMatchObject({ code: 'RUNNER_RUN_TIMEOUT' });
        // The timed-out run's collectors are still held: the device may still write their buffers.
        if (target.expected.hostMapping) expect(hal.unmaps()).toBeLessThan(hal.maps());
      } finally {
        await runner.finalize();
        fs.rmSync(out, { recursive: true, force: true });
      }
      // a2a3 finalized them (every mapping undone); a5 never mapped, and the sweep freed them.
      expect(hal.unmaps()).toBe(hal.maps());
      expect(runner.memoryStats()).toEqual({ liveBytes: 0n, liveAllocations: 0 });
    });
  });
}
