/**
 * End to end through the simulator: AI CPU threads run the C producer library; the host collector
 * drains while they run (a2a3sim mapped, a5sim shadow copies).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compileDeviceProgram, openDevice, type HalDevice } from '@npurun/hal-native';
import { archConstants, collectorProducerSources, collectorsDeviceIncludeDir, PmuCollector, ScopeStatsCollector } from '../src';
import { halMemory } from './helpers/hal-memory';
import { tmpDir } from './helpers/harness';

jest.setTimeout(120_000);

const images = new Map<string, Uint8Array>();
async function program(arch: 'a2a3' | 'a5'): Promise<Uint8Array> {
  let img = images.get(arch);
  if (img === undefined) {
    img = await compileDeviceProgram({
      sources: [...collectorProducerSources(), path.join(__dirname, 'device', 'produce_records.c')],
      includeDirs: [collectorsDeviceIncludeDir()],
      language: 'c',
      defines: arch === 'a5' ? { NPURUN_TEST_A5: true } : {},
      extraFlags: ['-O2'],
    });
    images.set(arch, img);
  }
  return img;
}

function args(shm: bigint, numCores: number, perCore: number, wait: boolean, skipFlush = false): Uint8Array {
  const b = new Uint8Array(24);
  const v = new DataView(b.buffer);
  v.setBigUint64(0, shm, true);
  v.setUint32(8, numCores, true);
  v.setUint32(12, perCore, true);
  v.setUint32(16, wait ? 1 : 0, true);
  v.setUint32(20, skipFlush ? 1 : 0, true);
  return b;
}

async function run(d: HalDevice, arch: 'a2a3' | 'a5', kernel: string, a: Uint8Array, threads: number): Promise<void> {
  const prog = d.loadAicpuProgram(await program(arch));
  const stream = d.createStream();
  try {
    d.launchAicpu(stream, prog, kernel, threads, a);
    await stream.synchronize(60_000);
  } finally {
    stream.destroy();
  }
}

describe.each([['a2a3sim', 'a2a3'], ['a5sim', 'a5']] as const)('%s', (platform, arch) => {
  let d: HalDevice;
  beforeAll(() => {
    d = openDevice({ platform });
  });
  afterAll(() => d.close());

  test('PMU: N records in, N out, buffers recycled many times, no drops under backpressure', async () => {
    const mem = halMemory(d);
    const threads = archConstants(arch).maxAicpuThreads;
    const numCores = 9;
    const perCore = 20_000; // 512-record buffers, 4 per core: ~40 recycles per core
    const c = new PmuCollector({ arch, memory: mem, numCores, aicpuThreads: threads, simulated: true }, { eventGroup: 2 });
    const { dataBase } = c.init();
    c.start();
    await run(d, arch, 'produce_pmu', args(dataBase, numCores, perCore, true), threads);
    await c.stop();
    const s = await c.reconcile();
    expect(s).toMatchObject({ collected: numCores * perCore, dropped: 0, total: numCores * perCore, clean: true });
    const [file] = await c.exportFiles(tmpDir(`e2e-pmu-${arch}`), { incomplete: false });
    const rows = fs.readFileSync(file!, 'utf8').trim().split('\n').slice(1);
    expect(rows).toHaveLength(numCores * perCore);
    const seen = new Set<string>();
    for (const r of rows) {
      const f = r.split(',');
      const core = Number(f[1]);
      expect(Number(f[0])).toBe(core % threads); // thread id = the queue it came through
      expect(f[3]).toBe(String(core));
      seen.add(f[2]!);
    }
    expect(seen.size).toBe(numCores * perCore);
    c.finalize();
    expect(mem.live.size).toBe(0);
  });

  test('PMU without backpressure: whatever is dropped is counted', async () => {
    const mem = halMemory(d);
    const threads = archConstants(arch).maxAicpuThreads;
    const c = new PmuCollector({ arch, memory: mem, numCores: 6, aicpuThreads: threads }, { eventGroup: 2 });
    const { dataBase } = c.init();
    c.start();
    await run(d, arch, 'produce_pmu', args(dataBase, 6, 30_000, false), threads);
    const s = await c.reconcile();
    expect(s.total).toBe(6 * 30_000);
    expect(s.collected + s.dropped).toBe(s.total);
    expect(s.clean).toBe(true);
    c.finalize();
    expect(mem.live.size).toBe(0);
  });

  test('scope stats: a kernel that dies before its flush; the host recovers the stranded buffer', async () => {
    const mem = halMemory(d);
    const c = new ScopeStatsCollector({ arch, memory: mem, numCores: 3, aicpuThreads: 1 });
    const { dataBase } = c.init();
    c.start();
    await run(d, arch, 'produce_scope_stats', args(dataBase, 3, 5000, true, true), 1);
    const s = await c.reconcile({ incomplete: true });
    expect(s.collected).toBe(5000);
    expect(s.total).toBe(5000);
    const [file] = await c.exportFiles(tmpDir(`e2e-scope-${arch}`), { incomplete: true });
    const lines = fs.readFileSync(file!, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(5001);
    expect(JSON.parse(lines[0]!)).toMatchObject({ total: 5000, incomplete: true, task_window_max: [1024, 0, 0, 0] });
    expect(JSON.parse(lines[5000]!)).toMatchObject({ site: 'orch.c:10', tensormap: 4999, phase: 'end' });
    c.finalize();
    expect(mem.live.size).toBe(0);
  });
});
