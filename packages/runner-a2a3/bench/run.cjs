#!/usr/bin/env node
// runner-a2a3 benchmark: the host overhead of A2A3Runner.run() for the dummy_task graph on
// a2a3sim — wall time from the call to the result, minus the device wall time the AI CPU wrote —
// against a native C++ driver (native-driver/driver.cc) that makes the same HAL calls in the same
// order for the same graph on the same simulator code, built from hal-native's C++ sources.
// Both sides run in this bench, alternating in rounds so drift in a shared machine's load hits
// both alike; each figure is the median over all timed runs. Writes bench/results.json.
'use strict';
const { execFile } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { promisify } = require('node:util');
const {
  compileGraph,
  DUMMY_TASK_ELEMS,
  DUMMY_TASK_FILL,
  DUMMY_TASK_KERNELS,
  DUMMY_TASK_VALUE,
  dummyTaskGraph,
  encodeRuntimeImage,
  kernelArgsHeaderText,
  loadWorkloadKernels,
  materializeHeaders,
  resolveExecutors,
  runtimeImageHeaderText,
  simDispatchHeaderText,
} = require('@npurun/runner-base');
const { A2A3KernelArgs, A2A3Runner } = require('../dist');
const { measure, writeResults } = require('../../../scripts/bench-kit.cjs');
const { buildDriver, deviceExecutable } = require('./native-driver/build.cjs');

const ROUNDS = Number(process.env.NPURUN_BENCH_ROUNDS ?? 8);
const RUNS_PER_ROUND = Number(process.env.NPURUN_BENCH_RUNS ?? 300);
const WARMUP = 20; // the native driver: a fresh process per round
// The runner's first few thousand runs share the CPUs with V8 compiling its hot paths on background
// threads; the figure is the steady state of a long-lived process, so the runner warms up past it.
const RUNNER_WARMUP = Number(process.env.NPURUN_BENCH_WARMUP ?? 3000);
const PLATFORM = 'a2a3sim';
const SHAPE = 'single'; // dummy_task case 1: write X -> dummy(X) -> copy X[0] to Y[0]

// Placeholder device addresses in the image handed to the driver; it patches in its own.
const KERNEL_PLACEHOLDER = 0x5e00_0000_0000_0000n;
const TENSOR_PLACEHOLDER = 0x5e00_0001_0000_0000n;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const percentile = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

// The dummy_task callable's kernel table, in the order its tasks refer to (DUMMY_TASK_KERNELS).
const KERNEL_NAMES = [];
KERNEL_NAMES[DUMMY_TASK_KERNELS.writeConst] = 'write_const';
KERNEL_NAMES[DUMMY_TASK_KERNELS.copyFirst] = 'copy_first';

/** The kernel table with the images at `imageAddrs`. */
function kernelTable(kernels, imageAddrs) {
  return kernels.map((k, i) => ({ name: k.name, entry: k.entry ?? k.name, imageAddr: imageAddrs[i], imageSize: k.image.byteLength, coreType: k.coreType, argCount: k.argCount }));
}

/** Writes what the driver needs into `dir` and returns the tensor names in upload order. */
function prepareDriverInputs(dir, { executors, kernels, runner, blockDim, aicpuThreads, timeoutMs }) {
  const tensorNames = ['x', 'y', 'w'];
  const placeholders = { x: TENSOR_PLACEHOLDER, y: TENSOR_PLACEHOLDER + 1n, w: TENSOR_PLACEHOLDER + 2n };
  const graph = {
    kernels: kernelTable(kernels, kernels.map((_, i) => KERNEL_PLACEHOLDER + BigInt(i))),
    tasks: dummyTaskGraph(SHAPE, 1, placeholders),
  };
  const image = encodeRuntimeImage(graph);
  const init = new Float32Array(DUMMY_TASK_ELEMS).fill(DUMMY_TASK_FILL);
  fs.writeFileSync(path.join(dir, 'aicpu.so'), executors.aicpu);
  fs.writeFileSync(path.join(dir, 'aicore.so'), executors.aicore);
  fs.writeFileSync(path.join(dir, 'image.bin'), image.bytes);
  kernels.forEach((k, i) => fs.writeFileSync(path.join(dir, `kernel${i}.so`), k.image));
  for (const t of tensorNames) fs.writeFileSync(path.join(dir, `${t}.bin`), new Uint8Array(init.buffer));
  const lines = [
    `platform ${PLATFORM}`,
    `device_id ${runner.deviceId}`,
    `aicpu aicpu.so ${executors.aicpuInitKernel} ${executors.aicpuRunKernel}`,
    'aicore aicore.so',
    'image image.bin',
    ...kernels.map((_, i) => `kernel ${(KERNEL_PLACEHOLDER + BigInt(i)).toString(16)} kernel${i}.so`),
    ...tensorNames.map((t) => `tensor ${placeholders[t].toString(16)} ${t}.bin`),
    `check ${tensorNames.indexOf('y')} 0 ${DUMMY_TASK_VALUE}`,
    `block_dim ${blockDim}`,
    `aicpu_threads ${aicpuThreads}`,
    `log_level ${runner.logger.level}`,
    `log_info_v ${runner.logger.infoV}`,
    `timeout_ms ${timeoutMs}`,
  ];
  fs.writeFileSync(path.join(dir, 'manifest.txt'), `${lines.join('\n')}\n`);
}

