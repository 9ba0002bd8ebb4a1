/** One benchmark case per process (see run.cjs). Prints one JSON line. */
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { once } = require('node:events');
const { execFileSync } = require('node:child_process');
const { performance } = require('node:perf_hooks');
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

/** A store of n synthetic spooled tasks in a fresh directory. */
function spooledTasks(n) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'npurun-bench-'));
  const store = new c.L2TaskStore(dir, 4);
  for (let i = 0; i < n; i++) store.addTask(task(i));
  store.tasks.flush();
  return { dir, store };
}

const META = { arch: 'a2a3', level: 2, timestampHz: 50_000_000, coreToThread: undefined, incomplete: false };

/**
 * Export of n spooled tasks to l2_perf_records.json with `writer`: the byte formatter the collector
 * uses, or the string-building writer it replaced (the baseline). Reports throughput, peak RSS
 * growth over the export, and the longest event-loop stall during it (1 ms timer).
 *
 * The disk's sustained speed is measured first: the same number of bytes written plainly and
 * flushed to the disk (fdatasync). The page cache takes a burst of a few hundred MiB at memory
 * speed and then holds writers to what the disk writes back, so an export of millions of records
 * runs at the disk's sustained speed, and a smaller one can run faster than it.
 */
async function exportCase(writer) {
  const { dir, store } = spooledTasks(n);
  try {
    const plainFile = path.join(dir, 'plain.bin');
    const plainBytes = n * BYTES_PER_TASK_ROW;
    const plain = await plainWrite(plainFile, plainBytes);
    // The export starts with nothing of the setup's (the spools') still waiting to be written back:
    // otherwise the page cache holds the export to the disk's speed for what came before it.
    execFileSync('sync');
    global.gc?.();
    const before = process.memoryUsage.rss();
    const s = sampler();
    const stalls = stallMonitor();
    const t0 = process.hrtime.bigint();
    const file = path.join(dir, 'l2_perf_records.json');
    const out = await c.TextFileWriter.open(file, 'bench');
    const diskWait = timeSinkWaits(out);
    const write = writer === 'text' ? c.writeL2PerfJsonText : c.writeL2PerfJson;
    await write(out, store, META);
    await out.close();
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    const peak = s.stop();
    const maxStallMs = stalls.stop();
    store.dispose();
    const bytes = fs.statSync(file).size;
    return {
      recordsPerSec: n / secs,
      rssGrowthMiB: (peak - before) / MiB,
      seconds: secs,
      maxStallMs,
      bytesPerSec: bytes / secs,
      diskWaitShare: diskWait() / (secs * 1000),
      plainWriteBytesPerSec: plainBytes / plain,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The same export into a sink that discards the bytes (what the formatting alone sustains, no
 * file): the byte formatter, or the string-building writer (given a sink with its `write(text)`).
 */
async function formatCase(writer) {
  const { dir, store } = spooledTasks(n);
  try {
    let bytes = 0;
    const sink = {
      writeBytes(chunk, release) {
        bytes += chunk.length;
        release?.();
        return undefined;
      },
      write(text) {
        bytes += text.length;
        return undefined;
      },
    };
    const t0 = process.hrtime.bigint();
    if (writer === 'text') await c.writeL2PerfJsonText(sink, store, META);
    else await c.writeL2PerfJson(sink, store, META);
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    store.dispose();
    return { recordsPerSec: n / secs, bytesPerSec: bytes / secs };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// The synthetic rows' formatted size (about 230 bytes each), for sizing the plain write.
const BYTES_PER_TASK_ROW = 231;

/**
 * Wraps `out.writeBytes` to add up how long the formatter waited for the file to catch up
 * (the writes' backpressure); returns a reader of that total, ms.
 */
function timeSinkWaits(out) {
  let waitedMs = 0;
  const writeBytes = out.writeBytes.bind(out);
  out.writeBytes = (chunk, release) => {
    const wait = writeBytes(chunk, release);
    if (wait !== undefined) {
      const t = performance.now();
      void wait.then(() => (waitedMs += performance.now() - t), () => undefined);
    }
    return wait;
  };
  return () => waitedMs;
}

/**
 * What the disk sustains on this machine right now: `bytes` written by a plain file stream in 1 MiB
 * chunks of constant bytes, nothing formatted, then flushed to the disk and removed. Returns
 * seconds, the flush included.
 */
async function plainWrite(file, bytes) {
  const chunk = Buffer.alloc(MiB, 0x20);
  const t0 = process.hrtime.bigint();
  const stream = fs.createWriteStream(file);
  for (let left = bytes; left > 0; left -= chunk.length) {
    if (!stream.write(left >= chunk.length ? chunk : chunk.subarray(0, left))) await once(stream, 'drain');
  }
  await new Promise((resolve, reject) => fs.fdatasync(stream.fd, (err) => (err ? reject(err) : resolve())));
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  await new Promise((resolve, reject) => stream.end((err) => (err ? reject(err) : resolve())));
  fs.rmSync(file);
  return secs;
}

/** Longest gap between 1 ms timer callbacks, ms (how long the event loop was held at once). */
function stallMonitor() {
  let last = performance.now();
  let worst = 0;
  const t = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  }, 1);
  return {
    stop: () => {
      clearInterval(t);
      return Math.max(worst, performance.now() - last);
    },
  };
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

/**
 * The Perfetto trace (swimlane.trace.json) of n spooled tasks, formatted on the event loop in
 * slices: its time and longest stall; beside it, in the same process, the same records'
 * l2_perf_records.json (its task table formatted off the event loop) and the longest stall of the
 * same monitor over an idle await as long as the export (what the machine itself adds).
 */
async function traceCase() {
  const { dir, store } = spooledTasks(n);
  try {
    const t1 = process.hrtime.bigint();
    const table = await c.TextFileWriter.open(path.join(dir, 'l2_perf_records.json'), 'bench');
    await c.writeL2PerfJson(table, store, META);
    await table.close();
    const tableSecs = Number(process.hrtime.bigint() - t1) / 1e9;
    global.gc?.();
    const stalls = stallMonitor();
    const t0 = process.hrtime.bigint();
    const out = await c.TextFileWriter.open(path.join(dir, 'swimlane.trace.json'), 'bench');
    await c.writeSwimlaneTrace(out, store, { arch: 'a2a3', deviceId: 0, numCores: 72, timestampHz: META.timestampHz, incomplete: false });
    await out.close();
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    const maxStallMs = stalls.stop();
    store.dispose();
    const idle = stallMonitor();
    await new Promise((resolve) => setTimeout(resolve, Math.min(3000, secs * 1000)));
    return { tasksPerSec: n / secs, tableTasksPerSec: n / tableSecs, seconds: secs, maxStallMs, idleStallMs: idle.stop() };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

(async () => {
  let r;
  if (name === 'export') r = await exportCase('bytes');
  else if (name === 'export-text') r = await exportCase('text');
  else if (name === 'format') r = await formatCase('bytes');
  else if (name === 'format-text') r = await formatCase('text');
  else if (name === 'drain') r = await drainCase();
  else if (name === 'trace') r = await traceCase();
  else throw new Error(`unknown case ${name}`);
  process.stdout.write(JSON.stringify(r) + '\n');
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
