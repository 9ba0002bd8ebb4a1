/**
 * What a run writes, read back, end to end on both simulators (shared like arch-suite.ts; the arch
 * packages call {@link describeRunResults}). Every smoke graph runs once with every diagnostic on;
 * then:
 * - the trace: one arrow per edge of the host graph (through dependency-only tasks too), anchored
 *   on the tasks it joins; PMU counter tracks matching pmu.csv; scope slices; a pid unique per run
 *   and a process name saying arch, platform, workload and case; only lanes that ran;
 * - `readRun` reads every file, and every file formatted back from what it read says the same;
 *   the files join on `run.json`'s task and kernel tables;
 * - the report loads in a real headless Chromium from file:// with no other request, draws bars and
 *   every arrow, logs no error, and its controls work;
 * - the CLI's `view` and `export-npy`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  decodeNpy,
  formatDepsJson,
  formatDumpManifest,
  formatL2PerfRecords,
  formatPmuCsv,
  formatRunJson,
  formatScopeStats,
  formatTrace,
  readRun,
  writeReport,
  type RunResults,
  type TraceEvent,
} from '@npurun/results';
import { workloads, type DiagnosticsOptions, type DeviceRunnerBase } from '@npurun/runner-base';
import type { ArchRunnerTarget } from './arch-suite';
import { findChromium, launchBrowser, loadReport, NO_BROWSER_MESSAGE } from './browser';

jest.setTimeout(600_000);

const BLOCK_DIM = 2;

/** The smoke graphs: each workload's default case, and every dummy_task shape. */
const GRAPHS: ReadonlyArray<{ workload: keyof typeof workloads; case?: string }> = [
  { workload: 'dummy_task', case: 'single_dummy' },
  { workload: 'dummy_task', case: 'long_dummy_chain' },
  { workload: 'dummy_task', case: 'dummy_barrier' },
  { workload: 'alternating_matmul_add' },
  { workload: 'prepared_callable' },
  { workload: 'spmd_basic' },
];

function listFiles(dir: string, rel = ''): string[] {
  return fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(dir, path.join(rel, e.name)) : [path.join(rel, e.name)]));
}

const json = (text: string): unknown => JSON.parse(text);

interface Ran {
  name: string;
  dir: string;
  results: RunResults;
  events: TraceEvent[];
}

/** The host graph's edges (deduplicated), as `pred>succ`. */
function hostEdges(r: RunResults): string[] {
  return r.run.tasks.flatMap((t) => [...new Set(t.deps)].map((d) => `${d}>${t.id}`));
}