/** Runs the driver once; returns its per-run samples in µs. */
async function driverRound(binary, dir, runs, warmup) {
  const env = { ...process.env, NPURUN_DEVICE_EXECUTABLE: deviceExecutable };
  const { stdout } = await promisify(execFile)(binary, [dir, String(runs), String(warmup)], { maxBuffer: 64 << 20, env });
  const samples = stdout.trim().split('\n').map((line) => line.split(' ').map(Number));
  if (samples.length !== runs) throw new Error(`driver printed ${samples.length} samples, expected ${runs}`);
  return samples.map(([overheadNs, wallNs, deviceNs, cpuNs]) => ({ overheadUs: overheadNs / 1e3, wallUs: wallNs / 1e3, deviceUs: deviceNs / 1e3, cpuUs: cpuNs / 1e3 }));
}

/** `runs` timed runs of the request through the runner; per-run samples in µs. */
async function runnerRound(runner, request, runs) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const cpu0 = process.cpuUsage(); // this process's threads, outside the timed window as the driver reads it
    const t0 = process.hrtime.bigint();
    const result = await runner.run(request);
    const wallNs = process.hrtime.bigint() - t0;
    const cpu = process.cpuUsage(cpu0);
    samples.push(sample(wallNs, result.deviceWallNs, cpu));
  }
  return samples;
}

/** One run's sample in µs: its wall time, the device wall it read and the caller's CPU. */
function sample(wallNs, deviceWallNs, cpu) {
  return { overheadUs: Number(wallNs - deviceWallNs) / 1e3, wallUs: Number(wallNs) / 1e3, deviceUs: Number(deviceWallNs) / 1e3, cpuUs: cpu.user + cpu.system };
}

/**
 * The device-layer call of one `run()` of `request`, captured: the runner's `submitRun`
 * argument with its bytes copied (the runner reuses its buffers). The bench reaches into the
 * runner's device for this; nothing else does.
 */
async function captureSubmission(runner, request) {
  const device = runner.state.device;
  const submitRun = device.submitRun;
  let captured;
  device.submitRun = (s) => {
    captured = { ...s, kernelArgs: s.kernelArgs.slice(), uploads: s.uploads.map((u) => ({ addr: u.addr, bytes: u.bytes.slice() })) };
    return submitRun.call(device, s);
  };
  try {
    await runner.run(request);
  } finally {
    delete device.submitRun; // the prototype's method again
  }
  return { device, submission: captured };
}

/**
 * `runs` timed replays of a captured submission straight through hal-native, with no runner code
 * around it: the floor for any runner that drives the device from JavaScript.
 */
async function replayRound({ device, submission }, runs) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const deviceWallNs = await device.submitRun(submission);
    const wallNs = process.hrtime.bigint() - t0;
    samples.push(sample(wallNs, deviceWallNs, process.cpuUsage(cpu0)));
  }
  return samples;
}

