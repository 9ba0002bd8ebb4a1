// Runs one faulting kernel through an arch runner (compileKernel, prepareCallable, runPrepared) in
// a process of its own and prints what happened as one JSON line.
// Usage: runner-fault-child.cjs <arch package main> <platform> <mode> <out dir>
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const base = require('../../dist');

const [archMain, platform, mode, outDir] = process.argv.slice(2);
const arch = require(archMain);
const Runner = arch.A2A3Runner ?? arch.A5Runner;
const kernelSource = path.join(__dirname, 'kernels', 'faulty_kernels.cpp');

async function runOne(runner, image, kernel, args) {
  const id = `${kernel}-${Math.random()}`;
  runner.prepareCallable(id, {
    kernels: [{ name: kernel, image, coreType: 'vector' }],
    orchestrate: () => ({ tasks: [{ kernel: 0, args, label: 'the faulty one' }], blockDim: 1 }),
  });
  return runner.runPrepared(id, undefined);
}

async function main() {
  const out = { mode };
  const image = await base.compileKernel({ sources: [{ path: kernelSource }], platform });
  const runner = await Runner.create({ platform, outputDir: outDir, runTimeoutMs: mode === 'ignore_stop' ? 500 : 20_000 });
  const tensor = runner.allocateTensor(4096);
  let args = [base.addrArg(tensor)];
  let kernel = mode;
  if (mode === 'freed_argument') {
    const freed = runner.allocateTensor(4096);
    runner.allocateTensor(4096); // keeps the hole from being the next allocation's first fit
    runner.freeTensor(freed);
    args = [base.addrArg(freed)];
    kernel = 'write_ok';
  } else if (mode === 'small_address_argument') {
    args = [base.addrArg(0x10n)];
    kernel = 'write_ok';
  }
  try {
    await runOne(runner, image, kernel, args);
    out.code = null;
  } catch (e) {
    out.code = e.code;
    out.name = e.name;
    out.message = e.message;
  }
  out.faulted = runner.isFaulted;
  const runJson = path.join(outDir, 'run.json');
  if (fs.existsSync(runJson)) {
    const json = JSON.parse(fs.readFileSync(runJson, 'utf8'));
    out.runJson = { status: json.status, error: json.error ?? null };
  }
  if (!runner.isFaulted) {
    // A refused run leaves the runner usable.
    await runOne(runner, image, 'write_ok', [base.addrArg(tensor)]);
    const v = new Float32Array(1);
    runner.copyFromDevice(v, tensor);
    out.sameRunnerAfter = v[0];
  }
  const t0 = performance.now();
  try {
    await runner.finalize();
    out.finalizeError = null;
  } catch (e) {
    out.finalizeError = e.message;
  }
  out.finalizeMs = performance.now() - t0;
  out.liveAfterFinalize = runner.memoryStats().liveAllocations;

  const fresh = await Runner.create({ platform });
  const t = fresh.allocateTensor(4096);
  await runOne(fresh, image, 'write_ok', [base.addrArg(t)]);
  const v = new Float32Array(1);
  fresh.copyFromDevice(v, t);
  out.freshRunner = v[0];
  await fresh.finalize();
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((e) => {
  process.stdout.write(`${JSON.stringify({ mode, childError: String(e && e.stack ? e.stack : e) })}\n`);
  process.exitCode = 1;
});