function checkTrace(target: ArchRunnerTarget, ran: Ran, depGen: boolean): void {
  const { results: r, events } = ran;
  const run = r.run;
  // One process per run, named after what ran.
  expect(run.trace).toBeDefined();
  expect(new Set(events.map((e) => e.pid))).toEqual(new Set([run.trace!.pid]));
  const procName = events.find((e) => e.ph === 'M' && e.name === 'process_name')!.args!.name as string;
  expect(procName).toContain(`${target.arch} ${target.simPlatform}`);
  expect(procName).toContain(`${run.workload}/${run.case}`);

  // Kernel tasks on their cores, named by kernel and label; dependency-only tasks as instants.
  const slices = events.filter((e) => e.ph === 'X' && e.cat === 'task');
  const instants = events.filter((e) => e.ph === 'i');
  const anchor = new Map<number, TraceEvent>();
  for (const e of [...slices, ...instants]) if (!anchor.has(e.args!.task_id as number)) anchor.set(e.args!.task_id as number, e);
  for (const t of run.tasks) {
    const a = anchor.get(t.id);
    expect({ task: t.id, drawn: a !== undefined }).toEqual({ task: t.id, drawn: true });
    if (t.kernel === null) expect(a!.ph).toBe('i');
    if (t.label !== undefined) expect(a!.name).toContain(t.label);
  }
  expect(instants).toHaveLength(run.tasks.filter((t) => t.kernel === null).length);

  // Exactly one arrow per edge of the host graph, from its producer to its consumer.
  const starts = events.filter((e) => e.ph === 's');
  const ends = new Map(events.filter((e) => e.ph === 'f').map((e) => [e.id, e]));
  const drawn = starts.map((s) => {
    const pred = s.args!.pred as number;
    const succ = s.args!.succ as number;
    const f = ends.get(s.id)!;
    expect({ tid: s.tid, ts: s.ts }).toEqual({ tid: anchor.get(pred)!.tid, ts: anchor.get(pred)!.ts });
    expect({ tid: f.tid, ts: f.ts, bp: f.bp }).toEqual({ tid: anchor.get(succ)!.tid, ts: anchor.get(succ)!.ts, bp: 'e' });
    expect(s.name).toBe('dependency');
    expect(s.args!.source).toBe(depGen ? 'both' : 'host');
    return `${pred}>${succ}`;
  });
  expect(drawn.sort()).toEqual(hostEdges(r).sort());

  // PMU values as counter tracks: each row of pmu.csv at its task's start, zero at its end.
  const counters = events.filter((e) => e.ph === 'C');
  expect(r.pmu).toBeDefined();
  expect(counters).toHaveLength(2 * r.pmu!.rows.length);
  for (const row of r.pmu!.rows) {
    const slice = slices.find((e) => e.args!.task_id === row.taskId && e.tid === 1000 + row.coreId)!;
    const c = counters.find((e) => e.ts === slice.ts && e.name === `PMU ${row.coreId < BLOCK_DIM ? 'AIC' : 'AIV'}_${row.coreId}` && e.args!.pmu_total_cycles !== 0)!;
    expect(c).toBeDefined();
    expect(c.args!.pmu_total_cycles).toBe(Number(row.totalCycles));
    r.pmu!.counterNames.forEach((n, k) => expect(c.args![n]).toBe(row.counters[k]));
  }

  // Scope statistics as slices: level 4 timed every submit, so the graph scope and every task's.
  const scopes = events.filter((e) => e.ph === 'X' && e.cat === 'scope');
  expect(scopes).toHaveLength(1 + run.tasks.length);

  // Only lanes that ran something are named, and every used lane is.
  const named = new Set(events.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => e.tid));
  const used = new Set(events.filter((e) => e.ph === 'X' || e.ph === 'i').map((e) => e.tid));
  expect([...named].sort()).toEqual([...used].sort());
}

function checkRoundTrip(ran: Ran): void {
  const { dir, results: r } = ran;
  // Every file of the run is read; nothing is left over.
  expect(r.otherFiles).toEqual([]);
  expect([...r.files].sort()).toEqual(listFiles(dir).sort());
  const text = (rel: string): string => fs.readFileSync(path.join(dir, rel), 'utf8');
  expect(json(formatRunJson(r.run))).toEqual(json(text('run.json')));
  expect(json(formatL2PerfRecords(r.l2!))).toEqual(json(text('l2_perf_records.json')));
  expect(json(formatTrace(r.trace!))).toEqual(json(text('swimlane.trace.json')));
  expect(formatPmuCsv(r.pmu!)).toBe(text('pmu.csv'));
  expect(formatScopeStats(r.scopeStats!)).toBe(text(path.join('scope_stats', 'scope_stats.jsonl')));
  expect(json(formatDumpManifest(r.tensorDump!.manifest))).toEqual(json(text(path.join('tensor_dump', 'tensor_dump.json'))));
  if (r.deps !== undefined) expect(json(formatDepsJson(r.deps))).toEqual(json(text('deps.json')));
  const bin = fs.readFileSync(path.join(dir, 'tensor_dump', 'tensor_dump.bin'));
  const rebuilt = Buffer.alloc(bin.length);
  for (const t of r.tensorDump!.tensors) Buffer.from(t.raw).copy(rebuilt, t.binOffset);
  expect(rebuilt.equals(bin)).toBe(true);

  // The files join on run.json's tables.
  const tasks = new Map(r.run.tasks.map((t) => [t.id, t]));
  const kernels = new Map(r.run.kernels.map((k) => [k.id, k]));
  for (const t of r.l2!.tasks) {
    expect(tasks.get(t.taskId)?.funcIds).toContain(t.funcId);
    expect(kernels.has(t.funcId)).toBe(true);
  }
  for (const row of r.pmu!.rows) expect(r.l2!.tasks.some((t) => t.taskId === row.taskId && t.coreId === row.coreId && t.funcId === row.funcId)).toBe(true);
  for (const t of r.tensorDump!.tensors) {
    expect(tasks.get(t.taskId)?.funcIds).toContain(t.funcId);
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(t.data!.length).toBe(t.numel);
  }
  if (r.deps !== undefined) {
    expect(r.deps.edges.map((e) => `${e.pred}>${e.succ}`).sort()).toEqual(hostEdges(r).sort());
    expect(r.deps.tasks.map((t) => t.taskId)).toEqual(r.run.tasks.map((t) => t.id));
  }
}

