// Leaves a simulated device running a kernel that ignores the stop flag, then exits the process,
// drops the device for the garbage collector, or waits for the stream until the wait times out and
// returns, leaving the device open; it reports the device processes it had.
// Usage: node --expose-gc lifetime-child.cjs <platform> <program.so> exit|gc|settled
'use strict';
const fs = require('node:fs');
const { openDevice } = require('../../dist');

const [platform, programPath, how] = process.argv.slice(2);

/** Pids of this process's children (the device processes), from /proc. */
function children() {
  const pids = [];
  for (const tid of fs.readdirSync('/proc/self/task')) {
    const text = fs.readFileSync(`/proc/self/task/${tid}/children`, 'utf8').trim();
    if (text !== '') pids.push(...text.split(/\s+/).map(Number));
  }
  return pids;
}

function startRunaway() {
  const device = openDevice({ platform, sim: { memoryBytes: 16 * 1024 * 1024 } });
  const stream = device.createStream();
  const program = device.loadAicpuProgram(fs.readFileSync(programPath));
  const buffer = device.malloc(64);
  device.launchAicpu(stream, program, 'ignore_stop', 1, new BigUint64Array([buffer, 0n]));
  return { device, stream, buffer };
}

/** Resolves once the kernel reports that it runs. */
async function running({ device, buffer }) {
  const started = new Uint32Array(1);
  for (const until = Date.now() + 20_000; started[0] === 0 && Date.now() < until; ) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    device.copyFromDevice(started, buffer);
  }
}

async function main() {
  let device = startRunaway();
  await running(device);
  const pids = children();
  if (how === 'exit') {
    process.stdout.write(`${JSON.stringify({ pids, exitingAt: Date.now() })}\n`);
    process.exit(0);
  }
  if (how === 'settled') {
    // Once this wait has settled nothing is left to do: the event loop must empty and the process
    // end on its own, the open device and its running kernel notwithstanding.
    const waited = await device.stream.synchronize(100).then(() => 'finished', (e) => e.code);
    process.stdout.write(`${JSON.stringify({ pids, waited, endingAt: Date.now() })}\n`);
    return;
  }
  device = undefined;
  const dropped = performance.now();
  while (children().length > 0 && performance.now() - dropped < 10_000) {
    global.gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  process.stdout.write(`${JSON.stringify({ pids, remaining: children(), collectedMs: performance.now() - dropped })}\n`);
}

main();
