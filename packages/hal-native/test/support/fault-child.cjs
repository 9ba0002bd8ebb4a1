// Runs one faulting AI CPU kernel on a simulated device, in a process of its own, and prints what
// the host saw as one JSON line. If device isolation ever breaks, only this process dies and the
// test that started it says so. Usage: fault-child.cjs <platform> <program.so> <mode>
'use strict';
const fs = require('node:fs');
const { openDevice } = require('../../dist');

const [platform, programPath, mode] = process.argv.slice(2);
const MiB = 1024 * 1024;

function attempt(fn) {
  try {
    fn();
    return null;
  } catch (e) {
    return e.code ?? String(e);
  }
}

async function main() {
  const out = { mode };
  const image = fs.readFileSync(programPath);
  const device = openDevice({ platform, sim: { memoryBytes: 64 * MiB } });
  const stream = device.createStream();
  const program = device.loadAicpuProgram(image);
  const buffer = device.malloc(4096);
  const neighbour = device.malloc(4096);
  device.copyToDevice(neighbour, new Float32Array(1024).fill(7));
  let kernel = mode;
  let args = new BigUint64Array([buffer, 0n]);
  if (mode === 'write_past_end') {
    kernel = 'write_at';
    args = new BigUint64Array([buffer, 4096n]);
  } else if (mode === 'use_after_free') {
    const freed = device.malloc(4096);
    device.free(freed);
    kernel = 'read_at';
    args = new BigUint64Array([freed, 0n]);
  }
  device.launchAicpu(stream, program, kernel, 1, args);
  if (mode === 'ignore_stop') {
    // The timeout must find the kernel running, however loaded the machine is.
    const started = new Uint32Array(1);
    for (const until = Date.now() + 20_000; started[0] === 0 && Date.now() < until; ) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      device.copyFromDevice(started, buffer);
    }
  }
  const t0 = performance.now();
  try {
    await stream.synchronize(mode === 'ignore_stop' ? 300 : 20_000);
    out.code = null;
  } catch (e) {
    out.code = e.code;
    out.message = e.message;
  }
  out.syncMs = performance.now() - t0;
  const t1 = performance.now();
  out.destroyError = attempt(() => stream.destroy());
  out.destroyMs = performance.now() - t1;
  out.laterCode = attempt(() => device.malloc(64));
  out.laterMessage = (() => {
    try {
      device.createStream();
      return null;
    } catch (e) {
      return e.message;
    }
  })();
  const back = new Float32Array(1024);
  out.readError = attempt(() => device.copyFromDevice(back, neighbour));
  out.neighbourIntact = back.every((v) => v === 7);
  out.freeError = attempt(() => {
    device.free(buffer);
    device.free(neighbour);
  });
  out.liveAfterFree = Number(device.memoryUsage().liveAllocations);

  // reset() brings a faulted device back with a fresh device process.
  out.resetError = attempt(() => device.reset());
  const s2 = device.createStream();
  const p2 = device.loadAicpuProgram(image);
  const target = device.malloc(4096);
  device.launchAicpu(s2, p2, 'write_at', 1, new BigUint64Array([target, 8n]));
  await s2.synchronize(20_000);
  const f = new Float32Array(4);
  device.copyFromDevice(f, target);
  out.afterReset = f[2];

  const t2 = performance.now();
  device.close();
  out.closeMs = performance.now() - t2;

  // A new device in the same process works.
  const fresh = openDevice({ platform, sim: { memoryBytes: 64 * MiB } });
  const s3 = fresh.createStream();
  const p3 = fresh.loadAicpuProgram(image);
  const t3 = fresh.malloc(64);
  fresh.launchAicpu(s3, p3, 'write_at', 1, new BigUint64Array([t3, 0n]));
  await s3.synchronize(20_000);
  const g = new Float32Array(1);
  fresh.copyFromDevice(g, t3);
  out.freshDevice = g[0];
  fresh.close();
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((e) => {
  process.stdout.write(`${JSON.stringify({ mode, childError: String(e && e.stack ? e.stack : e) })}\n`);
  process.exitCode = 1;
});
