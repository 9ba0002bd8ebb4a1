// The two KernelArgs layouts, declared with the layout helper: every offset and the size
// must come out exactly as the table says.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { array, emitCHeader, pad, ptr, struct, u32, u64 } from '../src/layout';

const run = promisify(execFile);

const a2a3 = struct(
  'kernel_args_a2a3',
  {
    unused: { type: array(u64, 5), offset: 0 },
    deviceArgs: { type: ptr, offset: 40 },
    runtimeArgs: { type: ptr, offset: 48 },
    regs: { type: u64, offset: 56 },
    fftsBaseAddr: { type: u64, offset: 64 },
    dumpDataBase: { type: ptr, offset: 72 },
    l2PerfDataBase: { type: ptr, offset: 80 },
    pmuDataBase: { type: ptr, offset: 88 },
    pmuRegAddrs: { type: ptr, offset: 96 },
    depGenDataBase: { type: ptr, offset: 104 },
    scopeStatsDataBase: { type: ptr, offset: 112 },
    aicoreRingAddr: { type: ptr, offset: 120 },
    logLevel: { type: u32, offset: 128 },
    logInfoV: { type: u32, offset: 132 },
    enableProfilingFlag: { type: u32, offset: 136 },
    _pad0: pad(4),
    deviceWallDataBase: { type: ptr, offset: 144 },
    deviceId: { type: u32, offset: 152 },
  },
  { size: 160 },
);

// a5 leaves the padding implicit, to show natural alignment reaching the same offsets.
const a5 = struct(
  'kernel_args_a5',
  {
    unused: array(u64, 5),
    deviceArgs: ptr,
    runtimeArgs: ptr,
    regs: u64,
    dumpDataBase: ptr,
    l2PerfDataBase: ptr,
    pmuDataBase: ptr,
    aicoreL2PerfRingAddrs: ptr,
    aicorePmuRingAddrs: ptr,
    scopeStatsDataBase: ptr,
    logLevel: u32,
    logInfoV: u32,
    enableProfilingFlag: u32,
    deviceWallDataBase: ptr,
    deviceId: u32,
  },
  { size: 144 },
);

describe('KernelArgs layouts', () => {
  it('lays out a2a3 at the table offsets, 160 bytes, 8-byte aligned', () => {
    expect(a2a3.size).toBe(160);
    expect(a2a3.align).toBe(8);
    const expected: Record<string, number> = {
      unused: 0,
      deviceArgs: 40,
      runtimeArgs: 48,
      regs: 56,
      fftsBaseAddr: 64,
      dumpDataBase: 72,
      l2PerfDataBase: 80,
      pmuDataBase: 88,
      pmuRegAddrs: 96,
      depGenDataBase: 104,
      scopeStatsDataBase: 112,
      aicoreRingAddr: 120,
      logLevel: 128,
      logInfoV: 132,
      enableProfilingFlag: 136,
      _pad0: 140,
      deviceWallDataBase: 144,
      deviceId: 152,
    };
    expect(Object.fromEntries(a2a3.fields.map((f) => [f.name, f.offset]))).toEqual(expected);
  });

  it('lays out a5 at the table offsets, 144 bytes', () => {
    expect(a5.size).toBe(144);
    const offsets = Object.fromEntries(a5.fields.map((f) => [f.name, f.offset]));
    expect(offsets).toEqual({
      unused: 0,
      deviceArgs: 40,
      runtimeArgs: 48,
      regs: 56,
      dumpDataBase: 64,
      l2PerfDataBase: 72,
      pmuDataBase: 80,
      aicoreL2PerfRingAddrs: 88,
      aicorePmuRingAddrs: 96,
      scopeStatsDataBase: 104,
      logLevel: 112,
      logInfoV: 116,
      enableProfilingFlag: 120,
      deviceWallDataBase: 128,
      deviceId: 136,
    });
    expect(a5.offsetOf('deviceWallDataBase')).toBe(128);
  });

  it('derives the C member names by snake_case', () => {
    const names = Object.fromEntries(a5.fields.map((f) => [f.name, f.cName]));
    expect(names['l2PerfDataBase']).toBe('l2_perf_data_base');
    expect(names['aicoreL2PerfRingAddrs']).toBe('aicore_l2_perf_ring_addrs');
    expect(names['logInfoV']).toBe('log_info_v');
    expect(a2a3.fields.find((f) => f.name === 'fftsBaseAddr')?.cName).toBe('ffts_base_addr');
  });

  it('places a written field at its table offset in the encoded bytes', () => {
    const bytes = a2a3.encode({ deviceId: 7, deviceWallDataBase: 0x1122_3344_5566_7788n, logInfoV: 9 });
    const view = new DataView(bytes.buffer);
    expect(view.getUint32(152, true)).toBe(7);
    expect(view.getBigUint64(144, true)).toBe(0x1122_3344_5566_7788n);
    expect(view.getUint32(132, true)).toBe(9);
    // Everything else, the vendor-owned front included, stays zero.
    const others = [...bytes].filter((_, i) => !(i >= 144 && i < 156) && !(i >= 132 && i < 136));
    expect(others.every((b) => b === 0)).toBe(true);
  });
});

describe('KernelArgs C header', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'npurun-kargs-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('compiles, and C++ sees the same offsetof and sizeof as TypeScript', async () => {
    writeFileSync(join(dir, 'kernel_args.h'), emitCHeader({ guard: 'KERNEL_ARGS_H', structs: [a2a3, a5] }));
    const prints = [a2a3, a5].flatMap((s) => [
      `  std::printf("${s.name} %zu\\n", sizeof(${s.name}));`,
      ...s.fields.map((f) => `  std::printf("${s.name}.${f.name} %zu\\n", offsetof(${s.name}, ${f.cName}));`),
    ]);
    writeFileSync(
      join(dir, 'main.cpp'),
      ['#include <cstdio>', '#include "kernel_args.h"', 'int main() {', ...prints, '  return 0;', '}', ''].join('\n'),
    );
    await run('g++', ['-std=c++17', '-Wall', '-Werror', '-o', join(dir, 'main'), join(dir, 'main.cpp')]);
    const { stdout } = await run(join(dir, 'main'));
    const expected = [a2a3, a5].flatMap((s) => [`${s.name} ${s.size}`, ...s.fields.map((f) => `${s.name}.${f.name} ${f.offset}`)]);
    expect(stdout.trim().split('\n')).toEqual(expected);
  });
});