async function main() {
  const started = Date.now();
  const [executors, kernels] = await Promise.all([
    resolveExecutors('a2a3', A2A3KernelArgs, PLATFORM, undefined),
    loadWorkloadKernels(KERNEL_NAMES, PLATFORM),
  ]);
  const headersDir = materializeHeaders({
    'npurun/kernel_args.h': kernelArgsHeaderText(A2A3KernelArgs, 'a2a3'),
    'npurun/runtime_image.h': runtimeImageHeaderText(),
    'npurun/sim_dispatch.h': simDispatchHeaderText(),
  });
  const t = Date.now();
  const { binary, cached } = buildDriver(headersDir);
  console.log(`native driver: ${cached ? 'cached build' : `built in ${((Date.now() - t) / 1000).toFixed(1)} s`} (${binary})`);

  const runner = await A2A3Runner.create({ platform: PLATFORM });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'npurun-bench-'));
  try {
    // The TypeScript side's graph: the same kernels and tensors, at this runner's addresses.
    const imageAddrs = kernels.map((k) => {
      const addr = runner.allocateTensor(k.image.byteLength);
      runner.copyToDevice(addr, k.image);
      return addr;
    });
    const init = new Float32Array(DUMMY_TASK_ELEMS).fill(DUMMY_TASK_FILL);
    const tensors = { x: runner.allocateTensor(init.byteLength), y: runner.allocateTensor(init.byteLength), w: runner.allocateTensor(init.byteLength) };
    for (const addr of Object.values(tensors)) runner.copyToDevice(addr, init);
    const blockDim = 1; // what the dummy_task callable runs with
    const request = { graph: { kernels: kernelTable(kernels, imageAddrs), tasks: dummyTaskGraph(SHAPE, 1, tensors) }, blockDim };
    const aicpuThreads = runner.deviceProperties.aicpuLaunchThreads; // a run's default
    prepareDriverInputs(dir, { executors, kernels, runner, blockDim, aicpuThreads, timeoutMs: runner.runTimeoutMs });

    // The same graph compiled once (compileGraph): runs skip validating and encoding it, as the
    // driver, which uploads a ready image, does.
    const compiledRequest = { ...request, graph: await compileGraph(request.graph) };

    const ts = [];
    const compiled = [];
    const replayed = [];
    const native = [];
    const cold = await runnerRound(runner, request, RUNS_PER_ROUND); // a fresh runner's first runs
    await runnerRound(runner, request, RUNNER_WARMUP);
    await runnerRound(runner, compiledRequest, RUNNER_WARMUP);
    const capture = await captureSubmission(runner, compiledRequest);
    await replayRound(capture, RUNNER_WARMUP);
    for (let r = 0; r < ROUNDS; r++) {
      native.push(...(await driverRound(binary, dir, RUNS_PER_ROUND, WARMUP)));
      // The runs right after the driver's round find the device idle and its caches cold: the
      // sides in this process take turns at going first.
      const sides = [
        () => runnerRound(runner, request, RUNS_PER_ROUND).then((xs) => ts.push(...xs)),
        () => runnerRound(runner, compiledRequest, RUNS_PER_ROUND).then((xs) => compiled.push(...xs)),
        () => replayRound(capture, RUNS_PER_ROUND).then((xs) => replayed.push(...xs)),
      ];
      for (let i = 0; i < sides.length; i++) await sides[(r + i) % sides.length]();
    }
    const y = new Float32Array(DUMMY_TASK_ELEMS);
    runner.copyFromDevice(y, tensors.y);
    if (y[0] !== DUMMY_TASK_VALUE) throw new Error(`the runner's runs did not do the work: Y[0] = ${y[0]}`);

    const describe = (label, xs) =>
      console.log(
        `  ${label.padEnd(8)} overhead µs: p10 ${percentile(xs.map((s) => s.overheadUs), 0.1).toFixed(1)}  median ${median(xs.map((s) => s.overheadUs)).toFixed(1)}  p90 ${percentile(xs.map((s) => s.overheadUs), 0.9).toFixed(1)}   device wall median ${median(xs.map((s) => s.deviceUs)).toFixed(1)} µs   host process CPU mean ${mean(xs.map((s) => s.cpuUs)).toFixed(1)} µs/run`,
      );
    console.log(`dummy_task (${SHAPE}), blockDim ${blockDim}, ${aicpuThreads} AI CPU threads, ${ROUNDS} x ${RUNS_PER_ROUND} runs per side:`);
    describe('runner', ts);
    describe('compiled', compiled);
    describe('replayed', replayed);
    describe('native', native);
    describe('cold', cold);
    const DRIVER = 'native C++ driver, same HAL calls in the same order (hal-native core+sim sources, g++ -O2)';
    /** A runner figure against the driver's, by median of one field of the samples. */
    const againstDriver = (name, samples, field) => measure(name, median(samples.map((s) => s[field])), 'µs/run', DRIVER, median(native.map((s) => s[field])));
    const results = [
      againstDriver('A2A3Runner.run() host overhead (wall - device wall), dummy_task single_dummy, a2a3sim', ts, 'overheadUs'),
      againstDriver('A2A3Runner.run() host overhead with the graph compiled once (compileGraph), dummy_task single_dummy, a2a3sim', compiled, 'overheadUs'),
      againstDriver(`A2A3Runner.run() host overhead, the first ${RUNS_PER_ROUND} runs of a fresh runner (V8 still compiling), dummy_task single_dummy, a2a3sim`, cold, 'overheadUs'),
      againstDriver('A2A3Runner.run() wall time, dummy_task single_dummy, a2a3sim', ts, 'wallUs'),
      // The CPU the caller's process spends per run (all its threads; the device process is not
      // counted): less exposed than the overhead to this VM's scheduling delays.
      measure('A2A3Runner.run() host process CPU per run (mean), compiled graph, dummy_task single_dummy, a2a3sim', mean(compiled.map((s) => s.cpuUs)), 'µs/run', DRIVER, mean(native.map((s) => s.cpuUs))),
      // The floor for a JavaScript runner: the compiled run's own submitRun call, replayed alone.
      againstDriver(`hal-native submitRun replayed alone (the compiled run's exact submission, no runner code), dummy_task single_dummy, a2a3sim: host overhead`, replayed, 'overheadUs'),
      measure(
        'A2A3Runner.run() host overhead with the graph compiled once, against its own submitRun replayed alone (what the runner adds), dummy_task single_dummy, a2a3sim',
        median(compiled.map((s) => s.overheadUs)),
        'µs/run',
        'hal-native submitRun replayed alone, same process, rounds alternating',
        median(replayed.map((s) => s.overheadUs)),
      ),
    ];
    writeResults(path.join(__dirname, 'results.json'), results);
    console.log(`bench took ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return results;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    await runner.finalize();
  }
}

module.exports = { main };
if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