/** The report, file-level round trip, trace content and CLI of one arch on its simulator. */
export function describeRunResults(target: ArchRunnerTarget): void {
  const depGen = target.supportsDepGen;
  const diagnostics: DiagnosticsOptions = { l2Swimlane: 4, tensorDump: true, pmu: 2, scopeStats: true, ...(depGen ? { depGen: true } : {}) };
  const chromiumPath = findChromium();
  const browserTest = chromiumPath === undefined ? test.skip : test;
  if (chromiumPath === undefined) console.warn(NO_BROWSER_MESSAGE);

  describe(`${target.arch}: a run's files, trace and report on ${target.simPlatform}`, () => {
    let root = '';
    let runner: DeviceRunnerBase | undefined;
    const ran: Ran[] = [];

    beforeAll(async () => {
      root = fs.mkdtempSync(path.join(os.tmpdir(), `npurun-results-${target.arch}-`));
      runner = await target.create({ runTimeoutMs: 120_000 });
      for (const g of GRAPHS) {
        const name = `${g.workload}/${g.case ?? 'default'}`;
        const dir = path.join(root, g.workload, g.case ?? 'default');
        const result = await workloads[g.workload].run(runner, { ...(g.case !== undefined ? { case: g.case } : {}), run: { diagnostics, outputDir: dir, blockDim: BLOCK_DIM } });
        expect({ name, verified: result.verified }).toEqual({ name, verified: true });
        const results = readRun(dir);
        ran.push({ name, dir, results, events: results.trace!.events });
      }
    });
    afterAll(async () => {
      await runner?.finalize();
      if (root !== '') fs.rmSync(root, { recursive: true, force: true });
    });

    test.each(GRAPHS.map((g) => `${g.workload}/${g.case ?? 'default'}`))('%s: the trace carries the host graph, labels, PMU counters and scopes', (name) => {
      checkTrace(target, ran.find((r) => r.name === name)!, depGen);
    });

    test('every run has its own trace pid', () => {
      const pids = ran.map((r) => r.results.run.trace!.pid);
      expect(new Set(pids).size).toBe(pids.length);
      expect(new Set(ran.map((r) => r.results.run.runId)).size).toBe(ran.length);
    });

    test.each(GRAPHS.map((g) => `${g.workload}/${g.case ?? 'default'}`))('%s: readRun reads every file, and each formats back to what was written', (name) => {
      checkRoundTrip(ran.find((r) => r.name === name)!);
    });

    test('dumped tensors read back as the values the kernels wrote', () => {
      // dummy_task: X starts at -1; the producer writes 42 into X[0]; the consumer copies it to Y[0].
      const r = ran.find((x) => x.name === 'dummy_task/single_dummy')!.results;
      const after = r.tensorDump!.tensors.find((t) => t.taskId === 0 && t.stage === 'after_completion')!;
      expect(Array.from(after.data as Float32Array)).toEqual([42, ...new Array<number>(15).fill(-1)]);
      const y = r.tensorDump!.tensors.find((t) => t.taskId === 2 && t.stage === 'after_completion')!;
      expect((y.data as Float32Array)[0]).toBe(42);
    });

    browserTest('the report of every smoke graph renders in headless Chromium: bars, every arrow, no error, no request', async () => {
      const browser = await launchBrowser(chromiumPath!);
      try {
        for (const r of ran) {
          const file = writeReport(r.results);
          const loaded = await loadReport(browser.context, file);
          const arrows = hostEdges(r.results).length;
          expect({ name: r.name, errors: loaded.errors, foreign: loaded.foreignRequests }).toEqual({ name: r.name, errors: [], foreign: [] });
          expect(loaded.state.bars).toBeGreaterThanOrEqual(1);
          expect({ name: r.name, arrows: loaded.state.arrows }).toEqual({ name: r.name, arrows });
          // Arrows are red on the canvas: some pixels say so.
          const red = await loaded.page.evaluate<number>(`(() => {
            const c = document.getElementById('timeline');
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let n = 0;
            for (let i = 0; i < d.length; i += 4) if (d[i] > 180 && d[i + 1] < 120 && d[i + 2] < 120) n++;
            return n;
          })()`);
          if (arrows > 0) expect(red).toBeGreaterThan(0);
          await loaded.page.close();
          fs.rmSync(file);
        }
      } finally {
        await browser.close();
      }
    });

    browserTest('the report zooms, selects a task, switches PMU tracks and browses tensors', async () => {
      const browser = await launchBrowser(chromiumPath!);
      try {
        const r = ran.find((x) => x.name === 'prepared_callable/default')!;
        const file = writeReport(r.results);
        const { page, errors } = await loadReport(browser.context, file);
        const view = (): Promise<{ t0: number; t1: number }> =>
          page.evaluate<{ t0: number; t1: number }>('(() => { const s = window.__npurunReport.swimlane; return { t0: s.t0, t1: s.t1 }; })()');
        const before = await view();
        const box = (await page.locator('#timeline').boundingBox())!;
        await page.mouse.move(box.x + box.width / 2, box.y + 30);
        await page.mouse.wheel(0, -400);
        const zoomed = await view();
        expect(zoomed.t1 - zoomed.t0).toBeLessThan(before.t1 - before.t0);
        await page.click('#zoom-reset');
        expect(await view()).toEqual(before);
        const counterNames = await page.locator('#counter-select option').allTextContents();
        expect(counterNames).toContain('pmu_total_cycles');
        await page.selectOption('#counter-select', { label: 'pmu_total_cycles' });
        const tasks = await page.locator('#dump-tasks [data-task]').count();
        expect(tasks).toBe(new Set(r.results.tensorDump!.tensors.map((t) => t.taskId)).size);
        await page.locator('#dump-tasks [data-task]').last().click();
        expect(await page.locator('#dump-view .tensor canvas').count()).toBeGreaterThan(0);
        expect(await page.locator('#scopes-body tr').count()).toBe(1 + 1 + r.results.run.tasks.length); // header, graph, tasks
        expect(errors).toEqual([]);
      } finally {
        await browser.close();
      }
    });

    test('the CLI: view writes report.html and prints its path, export-npy writes .npy files numpy reads', async () => {
      const r = ran.find((x) => x.name === 'alternating_matmul_add/default')!;
      let out = '';
      let err = '';
      const opened: string[] = [];
      const io = { stdout: { write: (s: string) => ((out += s), true) }, stderr: { write: (s: string) => ((err += s), true) }, open: async (f: string) => void opened.push(f) };
      expect(await target.cli(['view', r.dir, '--open', '--npy'], io)).toBe(0);
      const report = path.join(r.dir, 'report.html');
      expect(out.split('\n')[0]).toBe(report);
      expect(opened).toEqual([report]);
      const html = fs.readFileSync(report, 'utf8');
      expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//); // nothing fetched from anywhere
      const index = JSON.parse(fs.readFileSync(path.join(r.dir, 'npy', 'index.json'), 'utf8')) as { files: Array<{ file: string; taskId: number; argIndex: number; stage: string; shape: number[] }> };
      expect(index.files).toHaveLength(r.results.tensorDump!.tensors.length);
      for (const f of index.files) {
        const npy = decodeNpy(new Uint8Array(fs.readFileSync(path.join(r.dir, 'npy', f.file))));
        const t = r.results.tensorDump!.tensors.find((x) => x.taskId === f.taskId && x.argIndex === f.argIndex && x.stage === f.stage)!;
        expect({ descr: npy.descr, shape: npy.shape }).toEqual({ descr: '<f4', shape: t.shape });
        expect(Buffer.from(npy.data).equals(Buffer.from(t.raw))).toBe(true);
      }
      out = '';
      expect(await target.cli(['export-npy', r.dir, '--out', path.join(root, 'npy-out')], io)).toBe(0);
      expect(out).toContain(`${index.files.length} tensors written`);
      expect(await target.cli(['view', root], io)).toBe(2); // not a run: the runs below it are named
      expect(err).toContain('RESULTS_NOT_A_RUN');
      expect(err).toContain('alternating_matmul_add');
      expect(err).not.toMatch(/\n\s+at /); // no stack trace
    });
  });
}
