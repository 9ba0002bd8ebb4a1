import * as fs from 'node:fs';
import * as path from 'node:path';
import { PmuCollector, pmuGeometry, pmuLayout, pmuStateOffset, CollectorErrorCode, CollectorError } from '../src';
import { fakeContext, letDrain, tmpDir } from './helpers/harness';
import { TsProducer } from './helpers/ts-producer';

const ARCHES = ['a2a3', 'a5'] as const;

function producers(arch: 'a2a3' | 'a5', mem: import('./helpers/fake-memory').FakeDeviceMemory, shm: bigint, cores: number, threads: number) {
  const geo = pmuGeometry(arch, cores);
  const S = arch === 'a2a3' ? pmuLayout.PmuBufferStateA2a3 : pmuLayout.PmuBufferStateA5;
  return Array.from({ length: cores }, (_, core) => {
    const at = pmuStateOffset(arch, core);
    return new TsProducer(mem, shm, geo, {
      pool: core,
      thread: core % threads,
      totalOffset: at + S.offsetOf('totalRecordCount'),
      droppedOffset: at + S.offsetOf('droppedRecordCount'),
    });
  });
}

describe.each(ARCHES)('PMU collector on %s', (arch) => {
  test('N records in, N rows out, buffers recycled many times', async () => {
    const { ctx, mem } = fakeContext(arch, { simulated: true });
    const c = new PmuCollector(ctx, { eventGroup: 5 });
    const { dataBase } = c.init();
    const rec = pmuLayout.PmuRecord[arch];
    const prods = producers(arch, mem, dataBase, 6, 2);
    prods.forEach((p) => p.begin());
    c.start();
    const perCore = 3000; // 512-record buffers, 4 per core: each recycled > 1x
    for (let i = 0; i < perCore; i++) {
      prods.forEach((p, core) =>
        p.append((v) => {
          v.setBigUint64(rec.offsetOf('taskId'), (BigInt(core) << 32n) | BigInt(i), true);
          v.setUint32(rec.offsetOf('funcId'), core, true);
          v.setInt32(rec.offsetOf('coreType'), core < 2 ? 0 : 1, true);
          v.setBigUint64(rec.offsetOf('pmuTotalCycles'), BigInt(i * 10), true);
          v.setUint32(rec.offsetOf('pmuCounters'), i, true);
        }),
      );
      if (i % 200 === 0) await letDrain();
    }
    prods.forEach((p) => p.flush());
    await c.stop();
    const summary = await c.reconcile();
    expect(summary).toMatchObject({ collected: 6 * perCore, dropped: 0, total: 6 * perCore, clean: true });
    expect(summary.notes).toContain('PMU values are simulated');
    const out = tmpDir('pmu');
    const [file] = await c.exportFiles(out, { incomplete: false });
    const lines = fs.readFileSync(file!, 'utf8').trim().split('\n');
    const header = lines[0]!.split(',');
    expect(header).toEqual(['thread_id', 'core_id', 'task_id', 'func_id', 'core_type', 'pmu_total_cycles',
      ...(arch === 'a2a3'
        ? ['l0a_read_req', 'l0a_write_req', 'l0b_read_req', 'l0b_write_req', 'l0c_read_req', 'l0c_write_req']
        : ['cube_sc_pmu_read_l0a_instr', 'pmu_wr_l0a_instr', 'cube_sc_pmu_read_l0b_instr', 'pmu_wr_l0b_instr', 'fixp_rd_l0c_instr', 'cube_sc_pmu_read_l0c_instr', 'cube_sc_pmu_write_l0c_instr']),
      'event_type', 'event_group']);
    expect(lines.length - 1).toBe(6 * perCore);
    const ids = new Set(lines.slice(1).map((l) => l.split(',')[2]));
    expect(ids.size).toBe(6 * perCore);
    const row = lines.slice(1).find((l) => l.split(',')[2] === '0x0000000300000007')!.split(',');
    expect(row.slice(0, 7)).toEqual(['1', '3', '0x0000000300000007', '3', '1', '70', '7']);
    expect(row.at(-2)).toBe('5');
    expect(row.at(-1)).toBe('MEMORY_L0 (simulated)');
    // buffers really were recycled: more hand-offs than buffers exist
    expect(c.publishedAddresses?.dataBase).toBe(dataBase);
    c.finalize();
    expect(mem.allocs.size).toBe(0);
    expect(mem.mapped.size).toBe(0);
  });

  test('full free queues and a full ready queue drop on the device and reconcile', async () => {
    const { ctx, mem } = fakeContext(arch, { numCores: 3, aicpuThreads: 1 });
    const c = new PmuCollector(ctx, { eventGroup: 2 });
    const { dataBase } = c.init();
    const prods = producers(arch, mem, dataBase, 3, 1);
    prods.forEach((p) => p.begin());
    // Not started: nobody drains, so after 4 buffers per core the device must drop.
    for (let i = 0; i < 4000; i++) prods.forEach((p) => p.append(() => undefined));
    c.start();
    await letDrain();
    prods.forEach((p) => p.flush());
    await c.stop();
    const s = await c.reconcile();
    expect(s.dropped).toBeGreaterThan(0);
    expect(s.collected + s.dropped).toBe(s.total);
    expect(s.total).toBe(12000);
    expect(s.clean).toBe(true);
    c.finalize();
  });

  test('an empty run writes no CSV', async () => {
    const { ctx } = fakeContext(arch);
    const c = new PmuCollector(ctx, { eventGroup: 99 });
    c.init();
    c.start();
    await c.stop();
    const s = await c.reconcile();
    expect(s).toMatchObject({ collected: 0, total: 0, clean: true });
    expect(s.notes.join(' ')).toMatch(/event group 99 is not valid/);
    expect(c.eventGroup.table.name).toBe('PIPE_UTILIZATION');
    const out = tmpDir('pmu-empty');
    expect(await c.exportFiles(out, { incomplete: false })).toEqual([]);
    expect(fs.existsSync(path.join(out, 'pmu.csv'))).toBe(false);
    c.finalize();
  });
});

test('a5 publishes staging rings and their table', () => {
  const { ctx, mem } = fakeContext('a5');
  const c = new PmuCollector(ctx, { eventGroup: 2 });
  const a = c.init();
  expect(a.perCoreRings).toHaveLength(6);
  const table = mem.view(a.ringTable!, 48);
  a.perCoreRings!.forEach((r, i) => expect(table.getBigUint64(8 * i, true)).toBe(r));
  const state = mem.view(a.dataBase + BigInt(pmuStateOffset('a5', 2)), 192);
  expect(state.getBigUint64(pmuLayout.PmuBufferStateA5.offsetOf('aicoreRingPtr'), true)).toBe(a.perCoreRings![2]);
  c.finalize();
  expect(mem.allocs.size).toBe(0);
});

test('bad options are typed errors', () => {
  const { ctx } = fakeContext('a2a3');
  expect(() => new PmuCollector(ctx, { eventGroup: 0 })).toThrow(CollectorError);
  try {
    new PmuCollector({ ...ctx, numCores: 73 }, { eventGroup: 2 });
  } catch (e) {
    expect((e as CollectorError).code).toBe(CollectorErrorCode.InvalidArgument);
    expect((e as Error).message).toMatch(/numCores .* \(got 73\)/);
  }
  expect.assertions(3);
});
