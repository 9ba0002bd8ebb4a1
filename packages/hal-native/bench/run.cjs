#!/usr/bin/env node
// hal-native benchmarks. Every figure is measured side by side with its baseline in this process
// and written to bench/results.json as { name, value, unit, baseline, baselineValue, ratio }.
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const { openDevice, compileDeviceProgram, nativeNoop } = require('../dist');
const { measure, timeIt, writeResults } = require('../../../scripts/bench-kit.cjs');

async function main() {
  const results = [];
  const device = openDevice({ platform: 'a2a3sim' });

  // 1. Bandwidth at 64 MiB: HAL copies against Buffer.copy of the same size.
  const size = 64 * 1024 * 1024;
  const host = Buffer.alloc(size, 7);
  const other = Buffer.alloc(size);
  const addr = device.malloc(size);
  device.copyToDevice(addr, host); // touch the pages once so both sides copy into resident memory
  const gbps = (seconds) => size / seconds / 1e9;
  const copy = timeIt(() => host.copy(other), { minRuns: 10 });
  const h2d = timeIt(() => device.copyToDevice(addr, host), { minRuns: 10 });
  const d2h = timeIt(() => device.copyFromDevice(other, addr), { minRuns: 10 });
  results.push(measure('sim H2D bandwidth, 64 MiB', gbps(h2d), 'GB/s', 'Buffer.copy 64 MiB', gbps(copy)));
  results.push(measure('sim D2H bandwidth, 64 MiB', gbps(d2h), 'GB/s', 'Buffer.copy 64 MiB', gbps(copy)));
  device.free(addr);

  // 2. A trivial HAL call (validated arguments, a device lookup) against an empty N-API call.
  const small = device.malloc(64);
  const calls = 200_000;
  const noop = timeIt(() => { for (let i = 0; i < calls; i++) nativeNoop(); }, { minRuns: 5 });
  const hal = timeIt(() => { for (let i = 0; i < calls; i++) device.memset(small, 0, 1); }, { minRuns: 5 });
  results.push(measure('trivial HAL call (memset of 1 byte)', (hal / calls) * 1e9, 'ns/call', 'empty N-API call', (noop / calls) * 1e9));

  // 3. Launch + synchronize latency of an empty AI Core kernel, against synchronizing an idle stream.
  const image = await compileDeviceProgram({ sources: [path.join(__dirname, '..', 'test', 'programs', 'empty_aicore.cc')] });
  const binary = device.registerAicoreBinary(image);
  const stream = device.createStream();
  const args = device.malloc(64);
  const idle = await timeAsync(() => stream.synchronize(10_000), 200);
  const launches = new Map();
  // Alternating rounds, so load on a shared machine hits both launch sizes alike.
  for (let round = 0; round < 4; round++) {
    for (const blockDim of [1, device.properties.maxBlockDim]) {
      const t = await timeAsync(async () => {
        device.launchAicore(stream, binary, blockDim, args);
        await stream.synchronize(10_000);
      }, 100);
      launches.set(blockDim, [...(launches.get(blockDim) ?? []), t]);
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  for (const [blockDim, times] of launches) {
    results.push(measure(`empty AI Core launch + synchronize, blockDim ${blockDim} (${blockDim * 3} cores)`, median(times) * 1e6, 'µs', 'synchronize of an idle stream', idle * 1e6));
  }
  const max = device.properties.maxBlockDim;
  results.push(measure(`empty AI Core launch + synchronize, blockDim ${max} (${max * 3} cores)`, median(launches.get(max)) * 1e6, 'µs', 'the same at blockDim 1 (3 cores)', median(launches.get(1)) * 1e6));
  device.close();
  writeResults(path.join(__dirname, 'results.json'), results);
}

async function timeAsync(fn, runs) {
  for (let i = 0; i < 10; i++) await fn();
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
