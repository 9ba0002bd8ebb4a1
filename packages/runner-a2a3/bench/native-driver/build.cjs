// Builds the benchmark's native driver (driver.cc) against hal-native's C++ core and simulator
// sources — not the addon: no N-API binding, no cann backend — plus the device headers the
// TypeScript layouts generate. The binary is cached under the temp directory by a hash of every
// input, so a rerun with nothing changed skips the ~15 s compile.
'use strict';
const { execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const halRoot = path.dirname(require.resolve('@npurun/hal-native/package.json'));
const nativeDir = path.join(halRoot, 'native');
const includeDir = path.join(halRoot, 'include');

/** Every file the build reads, sorted, so the hash is stable. */
function inputs(headersDir) {
  const list = (dir, re) => fs.readdirSync(dir).filter((f) => re.test(f)).sort().map((f) => path.join(dir, f));
  // The host side of the simulator (sim/) and its wire to the device process (wire/); the device
  // process itself is the addon's own npurun-device executable (see deviceExecutable).
  const sources = [
    path.join(__dirname, 'driver.cc'),
    ...list(path.join(nativeDir, 'core'), /\.cc$/),
    ...list(path.join(nativeDir, 'sim'), /\.cc$/),
    ...list(path.join(nativeDir, 'wire'), /\.cc$/),
  ];
  const headers = [
    ...list(path.join(nativeDir, 'core'), /\.h$/),
    ...list(path.join(nativeDir, 'sim'), /\.h$/),
    ...list(path.join(nativeDir, 'wire'), /\.h$/),
    ...list(path.join(includeDir, 'npurun'), /\.h$/),
    ...list(path.join(headersDir, 'npurun'), /\.h$/),
  ];
  return { sources, headers };
}

/**
 * Returns the path of the driver binary, compiling it when no cached build matches.
 *
 * @param {string} headersDir directory holding the generated `npurun/{kernel_args,runtime_image,sim_dispatch}.h`
 */
function buildDriver(headersDir) {
  const cxx = (process.env.CXX || 'g++').split(/\s+/).filter(Boolean);
  const { sources, headers } = inputs(headersDir);
  const flags = ['-std=c++17', '-O2', '-Wall', '-Wextra', '-Wno-unused-parameter', '-I', nativeDir, '-I', includeDir, '-I', headersDir];
  const hash = crypto.createHash('sha256');
  hash.update(JSON.stringify([cxx, flags.filter((f) => f !== headersDir)]));
  for (const file of [...sources, ...headers]) hash.update(path.basename(file)).update('\0').update(fs.readFileSync(file)).update('\0');
  const outDir = path.join(os.tmpdir(), `npurun-bench-driver-${hash.digest('hex').slice(0, 16)}`);
  const binary = path.join(outDir, 'driver');
  if (fs.existsSync(binary)) return { binary, cached: true };
  fs.mkdirSync(outDir, { recursive: true });
  const tmp = `${binary}.${process.pid}.tmp`;
  execFileSync(cxx[0], [...cxx.slice(1), ...flags, '-o', tmp, ...sources, '-ldl', '-lpthread'], { stdio: ['ignore', 'inherit', 'inherit'] });
  fs.renameSync(tmp, binary); // atomic: a concurrent bench never runs a half-written binary
  return { binary, cached: false };
}

/** The device process the driver starts: the one built with the addon, so both sides of the benchmark drive the same. */
const deviceExecutable = path.join(halRoot, 'prebuilds', `${os.platform()}-${os.arch()}`, 'npurun-device');

module.exports = { buildDriver, deviceExecutable };
