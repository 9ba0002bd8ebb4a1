import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import {
  CollectorError,
  CollectorErrorCode,
  createCollector,
  dumpGeometry,
  dumpLayout,
  dumpStateOffset,
  ScopeStatsCollector,
  scopeStatsGeometry,
  scopeStatsLayout,
  scopeStatsStateOffset,
  TensorDumpCollector,
  PmuCollector,
  pmuGeometry,
  pmuLayout,
  pmuStateOffset,
} from '../src';
import { FakeDeviceMemory } from './helpers/fake-memory';
import { fakeContext, letDrain, tmpDir } from './helpers/harness';
import { TsProducer } from './helpers/ts-producer';
import { dumpManifestSchema, scopeMetaSchema, scopeRecordSchema } from './schemas';

function scopeProducer(arch: 'a2a3' | 'a5', mem: FakeDeviceMemory, shm: bigint) {
  const at = scopeStatsStateOffset(arch);
  const S = scopeStatsLayout.ScopeStatsBufferState;
  return new TsProducer(mem, shm, scopeStatsGeometry(arch), { pool: 0, thread: 0, totalOffset: at + S.offsetOf('totalRecordCount'), droppedOffset: at + S.offsetOf('droppedRecordCount') });
}

const R = scopeStatsLayout.ScopeStatsRecord;
function scopeRecord(i: number) {
  return (v: DataView) => {
    const name = 'orch.cpp';
    for (let k = 0; k < name.length; k++) v.setUint8(k, name.charCodeAt(k));
    v.setUint8(name.length, 0);
    v.setInt32(R.offsetOf('siteLine'), 40 + (i % 3), true);
    v.setInt16(R.offsetOf('phase'), i % 2, true);
    v.setInt16(R.offsetOf('depth'), i % 4, true);
    v.setBigUint64(R.offsetOf('heapEnd'), BigInt(i) * 4096n, true);
    v.setInt32(R.offsetOf('tensormapUsed'), i, true);
  };
}

