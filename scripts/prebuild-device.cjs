#!/usr/bin/env node
// An arch package's build step: compiles what its users would otherwise need a compiler for — the
// simulated runtime's two executor programs and every bundled workload kernel, for this host — and
// keeps the images under <package>/prebuilt/<platform>-<arch>/<fingerprint>.so, which the package
// ships and registers with hal-native's device-program compiler when it is loaded. The images are
// found by the fingerprint of their inputs, so an edited source or header is compiled as usual.
//
//   node ../../scripts/prebuild-device.cjs <arch>     (run from the arch package, after tsc)
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const arch = process.argv[2];
const packageDir = process.cwd();
const runnerClass = { a2a3: 'A2A3Runner', a5: 'A5Runner' }[arch];
if (runnerClass === undefined) {
  console.error(`prebuild-device: unknown arch ${JSON.stringify(arch)} (a2a3 or a5)`);
  process.exit(2);
}
// Resolved from the arch package, so these are the very modules its dist/ uses.
const fromPackage = (id) => require(require.resolve(id, { paths: [packageDir] }));
const hal = fromPackage('@npurun/hal-native');
const base = fromPackage('@npurun/runner-base');
const archPackage = require(path.join(packageDir, 'dist', 'index.js'));

async function main() {
  const out = path.join(packageDir, 'prebuilt', hal.hostPrebuiltTag());
  fs.rmSync(path.join(packageDir, 'prebuilt'), { recursive: true, force: true });
  hal.recordPrebuiltDevicePrograms(out);
  const started = Date.now();
  // create() builds the executors; nothing opens a device.
  await archPackage[runnerClass].create();
  await base.loadWorkloadKernels(Object.keys(base.WORKLOAD_KERNELS), `${arch}sim`);
  hal.recordPrebuiltDevicePrograms(undefined);
  const files = fs.readdirSync(out);
  const bytes = files.reduce((sum, f) => sum + fs.statSync(path.join(out, f)).size, 0);
  console.log(`prebuild-device: ${files.length} device programs for ${arch}sim in ${path.relative(packageDir, out)}/ (${(bytes / 1024).toFixed(0)} KiB, ${Date.now() - started} ms)`);
}

main().catch((error) => {
  console.error(`prebuild-device: ${error && error.stack ? error.stack : error}`);
  process.exit(1);
});
