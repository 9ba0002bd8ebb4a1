#!/usr/bin/env node
// runner-base benchmarks, on the real a2a3 simulator (not a fake HAL). Every figure is measured
// side by side with its baseline in this process and written to bench/results.json as
// { name, value, unit, baseline, baselineValue, ratio }.
'use strict';
const path = require('node:path');
const { openDevice, compileDeviceProgram, struct, ptr, u32, array, u64 } = require('@npurun/hal-native');
const { DeviceRunnerBase } = require('../dist');
const { measure, timeIt, writeResults } = require('../../../scripts/bench-kit.cjs');

// An a2a3-shaped KernelArgs: only the offsets of the fields runner-base writes matter here.
const KernelArgs = struct('bench_kernel_args', {
  unused: array(u64, 5),
  deviceArgs: ptr,
  runtimeArgs: ptr,
  regs: ptr,
  rest: array(u64, 9),
  logLevel: u32,
  logInfoV: u32,
  enableProfilingFlag: u32,
  pad0: u32,
  deviceWallDataBase: ptr,
  deviceId: u32,
  pad1: u32,
});

const AICPU = `#include <npurun/device_abi.h>
NPURUN_DEVICE_PROGRAM;
NPURUN_DEVICE_EXPORT int npurun_aicpu_init(const npurun_aicpu_ctx *, void *, uint64_t) { return 0; }
NPURUN_DEVICE_EXPORT int npurun_aicpu_run(const npurun_aicpu_ctx *, void *, uint64_t) { return 0; }
`;
const AICORE = `#include <npurun/device_abi.h>
NPURUN_DEVICE_PROGRAM;
NPURUN_DEVICE_EXPORT void npurun_aicore_entry(const npurun_aicore_ctx *, uint64_t) {}
`;

class BenchRunner extends DeviceRunnerBase {
  constructor(executors, device) {
    super(
      { arch: 'a2a3', kernelArgs: KernelArgs, executors, kernelArgsUpload: 'beforeAicpuLaunch', diagnostics: [] },
      { halFactory: () => device },
    );
  }
  initDiagnostics() {}
}

async function main() {
  const results = [];
  const [aicpu, aicore] = await Promise.all([
    compileDeviceProgram({ sources: [{ name: 'bench_aicpu.cpp', code: AICPU }] }),
    compileDeviceProgram({ sources: [{ name: 'bench_aicore.cpp', code: AICORE }] }),
  ]);
  const device = openDevice({ platform: 'a2a3sim' });
  const runner = new BenchRunner({ aicpu, aicore }, device);
  console.log('backend: a2a3sim (real simulator HAL)');

  // 1. setupStaticArena with unchanged sizes (must make no device call) against an empty method call.
  runner.setupStaticArena(64 << 20, 16 << 20, 8 << 20);
  const calls = 100_000;
  const empty = { m() {} };
  const emptyT = timeIt(() => { for (let i = 0; i < calls; i++) empty.m(64 << 20, 16 << 20, 8 << 20); });
  const arenaT = timeIt(() => { for (let i = 0; i < calls; i++) runner.setupStaticArena(64 << 20, 16 << 20, 8 << 20); });
  results.push(measure('setupStaticArena, unchanged sizes (no device call)', (arenaT / calls) * 1e9, 'ns/call', 'empty method call', (emptyT / calls) * 1e9));

  // 2. launchAicoreKernel (validation, lazy-registration check, blockDim resolution) against a direct
  //    HAL launch of the same registered binary; 100 launches of blockDim 1 then one synchronize.
  const stream = runner.aicoreStream;
  const args = runner.allocateTensor(KernelArgs.size);
  runner.launchAicoreKernel(stream, args, 1); // registers the binary once
  await stream.synchronize(10_000);
  const binary = device.registerAicoreBinary(aicore);
  const launches = 100;
  const [viaRunner, direct] = await timePairAsync(
    async () => {
      for (let i = 0; i < launches; i++) runner.launchAicoreKernel(stream, args, 1);
      await stream.synchronize(60_000);
    },
    async () => {
      for (let i = 0; i < launches; i++) device.launchAicore(stream, binary, 1, args);
      await stream.synchronize(60_000);
    },
    30,
  );
  results.push(measure('launchAicoreKernel x100 + synchronize (blockDim 1)', (viaRunner / launches) * 1e6, 'µs/launch', 'direct HAL launchAicore x100 + synchronize', (direct / launches) * 1e6));

  // 3. Allocator alloc+free (bookkeeping included) against the raw HAL malloc+free pair.
  const pairs = 20_000;
  const memory = runner.deviceMemory; // protected in TS; the allocator every runner allocation uses
  const raw = timeIt(() => { for (let i = 0; i < pairs; i++) device.free(device.malloc(4096)); });
  const tracked = timeIt(() => { for (let i = 0; i < pairs; i++) memory.free(memory.alloc(4096)); });
  results.push(measure('allocator alloc+free, 4 KiB', (tracked / pairs) * 1e9, 'ns/pair', 'raw HAL malloc+free', (raw / pairs) * 1e9));

  await runner.finalize();
  writeResults(path.join(__dirname, 'results.json'), results);
  return results;
}

// Alternates the two sides run by run, so drift in a shared machine's load hits both equally.
async function timePairAsync(a, b, runs) {
  for (let i = 0; i < 3; i++) {
    await a();
    await b();
  }
  const sa = [];
  const sb = [];
  for (let i = 0; i < runs; i++) {
    for (const [fn, samples] of i % 2 === 0 ? [[a, sa], [b, sb]] : [[b, sb], [a, sa]]) {
      const t0 = process.hrtime.bigint();
      await fn();
      samples.push(Number(process.hrtime.bigint() - t0) / 1e9);
    }
  }
  const median = (x) => x.sort((p, q) => p - q)[Math.floor(x.length / 2)];
  return [median(sa), median(sb)];
}

module.exports = { main };
if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
