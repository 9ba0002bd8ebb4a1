#!/usr/bin/env node
// The HAL's own demo: a vector-add device program on both simulators, checked element by element.
'use strict';
const path = require('node:path');
const { openDevice, compileDeviceProgram } = require('../dist');

async function runOn(platform, image) {
  const device = openDevice({ platform });
  try {
    const n = 1 << 20;
    const bytes = n * 4;
    const a = Float32Array.from({ length: n }, (_, i) => i % 1000);
    const b = Float32Array.from({ length: n }, (_, i) => 0.5 * (i % 7));
    const [da, db, dout, dargs] = [bytes, bytes, bytes, 32].map((s) => device.malloc(s));
    device.copyToDevice(da, a);
    device.copyToDevice(db, b);
    device.copyToDevice(dargs, new BigUint64Array([da, db, dout, BigInt(n)]));
    const stream = device.createStream();
    const blockDim = device.properties.maxBlockDim;
    const t0 = process.hrtime.bigint();
    device.launchAicore(stream, device.registerAicoreBinary(image), blockDim, dargs);
    await stream.synchronize(30_000);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const out = new Float32Array(n);
    device.copyFromDevice(out, dout);
    let bad = 0;
    for (let i = 0; i < n; i++) if (out[i] !== a[i] + b[i]) bad++;
    console.log(`${platform}: vector add of ${n} floats on ${blockDim} blocks (${blockDim * 2} vector cores) in ${ms.toFixed(1)} ms: ${bad === 0 ? 'ok' : `${bad} wrong elements`}`);
    return bad === 0;
  } finally {
    device.close();
  }
}

async function main() {
  const image = await compileDeviceProgram({ sources: [path.join(__dirname, '..', 'test', 'programs', 'vector_add.cc')] });
  let ok = true;
  for (const platform of ['a2a3sim', 'a5sim']) ok = (await runOn(platform, image)) && ok;
  process.exit(ok ? 0 : 1);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
