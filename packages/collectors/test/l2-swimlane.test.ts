import * as fs from 'node:fs';
import Ajv from 'ajv';
import { L2SwimlaneCollector, l2Geometry, l2Layout } from '../src';
import { l2RegionOffsets } from '../src/l2-swimlane/layout';
import { fakeContext, letDrain, tmpDir } from './helpers/harness';
import { TsProducer } from './helpers/ts-producer';
import { checkTrace } from './helpers/trace-check';
import { l2PerfRecordsSchema } from './schemas';

const L = l2Layout;

test('a2a3 level 4: task + AI Core timing join, phases, core map, JSON schema and trace with flows', async () => {
  const { ctx, mem } = fakeContext('a2a3', { numCores: 6, aicpuThreads: 2 });
  const c = new L2SwimlaneCollector(ctx, { level: 4 });
  const addr = c.init();
  expect(addr.ringTable).toBeDefined();
  const geo = l2Geometry('a2a3', 6, 4);
  const off = l2RegionOffsets('a2a3', 6);
  const S = L.L2PerfBufferState;
  const A = L.L2PerfAicoreBufferState;
  const taskP = (core: number) => {
    const at = off.taskStates + core * S.size;
    return new TsProducer(mem, addr.dataBase, geo, { pool: core, thread: core % 2, totalOffset: at + S.offsetOf('totalRecordCount'), droppedOffset: at + S.offsetOf('droppedRecordCount') });
  };
  const coreP = (core: number) => {
    const at = off.aicoreStates + core * A.size;
    return new TsProducer(mem, addr.dataBase, geo, { pool: 6 + 4 + core, thread: core % 2, totalOffset: at + A.offsetOf('totalRecordCount'), droppedOffset: at + A.offsetOf('droppedRecordCount') });
  };
  const phaseP = (t: number) => {
    const at = off.phaseStates + t * S.size;
    return new TsProducer(mem, addr.dataBase, geo, { pool: 6 + t, thread: t, totalOffset: at + S.offsetOf('totalRecordCount'), droppedOffset: at + S.offsetOf('droppedRecordCount') });
  };
  const tasks = [0, 1, 2, 3, 4, 5].map(taskP);
  const timings = [0, 1, 2, 3, 4, 5].map(coreP);
  const phases = [phaseP(0), phaseP(1)];
  [...tasks, ...timings, ...phases].forEach((p) => p.begin());
  // the AI CPU publishes its phase header and core map
  const ph = mem.view(addr.dataBase + BigInt(off.phaseHeader), 128);
  ph.setUint32(0, L.PHASE_MAGIC, true);
  ph.setUint32(4, 2, true);
  for (let i = 0; i < 6; i++) ph.setInt8(16 + i, i % 2);
  c.start();
  const R = L.L2PerfRecordA2a3;
  const T = L.L2PerfAicoreRecord;
  const P = L.AicpuPhaseRecord;
  const base = 1_000_000n;
  const N = 2500; // per core: 1000-record task buffers and 1024-record timing buffers recycle
  for (let i = 0; i < N; i++) {
    for (let core = 0; core < 6; core++) {
      const id = BigInt(core * N + i);
      const start = base + id * 100n + 10n;
      // timing records arrive first for even i, after the task record for odd i
      const writeTiming = () => timings[core]!.append((v) => {
        v.setBigUint64(T.offsetOf('startTime'), start, true);
        v.setBigUint64(T.offsetOf('endTime'), start + 50n, true);
        v.setUint32(T.offsetOf('taskId'), i, true);
      });
      if (i % 2 === 0) writeTiming();
      tasks[core]!.append((v) => {
        v.setBigUint64(R.offsetOf('dispatchTime'), start - 5n, true);
        v.setBigUint64(R.offsetOf('finishTime'), start + 60n, true);
        v.setBigUint64(R.offsetOf('taskId'), id, true);
        v.setUint32(R.offsetOf('funcId'), core % 3, true);
        v.setInt32(R.offsetOf('coreType'), core < 2 ? 0 : 1, true);
        v.setUint32(R.offsetOf('regTaskId'), i, true);
      });
      if (i % 2 === 1) writeTiming();
    }
    if (i % 50 === 0) {
      phases[i % 2]!.append((v) => {
        v.setBigUint64(P.offsetOf('startTime'), base + BigInt(i) * 600n, true);
        v.setBigUint64(P.offsetOf('endTime'), base + BigInt(i) * 600n + 7n, true);
        v.setUint32(P.offsetOf('phaseId'), 1, true);
        v.setBigUint64(P.offsetOf('taskId'), 3n, true);
        v.setUint32(P.offsetOf('extra1'), 2, true);
      });
      phases[0]!.append((v) => {
        v.setBigUint64(P.offsetOf('startTime'), base + BigInt(i) * 600n + 1n, true);
        v.setBigUint64(P.offsetOf('endTime'), base + BigInt(i) * 600n + 9n, true);
        v.setUint32(P.offsetOf('phaseId'), 25, true);
        v.setUint32(P.offsetOf('loopIter'), i, true);
        v.setBigUint64(P.offsetOf('taskId'), BigInt(i), true);
      });
      await letDrain();
    }
  }
  [...tasks, ...phases].forEach((p) => p.flush());
  // AI Core buffers are flushed with their live count stamped, as the AI CPU does at exit
  timings.forEach((p) => p.flush());
  await c.stop();
  const s = await c.reconcile();
  expect(s.notes).toEqual([]);
  expect(s.clean).toBe(true);
  expect(s.dropped).toBe(0);
  expect(s.collected).toBe(s.total);
  expect(s.total).toBe(6 * N * 2 + 50 + 50);
  const out = tmpDir('l2');
  const edges = [{ pred: 0n, succ: 1n }, { pred: 1n, succ: BigInt(N) }, { pred: 0n, succ: 1n }, { pred: 999_999n, succ: 1n }];
  const [jsonPath, tracePath] = await c.exportFiles(out, { incomplete: false, dependencyEdges: edges, kernelNames: new Map([[0, 'matmul']]) });
  const doc = JSON.parse(fs.readFileSync(jsonPath!, 'utf8'));
  const ajv = new Ajv({ allErrors: true });
  expect(ajv.validate(l2PerfRecordsSchema, doc)).toBe(true);
  expect(doc.tasks).toHaveLength(6 * N);
  expect(doc.core_to_thread).toEqual([0, 1, 0, 1, 0, 1]);
  expect(doc.aicpu_scheduler_phases).toHaveLength(4);
  expect(doc.aicpu_scheduler_phases[0].length + doc.aicpu_scheduler_phases[1].length).toBe(50);
  expect(doc.aicpu_orchestrator_phases[0]).toHaveLength(50);
  const t1 = doc.tasks.find((t: { task_id: number }) => t.task_id === N + 7);
  // 50 MHz: one cycle is 0.02 µs; the base is the first phase start (1_000_000): (2507*100 + 10) cycles
  expect(t1).toMatchObject({ core_id: 1, func_id: 1, core_type: 'aic', ring_id: 0, duration_us: 1, start_time_us: 5014.2 });
  const text = fs.readFileSync(jsonPath!, 'utf8');
  expect(text).toMatch(/"duration_us": 1\.000/);
  const trace = JSON.parse(fs.readFileSync(tracePath!, 'utf8'));
  const check = checkTrace(trace);
  expect(check.tasks).toBe(6 * N);
  expect(check.flows).toBe(2); // duplicate edge folded, unknown producer skipped
  expect(trace.traceEvents.some((e: { name: string; ph: string }) => e.ph === 'X' && e.name === 'matmul')).toBe(true);
  c.finalize();
  expect(mem.allocs.size).toBe(0);
  expect(mem.mapped.size).toBe(0);
});

