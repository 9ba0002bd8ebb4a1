#!/usr/bin/env node
// Builds the addon with node-gyp. Machines without network access to Node's header tarball keep
// the headers locally and say where through npm's `nodedir` setting; honour it when present.
// NPURUN_SANITIZE=1 builds the ASAN+UBSan variant into build-sanitize/ instead of build/.
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const sanitize = process.env.NPURUN_SANITIZE === '1';
const ifMissing = process.argv.includes('--if-missing');
const outDir = sanitize ? 'build-sanitize' : 'build';

if (ifMissing && fs.existsSync(path.join(root, outDir, 'Release', 'npurun_hal.node'))) process.exit(0);
// In the monorepo the turbo `build` task compiles; an install there only needs the sources.
if (ifMissing && fs.existsSync(path.join(root, 'src'))) process.exit(0);

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

const nodeGyp = require.resolve('node-gyp/bin/node-gyp.js');
const args = [nodeGyp, 'rebuild', '--jobs', 'max'];
const nodedir = npmConfig('nodedir');
if (nodedir) args.push(`--nodedir=${nodedir}`);
if (sanitize) args.push('--sanitize=1');

// node-gyp always builds into build/; the sanitizer variant is built there with the regular build
// set aside, then moved to build-sanitize/ so both can coexist.
const regular = path.join(root, 'build');
const parked = path.join(root, 'build.regular');
if (sanitize && fs.existsSync(regular)) {
  fs.rmSync(parked, { recursive: true, force: true });
  fs.renameSync(regular, parked);
}
const res = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
if (sanitize) {
  fs.rmSync(path.join(root, outDir), { recursive: true, force: true });
  if (fs.existsSync(regular)) fs.renameSync(regular, path.join(root, outDir));
  if (fs.existsSync(parked)) fs.renameSync(parked, regular);
}
if (res.status !== 0) process.exit(res.status ?? 1);