describe.each(['a2a3', 'a5'] as const)('scope stats on %s', (arch) => {
  test('records in device order, metadata line, schema', async () => {
    const { ctx, mem } = fakeContext(arch);
    const c = new ScopeStatsCollector(ctx);
    const { dataBase } = c.init();
    const H = scopeStatsLayout.ScopeStatsHeader[arch];
    const hv = mem.view(dataBase, H.size);
    hv.setInt32(H.offsetOf('taskWindowCap'), 1024, true);
    hv.setBigUint64(H.offsetOf('heapCap'), 1n << 26n, true);
    hv.setInt32(H.offsetOf('tensormapCap'), 8192, true);
    const p = scopeProducer(arch, mem, dataBase);
    p.begin();
    c.start();
    const N = 5000; // 512-record buffers x 8: recycled
    for (let i = 0; i < N; i++) {
      p.append(scopeRecord(i));
      if (i % 700 === 0) await letDrain();
    }
    p.flush();
    const s = await c.reconcile();
    expect(s).toMatchObject({ collected: N, dropped: 0, total: N, clean: true });
    const [file] = await c.exportFiles(tmpDir('scope'), { incomplete: false });
    const lines = fs.readFileSync(file!, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const ajv = new Ajv();
    expect(ajv.validate(scopeMetaSchema, lines[0])).toBe(true);
    expect(lines[0]).toEqual({ version: 4, fatal: false, dropped: 0, total: N, task_window_max: [1024, 0, 0, 0], heap_max: [67108864, 0, 0, 0], tensormap_max: 8192, incomplete: false });
    expect(lines).toHaveLength(N + 1);
    for (const l of lines.slice(1)) expect([ajv.validate(scopeRecordSchema, l), ajv.errors]).toEqual([true, null]);
    expect(lines.slice(1).map((l) => l.tensormap)).toEqual(Array.from({ length: N }, (_, i) => i));
    expect(lines[4]).toMatchObject({ site: 'orch.cpp:40', phase: 'end', depth: 3, heap_end: 3 * 4096 });
    expect(fs.readFileSync(file!, 'utf8').split('\n')[1]).toMatch(/^\{"site": "orch\.cpp:40", "phase": "begin", /);
    c.finalize();
    expect(mem.allocs.size).toBe(0);
  });

  test('an empty run still writes the metadata line', async () => {
    const { ctx } = fakeContext(arch);
    const c = new ScopeStatsCollector(ctx);
    c.init();
    c.start();
    await c.stop();
    const [file] = await c.exportFiles(tmpDir('scope-empty'), { incomplete: false });
    expect(fs.readFileSync(file!, 'utf8').trim().split('\n')).toHaveLength(1);
    c.finalize();
  });

  test('a run that fails mid-way: leftovers recovered, files flagged incomplete', async () => {
    const { ctx, mem } = fakeContext(arch);
    const c = new ScopeStatsCollector(ctx);
    const { dataBase } = c.init();
    const p = scopeProducer(arch, mem, dataBase);
    p.begin();
    c.start();
    for (let i = 0; i < 700; i++) p.append(scopeRecord(i)); // one buffer handed off, 188 stranded
    await letDrain();
    await c.stop();
    const clean = await new ScopeStatsCollector(ctx); // a second collector must not interfere
    void clean;
    const s = await c.reconcile({ incomplete: true });
    expect(s.collected).toBe(700);
    expect(s.notes.join(' ')).toMatch(/recovered 188 record\(s\).*incomplete/);
    const [file] = await c.exportFiles(tmpDir('scope-fail'), { incomplete: true });
    const lines = fs.readFileSync(file!, 'utf8').trim().split('\n');
    expect(JSON.parse(lines[0]!).incomplete).toBe(true);
    expect(lines).toHaveLength(701);
    c.finalize();
  });

  test('a clean run with an unflushed buffer reports the leftover', async () => {
    const { ctx, mem } = fakeContext(arch);
    const c = new ScopeStatsCollector(ctx);
    const { dataBase } = c.init();
    const p = scopeProducer(arch, mem, dataBase);
    p.begin();
    c.start();
    for (let i = 0; i < 10; i++) p.append(scopeRecord(i));
    const s = await c.reconcile();
    expect(s.clean).toBe(false);
    expect(s.notes.join(' ')).toMatch(/10 record\(s\) left in 1 unflushed device buffer/);
    expect(s.notes.join(' ')).toMatch(/silent loss/);
    c.finalize();
  });
});

test('free-queue counters wrap past 2^32 without losing buffers', async () => {
  const { ctx, mem } = fakeContext('a5', { numCores: 2, aicpuThreads: 1, engine: { firstFreeQueueCounter: 0xffff_fff0 } });
  const c = new PmuCollector(ctx, { eventGroup: 2 });
  const { dataBase } = c.init();
  const geo = pmuGeometry('a5', 2);
  const S = pmuLayout.PmuBufferStateA5;
  const ps = [0, 1].map((core) => new TsProducer(mem, dataBase, geo, { pool: core, thread: 0, totalOffset: pmuStateOffset('a5', core) + S.offsetOf('totalRecordCount'), droppedOffset: pmuStateOffset('a5', core) + S.offsetOf('droppedRecordCount') }));
  ps.forEach((p) => p.begin());
  c.start();
  for (let i = 0; i < 512 * 40; i++) {
    ps.forEach((p) => p.append(() => undefined));
    if (i % 256 === 0) await letDrain();
  }
  ps.forEach((p) => p.flush());
  const s = await c.reconcile();
  expect(s).toMatchObject({ collected: 2 * 512 * 40, dropped: 0, clean: true });
  const head = mem.view(dataBase + BigInt(pmuStateOffset('a5', 0)), 192).getUint32(32, true);
  expect(head).toBeLessThan(0x1000); // wrapped
  c.finalize();
});

describe.each(['a2a3', 'a5'] as const)('tensor dump on %s', (arch) => {
  test('payloads copied from the wrapping arena, overwrites detected, manifest schema', async () => {
    const arena = 64 * 1024;
    const { ctx, mem } = fakeContext(arch, { aicpuThreads: 1 });
    const c = new TensorDumpCollector(ctx, { arenaBytesPerThread: arena });
    const { dataBase } = c.init();
    const geo = dumpGeometry(arch, 1);
    const st = dumpStateOffset(arch, 0);
    const B = dumpLayout.DumpBufferState;
    const T = dumpLayout.TensorDumpRecord;
    const sv = mem.view(dataBase + BigInt(st), B.size);
    const arenaBase = sv.getBigUint64(B.offsetOf('arenaBase'), true);
    const av = mem.view(arenaBase, arena);
    const p = new TsProducer(mem, dataBase, geo, { pool: 0, thread: 0, droppedOffset: st + B.offsetOf('droppedRecordCount') });
    p.begin();
    c.start();
    let cursor = 0n;
    const sizes: number[] = [];
    const dump = (i: number, bytes: number) => {
      const off = cursor;
      cursor += BigInt(bytes);
      sv.setBigUint64(B.offsetOf('arenaWriteOffset'), cursor, true);
      for (let k = 0; k < bytes; k++) av.setUint8(Number((off + BigInt(k)) % BigInt(arena)), (i + k) & 0xff);
      p.append((v) => {
        v.setBigUint64(T.offsetOf('taskId'), (1n << 32n) | BigInt(i), true);
        v.setUint8(T.offsetOf('role'), i % 3);
        v.setUint8(T.offsetOf('stage'), i % 2);
        v.setUint8(T.offsetOf('ndims'), 2);
        v.setUint8(T.offsetOf('dtype'), i % 12);
        v.setBigUint64(T.offsetOf('payloadOffset'), off, true);
        v.setBigUint64(T.offsetOf('payloadSize'), BigInt(bytes), true);
        v.setUint32(T.offsetOf('shapes'), bytes / 4, true);
        v.setUint32(T.offsetOf('shapes') + 4, 1, true);
        v.setUint32(T.offsetOf('strides'), 1, true);
        v.setUint32(T.offsetOf('strides') + 4, 1, true);
      });
      sizes.push(bytes);
    };
    for (let i = 0; i < 600; i++) {
      dump(i, 4 * (1 + (i % 50)));
      if (i % 64 === 0) await letDrain();
    }
    await letDrain();
    // the device races ahead by more than an arena before the host sees these two records
    dump(600, 1000);
    cursor += BigInt(arena) + 10n;
    sv.setBigUint64(B.offsetOf('arenaWriteOffset'), cursor, true);
    dump(601, 400);
    p.flush();
    const s = await c.reconcile();
    expect(s).toMatchObject({ collected: 602, dropped: 0, total: 602, clean: true });
    const out = tmpDir('dump');
    const [manifestPath, binPath] = await c.exportFiles(out, { incomplete: false });
    expect(manifestPath).toBe(path.join(out, 'tensor_dump', 'tensor_dump.json'));
    const m = JSON.parse(fs.readFileSync(manifestPath!, 'utf8'));
    expect(new Ajv().validate(dumpManifestSchema, m)).toBe(true);
    expect(m.total_tensors).toBe(602);
    // records 512..600 sat in the buffer flushed after the device raced an arena ahead
    expect(m.dropped_overwrite).toBe(89);
    expect(m.tensors[511]).toMatchObject({ overwritten: false });
    expect(m.tensors[512]).toMatchObject({ overwritten: true, bin_size: 0, bin_offset: 0 });
    expect(m.tensors[600]).toMatchObject({ overwritten: true, bin_size: 0 });
    expect(m.tensors[601]).toMatchObject({ overwritten: false, bin_size: 400 });
    expect(m.tensors[3]).toMatchObject({ task_id: '0x0000000100000003', role: 'input', stage: 'after_completion', dtype: 'INT16', shape: [4, 1], numel: 4 });
    expect(m.tensors[11].dtype).toBe('UNKNOWN');
    const bin = fs.readFileSync(binPath!);
    for (const t of [m.tensors[0], m.tensors[333], m.tensors[601]]) {
      const i = Number(BigInt(t.task_id) & 0xffffffffn);
      const got = bin.subarray(t.bin_offset, t.bin_offset + t.bin_size);
      expect(Array.from(got)).toEqual(Array.from({ length: t.bin_size }, (_, k) => (i + k) & 0xff));
    }
    expect(bin.length).toBe(m.tensors.reduce((a: number, t: { bin_size: number }) => a + t.bin_size, 0));
    c.finalize();
    expect(mem.allocs.size).toBe(0);
  });
});

describe('lifecycle', () => {
  test.each([1, 2, 3, 5, 9, 20])('init failing at allocation %i rolls everything back', (n) => {
    const mem = new FakeDeviceMemory({ mappable: true, failAllocAt: n });
    const c = createCollector({ arch: 'a2a3', memory: mem, numCores: 3, aicpuThreads: 2 }, { name: 'l2Swimlane', level: 3 });
    let err: unknown;
    try {
      c.init();
    } catch (e) {
      err = e;
    }
    expect((err as CollectorError).code).toBe(CollectorErrorCode.InitFailed);
    expect((err as Error).message).toMatch(/l2Swimlane\.init: out of device memory/);
    expect(mem.allocs.size).toBe(0);
    expect(mem.mapped.size).toBe(0);
    expect(() => c.start()).toThrow(/start needs an initialized collector/);
    c.finalize(); // safe on a never-initialized collector
  });

  test('finalize exactly once; use after finalize is an error; a fresh collector re-inits', async () => {
    const { ctx, mem } = fakeContext('a5');
    const c = createCollector(ctx, { name: 'pmu', eventGroup: 2 });
    c.init();
    c.start();
    c.finalize();
    c.finalize();
    expect(mem.allocs.size).toBe(0);
    await expect(c.exportFiles('/tmp', { incomplete: false })).rejects.toMatchObject({ code: CollectorErrorCode.InvalidState });
    expect(() => c.init()).toThrow(CollectorError);
    const again = createCollector(ctx, { name: 'pmu', eventGroup: 2 });
    again.init();
    again.finalize();
    expect(mem.allocs.size).toBe(0);
  });

  test('unknown collector names are typed errors', () => {
    const { ctx } = fakeContext('a2a3');
    expect(() => createCollector(ctx, { name: 'depGen' } as never)).toThrow(/unknown collector "depGen"/);
  });
});
