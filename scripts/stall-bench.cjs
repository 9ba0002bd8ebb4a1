// Event-loop stall benchmark, shared by runner-a2a3 and runner-a5: how long the caller's event loop
// is held at once (perf_hooks.monitorEventLoopDelay, 1 ms resolution) while npurun works, for
// alternating_matmul_add fill_cores with every diagnostic on:
//
// - inside runner.run() (median over warm runs of each run's longest stall);
// - over a whole workload helper call (inputs, goldens, run, verify): the first call in a fresh
//   process with an empty kernel compile cache, and the median over warm calls.
//
// Baseline, measured in the same process: the same monitor over an idle await as long as a helper
// call, i.e. what the machine itself adds (timer granularity, other load). Beside it, the stall
// inside run() of the same workload with no diagnostic, on a second runner whose helper calls take
// turns with the first's: what a run costs the loop before any collector adds to it. Runs in a
// child process so the compile cache is cold and nothing else shares the event loop.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { monitorEventLoopDelay, performance } = require('node:perf_hooks');
const { measure } = require('./bench-kit.cjs');

const WARM_CALLS = Number(process.env.NPURUN_BENCH_STALL_CALLS ?? 4);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Longest event-loop delay between start and stop, ms. */
function stallProbe() {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  return {
    stop: () => {
      h.disable();
      return h.max / 1e6;
    },
  };
}

/** The figures for one arch: runs the child, returns results.json records. */
function stallFigures(runnerDist, arch) {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'npurun-stall-cache-'));
  try {
    const out = execFileSync(process.execPath, [__filename, runnerDist, arch], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, NPURUN_CACHE_DIR: cache },
      timeout: 900_000,
    });
    const r = JSON.parse(out.trim().split('\n').pop());
    const platform = `${arch}sim`;
    const idle = `longest stall of the same monitor over an idle await of ${(r.idleMs / 1000).toFixed(1)} s, same process (machine load average ${r.loadavg.toFixed(1)})`;
    console.log(
      `${platform}: run() stalls ${r.run.map((x) => x.toFixed(1)).join(', ')} ms (no diagnostic: ${r.runBare.map((x) => x.toFixed(1)).join(', ')} ms); helper stalls cold ${r.coldHelper.toFixed(1)}, warm ${r.warmHelper.map((x) => x.toFixed(1)).join(', ')} ms; idle ${r.idle.toFixed(1)} ms`,
    );
    return [
      measure(`longest event-loop stall inside runner.run(), alternating_matmul_add fill_cores, every diagnostic on, ${platform} (median of ${r.run.length} runs)`, median(r.run), 'ms', idle, r.idle),
      measure(
        `longest event-loop stall inside runner.run(), alternating_matmul_add fill_cores, every diagnostic on, against the same runs with no diagnostic, ${platform} (medians of ${r.run.length} runs each)`,
        median(r.run),
        'ms',
        'the same workload on a second runner with no diagnostic, its helper calls taking turns with the first',
        median(r.runBare),
      ),
      measure(`longest event-loop stall over a workload helper call (inputs, goldens, run, verify), cold compile cache, ${platform}`, r.coldHelper, 'ms', idle, r.idle),
      measure(`longest event-loop stall over a workload helper call, warm (median of ${r.warmHelper.length} calls), ${platform}`, median(r.warmHelper), 'ms', idle, r.idle),
    ];
  } finally {
    fs.rmSync(cache, { recursive: true, force: true });
  }
}

/** Wraps the runner's run methods to record each run's longest stall; returns the list they fill. */
function timeRuns(runner) {
  const stalls = [];
  // Workload helpers run through runPrepared, plain requests through run: time both.
  for (const method of ['run', 'runPrepared']) {
    const original = runner[method].bind(runner);
    runner[method] = async (...args) => {
      const probe = stallProbe();
      try {
        return await original(...args);
      } finally {
        stalls.push(probe.stop());
      }
    };
  }
  return stalls;
}

async function child(runnerDist, arch) {
  const { runWorkload } = require(require.resolve('@npurun/runner-base', { paths: [runnerDist] }));
  const { A2A3Runner, A5Runner } = require(runnerDist);
  const Runner = arch === 'a2a3' ? A2A3Runner : A5Runner;
  const outputDir = fs.mkdtempSync(path.join(os.tmpdir(), 'npurun-stall-out-'));
  const diagnostics = { l2Swimlane: 4, tensorDump: true, pmu: 2, scopeStats: true, ...(arch === 'a2a3' ? { depGen: true } : {}) };
  const runner = await Runner.create({ platform: `${arch}sim`, outputDir, diagnostics });
  const bareRunner = await Runner.create({ platform: `${arch}sim` });
  const runStalls = timeRuns(runner);
  const bareRunStalls = timeRuns(bareRunner);
  const helper = async (target) => {
    const probe = stallProbe();
    const t0 = performance.now();
    const r = await runWorkload(target, 'alternating_matmul_add', { case: 'fill_cores' });
    const stall = probe.stop();
    if (!r.verified) throw new Error(`alternating_matmul_add fill_cores did not verify on ${arch}sim`);
    return { stall, ms: performance.now() - t0 };
  };
  try {
    const cold = await helper(runner);
    await helper(bareRunner);
    runStalls.length = 0; // the cold calls' runs compiled nothing, but count warm runs only
    bareRunStalls.length = 0;
    const warm = [];
    for (let i = 0; i < WARM_CALLS; i++) {
      warm.push(await helper(runner));
      await helper(bareRunner);
    }
    const idleMs = Math.min(3000, median(warm.map((w) => w.ms)));
    const probe = stallProbe();
    await new Promise((resolve) => setTimeout(resolve, idleMs));
    const idle = probe.stop();
    process.stdout.write(`${JSON.stringify({ coldHelper: cold.stall, warmHelper: warm.map((w) => w.stall), run: runStalls, runBare: bareRunStalls, idle, idleMs, loadavg: os.loadavg()[0] })}\n`);
  } finally {
    await bareRunner.finalize();
    await runner.finalize();
    fs.rmSync(outputDir, { recursive: true, force: true });
  }
}

module.exports = { stallFigures };
if (require.main === module) {
  child(process.argv[2], process.argv[3]).catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
