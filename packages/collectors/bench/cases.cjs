/** One benchmark case per process (see run.cjs). Prints one JSON line. */
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const c = require('../dist');

const [, , name, arg] = process.argv;
const n = Number(arg);
const MiB = 1024 * 1024;

/** Peak RSS sampler. */
function sampler() {
  let peak = process.memoryUsage.rss();
  const t = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10);
  return { stop: () => (clearInterval(t), (peak = Math.max(peak, process.memoryUsage.rss()))) };
}

/** The synthetic task i (same values for both sides). */
function task(i) {
  const core = i % 72;
  const start = 1_000_000n + BigInt(i) * 40n;
  return { taskId: BigInt(i), start, end: start + 25n, dispatch: start - 3n, finish: start + 30n, funcId: i % 7, coreId: core, coreType: core < 24 ? 0 : 1, fanout: [] };
}

async function exportCase() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'npurun-bench-'));
  try {
    const store = new c.L2TaskStore(dir, 4);
    for (let i = 0; i < n; i++) store.addTask(task(i));
    store.tasks.flush();
    global.gc?.();
    const before = process.memoryUsage.rss();
    const s = sampler();
    const t0 = process.hrtime.bigint();
    const out = await c.TextFileWriter.open(path.join(dir, 'l2_perf_records.json'), 'bench');
    await c.writeL2PerfJson(out, store, { arch: 'a2a3', level: 2, timestampHz: 50_000_000, coreToThread: undefined, incomplete: false });
    await out.close();
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    const peak = s.stop();
    store.dispose();
    return { recordsPerSec: n / secs, rssGrowthMiB: (peak - before) / MiB, seconds: secs };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function stringifyCase() {
  const before = process.memoryUsage.rss();
  let peak = before;
  const t0 = process.hrtime.bigint();
  try {
    // The records as plain objects, times already converted to µs, as a naive exporter holds them.
    const hz = 50_000_000;
    const base = 1_000_000n - 3n;
    const tasks = new Array(n);
    for (let i = 0; i < n; i++) {
      const t = task(i);
      const us = (x) => Number(((Number(x - base) * 1e6) / hz).toFixed(3));
      tasks[i] = { task_id: i, func_id: t.funcId, core_id: t.coreId, core_type: t.coreType === 0 ? 'aic' : 'aiv', ring_id: 0,
        start_time_us: us(t.start), end_time_us: us(t.end), duration_us: 0.5, dispatch_time_us: us(t.dispatch), finish_time_us: us(t.finish) };
      if ((i & 0xfffff) === 0) peak = Math.max(peak, process.memoryUsage.rss());
    }
    peak = Math.max(peak, process.memoryUsage.rss());
    const text = JSON.stringify({ l2_perf_level: 2, tasks });
    peak = Math.max(peak, process.memoryUsage.rss());
    const file = path.join(os.tmpdir(), `npurun-bench-stringify-${process.pid}.json`);
    fs.writeFileSync(file, text);
    fs.rmSync(file);
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    return { recordsPerSec: n / secs, rssGrowthMiB: (peak - before) / MiB, seconds: secs };
  } catch (err) {
    return { error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
}

async function drainCase() {
  const h = require('@npurun/hal-native');
  const image = await h.compileDeviceProgram({
    sources: [...c.collectorProducerSources(), path.join(__dirname, '..', 'test', 'device', 'produce_records.c')],
    includeDirs: [c.collectorsDeviceIncludeDir()],
    language: 'c',
    extraFlags: ['-O2'],
  });
  const d = h.openDevice({ platform: 'a2a3sim' });
  const mem = { alloc: (s) => d.malloc(s), free: (a) => d.free(a), copyToDevice: (a, b) => d.copyToDevice(a, b), copyFromDevice: (a, b) => d.copyFromDevice(a, b), mapToHost: (a, s) => d.mapToHost(a, s), unmapFromHost: (a) => d.unmapFromHost(a) };
  const prog = d.loadAicpuProgram(image);
  const cores = 72;
  const threads = 4;
  async function once(wait) {
    const col = new c.PmuCollector({ arch: 'a2a3', memory: mem, numCores: cores, aicpuThreads: threads, simulated: true }, { eventGroup: 2 });
    const { dataBase } = col.init();
    const args = new Uint8Array(24);
    const v = new DataView(args.buffer);
    v.setBigUint64(0, dataBase, true);
    v.setUint32(8, cores, true);
    v.setUint32(12, n, true);
    v.setUint32(16, wait ? 1 : 0, true);
    col.start();
    const st = d.createStream();
    const t0 = process.hrtime.bigint();
    d.launchAicpu(st, prog, 'produce_pmu', threads, args);
    await st.synchronize(120_000);
    const produced = Number(process.hrtime.bigint() - t0) / 1e9;
    const s = await col.reconcile();
    const drained = Number(process.hrtime.bigint() - t0) / 1e9;
    st.destroy();
    col.finalize();
    return { total: s.total, dropped: s.dropped, collected: s.collected, clean: s.clean, producedPerSec: s.total / produced, collectedPerSec: s.collected / drained };
  }
  const fullSpeed = await once(false);
  const backpressure = await once(true);
  d.close();
  return { fullSpeed, backpressure };
}

(async () => {
  let r;
  if (name === 'export') r = await exportCase();
  else if (name === 'stringify') r = stringifyCase();
  else if (name === 'drain') r = await drainCase();
  else throw new Error(`unknown case ${name}`);
  process.stdout.write(JSON.stringify(r) + '\n');
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