test('a5 level 2 (shadow): device-joined records with fan-out; unwritten timing excluded', async () => {
  const { ctx, mem } = fakeContext('a5', { numCores: 3, aicpuThreads: 1 });
  const c = new L2SwimlaneCollector(ctx, { level: 2 });
  const addr = c.init();
  expect(addr.perCoreRings).toHaveLength(3);
  const geo = l2Geometry('a5', 3, 2);
  const off = l2RegionOffsets('a5', 3);
  const S = L.L2PerfBufferState;
  const R = L.L2PerfRecordA5;
  const p = new TsProducer(mem, addr.dataBase, geo, { pool: 1, thread: 0, totalOffset: off.taskStates + S.size + S.offsetOf('totalRecordCount'), droppedOffset: off.taskStates + S.size + S.offsetOf('droppedRecordCount') });
  p.begin();
  c.start();
  for (let i = 0; i < 1500; i++) {
    p.append((v) => {
      v.setBigUint64(R.offsetOf('startTime'), i === 7 ? 0n : 1000n + BigInt(i), true);
      v.setBigUint64(R.offsetOf('endTime'), 1500n + BigInt(i), true);
      v.setBigUint64(R.offsetOf('taskId'), BigInt(i), true);
      v.setInt32(R.offsetOf('fanoutCount'), i % 3, true);
      for (let k = 0; k < i % 3; k++) v.setBigUint64(R.offsetOf('fanout') + 8 * k, BigInt(i + k + 1), true);
    });
    if (i % 300 === 0) await letDrain();
  }
  p.flush();
  const s = await c.reconcile();
  expect(s).toMatchObject({ collected: 1500, total: 1500, clean: true });
  expect(s.notes.join(' ')).toMatch(/1 task record\(s\) had no AI Core timing/);
  const [jsonPath] = await c.exportFiles(tmpDir('l2a5'), { incomplete: false });
  const doc = JSON.parse(fs.readFileSync(jsonPath!, 'utf8'));
  expect(new Ajv().validate(l2PerfRecordsSchema, doc)).toBe(true);
  expect(doc.tasks).toHaveLength(1499);
  expect(doc.tasks[5]).toMatchObject({ task_id: 5, fanout: [6, 7], fanout_count: 2, start_time_us: 0.005, duration_us: 0.5 });
  c.finalize();
  expect(mem.allocs.size).toBe(0);
});

test('an entry of an unknown kind is skipped, not read as another kind', async () => {
  const { ctx, mem } = fakeContext('a2a3', { numCores: 3, aicpuThreads: 1 });
  const c = new L2SwimlaneCollector(ctx, { level: 1 });
  const addr = c.init();
  const geo = l2Geometry('a2a3', 3, 1);
  const v = mem.view(addr.dataBase, geo.sharedBytes);
  const rq = geo.readyQueues;
  v.setUint32(rq.entriesOffset, 0, true);
  v.setUint32(rq.entriesOffset + 4, 7, true); // bad kind
  v.setBigUint64(rq.entriesOffset + 8, 0x1234n, true);
  v.setUint32(rq.tailsOffset, 1, true);
  c.start();
  await letDrain();
  const s = await c.reconcile();
  expect(s.clean).toBe(false);
  expect(s.notes.join(' ')).toMatch(/named no known buffer/);
  c.finalize();
});

test('level is validated', () => {
  const { ctx } = fakeContext('a2a3');
  expect(() => new L2SwimlaneCollector(ctx, { level: 5 })).toThrow(/level must be 1, 2, 3 or 4 \(got 5\)/);
});
