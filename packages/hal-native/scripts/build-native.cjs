#!/usr/bin/env node
// Builds the HAL addon (npurun_hal.node) and the simulator's device executable (npurun-device)
// from native/binding.gyp. Three ways:
//
//   node scripts/build-native.cjs --prebuild   the repo's build and CI's prebuild job: prebuildify
//                                              writes prebuilds/<platform>-<arch>/ (addon + executable,
//                                              stripped), warnings are errors
//   node scripts/build-native.cjs              the source fallback for a platform without a prebuild:
//                                              node-gyp, then the same prebuilds/ layout
//   NPURUN_SANITIZE=1 node scripts/build-native.cjs
//                                              the ASAN+UBSan variant, into build-sanitize/Release/
//
// The loader (node-gyp-build) finds the addon under prebuilds/; the addon finds npurun-device
// beside itself. binding.gyp lives in native/ so that an installed package has no binding.gyp at
// its root: package managers would otherwise run `node-gyp rebuild` at install (and pnpm 10 would
// ask for the build to be approved), although a prebuilt binary is right there.
// Machines without network access to Node's header tarball keep the headers locally and say where
// through npm's `nodedir` setting; it is honoured when present.
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const nativeDir = path.join(root, 'native');
const gypBuild = path.join(nativeDir, 'build', 'Release');
const sanitize = process.env.NPURUN_SANITIZE === '1';
const prebuild = process.argv.includes('--prebuild');
// Only the repo's own build treats warnings as errors: a consumer's newer compiler must not fail
// their source build over a warning.
const inRepo = fs.existsSync(path.join(root, 'src')) && fs.existsSync(path.join(root, 'tsconfig.json'));

function npmConfig(key) {
  if (process.env[`npm_config_${key}`]) return process.env[`npm_config_${key}`];
  try {
    // Without the npm_config_* variables a parent pnpm exports (npm warns about the ones it does not know).
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_config_')));
    const v = execFileSync('npm', ['config', 'get', key], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return v && v !== 'undefined' && v !== 'null' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** The node-gyp command: the repo's devDependency, npm's bundled copy, else one fetched by npx. */
function nodeGypCommand() {
  try {
    return [process.execPath, require.resolve('node-gyp/bin/node-gyp.js')];
  } catch {
    // not installed beside this package (a consumer's install)
  }
  if (process.env.npm_config_node_gyp && fs.existsSync(process.env.npm_config_node_gyp)) {
    return [process.execPath, process.env.npm_config_node_gyp];
  }
  return ['npx', '-y', 'node-gyp@12'];
}

function libc() {
  return fs.existsSync('/etc/alpine-release') ? 'musl' : 'glibc';
}

/** Where node-gyp-build looks for this host's binaries. */
function prebuildDir() {
  return path.join(root, 'prebuilds', `${os.platform()}-${os.arch()}`);
}

function configureEnv() {
  // node-gyp reads npm_config_* variables as options; unknown ones become gyp variables.
  const nodedir = npmConfig('nodedir');
  if (nodedir) process.env.npm_config_nodedir = nodedir;
  process.env.npm_config_werror = inRepo ? '1' : '0';
  process.env.npm_config_sanitize = sanitize ? '1' : '0';
}

function strip(file) {
  if (os.platform() !== 'linux') return;
  const res = spawnSync('strip', ['--strip-all', file], { stdio: 'inherit' });
  if (res.status !== 0) throw new Error(`strip ${file} failed`);
}

function copyExecutable(from, to) {
  fs.copyFileSync(from, to);
  fs.chmodSync(to, 0o755);
}

// prebuildify's postinstall hook: the executable is staged where --artifacts copies from.
if (process.argv.includes('--stage-executable')) {
  const staged = path.join(nativeDir, 'build', 'artifacts');
  fs.rmSync(staged, { recursive: true, force: true });
  fs.mkdirSync(staged, { recursive: true });
  copyExecutable(path.join(gypBuild, 'npurun-device'), path.join(staged, 'npurun-device'));
  strip(path.join(staged, 'npurun-device'));
  process.exit(0);
}

configureEnv();
// A build/ at the package root (the layout before prebuilds/) would win over prebuilds/ in the loader.
if (!sanitize) fs.rmSync(path.join(root, 'build'), { recursive: true, force: true });

if (prebuild && !sanitize) {
  const prebuildify = require('prebuildify');
  fs.rmSync(prebuildDir(), { recursive: true, force: true });
  prebuildify(
    {
      cwd: nativeDir,
      out: root,
      napi: true,
      strip: true,
      tagLibc: true,
      targets: [process.versions.node],
      postinstall: `"${process.execPath}" "${__filename}" --stage-executable`,
      artifacts: path.join(nativeDir, 'build', 'artifacts'),
    },
    (err) => {
      if (err) {
        console.error(`build-native: ${err.message}`);
        process.exit(1);
      }
      console.log(`build-native: wrote ${path.relative(root, prebuildDir())}/ (${fs.readdirSync(prebuildDir()).join(', ')})`);
    },
  );
} else {
  const [cmd, ...pre] = nodeGypCommand();
  const res = spawnSync(cmd, [...pre, 'rebuild', '--jobs', 'max'], { cwd: nativeDir, stdio: 'inherit' });
  if (res.status !== 0) process.exit(res.status ?? 1);
  if (sanitize) {
    const out = path.join(root, 'build-sanitize', 'Release');
    fs.rmSync(path.join(root, 'build-sanitize'), { recursive: true, force: true });
    fs.mkdirSync(out, { recursive: true });
    fs.copyFileSync(path.join(gypBuild, 'npurun_hal.node'), path.join(out, 'npurun_hal.node'));
    copyExecutable(path.join(gypBuild, 'npurun-device'), path.join(out, 'npurun-device'));
    // The next regular build must not reuse the instrumented objects.
    fs.rmSync(path.join(nativeDir, 'build'), { recursive: true, force: true });
  } else {
    const dir = prebuildDir();
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(path.join(gypBuild, 'npurun_hal.node'), path.join(dir, `node.${libc()}.node`));
    copyExecutable(path.join(gypBuild, 'npurun-device'), path.join(dir, 'npurun-device'));
    console.log(`build-native: built from source into ${dir}`);
  }
}
