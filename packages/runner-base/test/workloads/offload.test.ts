/**
 * The workloads' heavy host work off the caller's event loop: jobs on worker threads give the same
 * bits as the functions run inline, hand their inputs over instead of copying them, and report
 * failures; the sliced comparison finds exactly the mismatches the one-shot one finds.
 */
import * as fs from 'node:fs';
import { TimeSlicer } from '@npurun/collectors';
import {
  ComputePool,
  EXACT,
  FLOAT_1E3,
  MismatchLog,
  TILE_ELEMS,
  addTilesGolden,
  compareTensor,
  compareTensorSliced,
  matmulTilesGolden,
  runComputeJob,
  seededNormalF32,
} from '../../src/workloads';

describe('compute pool', () => {
  const pool = new ComputePool(2);
  afterAll(() => pool.close());

  test('inputs and goldens computed in workers equal the inline results bit for bit', async () => {
    const [a, b, x, y] = await Promise.all([
      pool.run({ op: 'normalF32', length: 2 * TILE_ELEMS, seed: 42, scale: 0.01 }),
      pool.run({ op: 'normalF32', length: 2 * TILE_ELEMS, seed: 43, scale: 0.01 }),
      pool.run({ op: 'normalF32', length: 1000, seed: 44, scale: 1 }),
      pool.run({ op: 'normalF32', length: 1000, seed: 45, scale: 1 }),
    ]);
    expect(a).toEqual(seededNormalF32(2 * TILE_ELEMS, 42, 0.01));
    expect(y).toEqual(seededNormalF32(1000, 45, 1));
    const expectedC = matmulTilesGolden(a, b);
    const expectedZ = addTilesGolden(x, y);
    const [c, z] = await Promise.all([pool.run({ op: 'matmulTilesGolden', a, b }), pool.run({ op: 'addTilesGolden', x, y })]);
    expect(c).toEqual(expectedC);
    expect(z).toEqual(expectedZ);
    // The inputs were handed over, not copied.
    expect(a.length).toBe(0);
    expect(x.byteLength).toBe(0);
    expect(runComputeJob({ op: 'normalF32', length: 3, seed: 1, scale: 2 })).toEqual(seededNormalF32(3, 1, 2));
  });

  test("a job's error comes back with its name and message", async () => {
    const err = await pool.run({ op: 'matmulTilesGolden', a: new Float32Array(TILE_ELEMS), b: new Float32Array(5) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/matmulTilesGolden/);
    // The worker survived the job's error.
    expect(await pool.run({ op: 'normalF32', length: 2, seed: 9, scale: 1 })).toEqual(seededNormalF32(2, 9, 1));
  });

  test("a worker runs below the caller's priority; the caller's thread keeps its own", async () => {
    /** The nice value of each of this process's threads, by thread id. */
    const niceByThread = (): Map<string, number> =>
      new Map(
        fs.readdirSync('/proc/self/task').map((tid) => {
          const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
          return [tid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])] as const; // field 19: nice
        }),
      );
    const own = niceByThread().get(String(process.pid))!;
    const fresh = new ComputePool(1);
    try {
      const before = niceByThread();
      await fresh.run({ op: 'normalF32', length: 4, seed: 1, scale: 1 });
      const added = [...niceByThread()].filter(([tid]) => !before.has(tid)).map(([, nice]) => nice);
      expect(added).toContain(Math.min(19, own + 10)); // the worker's thread
      expect(niceByThread().get(String(process.pid))).toBe(own);
    } finally {
      await fresh.close();
    }
  });

  test('a worker that goes away fails its pending jobs with WORKLOAD_COMPUTE_FAILED', async () => {
    const small = new ComputePool(1);
    const pending = small.run({ op: 'matmulTilesGolden', a: new Float32Array(8 * TILE_ELEMS), b: new Float32Array(8 * TILE_ELEMS) });
    await small.close();
    await expect(pending).rejects.toMatchObject({ code: 'WORKLOAD_COMPUTE_FAILED' });
    // A closed pool starts a fresh worker for the next job.
    expect(await small.run({ op: 'normalF32', length: 4, seed: 3, scale: 1 })).toEqual(seededNormalF32(4, 3, 1));
    await small.close();
  });
});

describe('compareTensorSliced', () => {
  test('finds the same mismatches as compareTensor, in the same order, across chunks', async () => {
    const n = 300_000;
    const expected = seededNormalF32(n, 5, 1);
    const actual = expected.slice();
    for (const i of [0, 1, 65535, 65536, 131071, 200000, n - 1]) actual[i] = actual[i]! + 1;
    actual[7] = Number.NaN;
    for (const [tol, longer] of [
      [EXACT, false],
      [FLOAT_1E3, true],
    ] as const) {
      const act = longer ? Float32Array.from([...actual, 1, 2]) : actual;
      const a = new MismatchLog(5);
      const b = new MismatchLog(5);
      const na = compareTensor(a, 't', expected, act, tol, 2);
      const nb = await compareTensorSliced(b, 't', expected, act, tol, 2, new TimeSlicer(0));
      expect(nb).toBe(na);
      expect(b.count).toBe(a.count);
      expect(b.first).toEqual(a.first);
    }
  });
});
