/**
 * Finding the addon: the prebuilt binary under prebuilds/<platform>-<arch>/ with the device
 * executable beside it, and HAL_ADDON_UNAVAILABLE — with the fix for every package manager — when
 * either is missing or cannot be loaded. Each case runs in a child node, because the binding is
 * loaded once per process.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { nativeBinaryPath } from '../src/native';

const dist = path.resolve(__dirname, '..', 'dist', 'index.js');

function openInChild(env: Record<string, string>): { code?: string; message: string; ok?: boolean } {
  const script = `
    const hal = require(${JSON.stringify(dist)});
    try {
      const d = hal.openDevice({ platform: 'a2a3sim' });
      d.malloc(64);
      d.close();
      console.log(JSON.stringify({ ok: true, message: '' }));
    } catch (e) {
      console.log(JSON.stringify({ code: e.code, message: e.message, isHal: e instanceof hal.HalError }));
    }`;
  const res = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, ...env }, encoding: 'utf8' });
  expect(res.status).toBe(0);
  return JSON.parse(res.stdout.trim().split('\n').pop() ?? '{}') as { code?: string; message: string };
}

describe('addon loading', () => {
  it('loads the prebuilt binary for this host, with npurun-device beside it', () => {
    if (process.env.NPURUN_HAL_NATIVE_BINARY !== undefined) return; // the sanitizer run points elsewhere on purpose
    const file = nativeBinaryPath();
    expect(path.relative(path.resolve(__dirname, '..'), file)).toMatch(new RegExp(`^prebuilds/${process.platform}-${process.arch}/[^/]+\\.node$`));
    expect(fs.statSync(path.join(path.dirname(file), 'npurun-device')).mode & 0o111).not.toBe(0);
    expect(openInChild({})).toMatchObject({ ok: true });
  });

  it('restores the exec bit of npurun-device that a package tarball dropped', () => {
    if (process.env.NPURUN_HAL_NATIVE_BINARY !== undefined) return;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'npurun-modes-'));
    try {
      const addon = path.join(dir, 'node.glibc.node');
      fs.copyFileSync(nativeBinaryPath(), addon);
      fs.copyFileSync(path.join(path.dirname(nativeBinaryPath()), 'npurun-device'), path.join(dir, 'npurun-device'));
      fs.chmodSync(path.join(dir, 'npurun-device'), 0o644); // as pnpm pack leaves it
      expect(openInChild({ NPURUN_HAL_NATIVE_BINARY: addon })).toMatchObject({ ok: true });
      expect(fs.statSync(path.join(dir, 'npurun-device')).mode & 0o111).not.toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a missing addon as HAL_ADDON_UNAVAILABLE with the fix for npm, pnpm and yarn', () => {
    const missing = path.join(os.tmpdir(), 'npurun-no-such-dir', 'npurun_hal.node');
    const result = openInChild({ NPURUN_HAL_NATIVE_BINARY: missing });
    expect(result.code).toBe('HAL_ADDON_UNAVAILABLE');
    expect(result.message).toContain(missing);
    expect(result.message).toContain('npm');
    expect(result.message).toContain('pnpm install --force');
    expect(result.message).toContain('yarn install --force');
    expect(result.message).toContain('scripts/build-native.cjs');
  });

  it('reports a file that is not an addon as HAL_ADDON_UNAVAILABLE', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'npurun-bad-addon-'));
    const bogus = path.join(dir, 'npurun_hal.node');
    fs.writeFileSync(bogus, 'not an ELF file');
    try {
      const result = openInChild({ NPURUN_HAL_NATIVE_BINARY: bogus });
      expect(result.code).toBe('HAL_ADDON_UNAVAILABLE');
      expect(result.message).toContain(bogus);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a missing device executable as HAL_ADDON_UNAVAILABLE naming it', () => {
    const missing = path.join(os.tmpdir(), 'npurun-no-such-dir', 'npurun-device');
    const result = openInChild({ NPURUN_DEVICE_EXECUTABLE: missing });
    expect(result.code).toBe('HAL_ADDON_UNAVAILABLE');
    expect(result.message).toContain(missing);
    expect(result.message).toContain('build-native.cjs');
  });
});
