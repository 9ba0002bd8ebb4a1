import { EXACT, FLOAT_1E3, MismatchLog, compareTensor, withinTolerance } from '../../src/workloads';

describe('withinTolerance', () => {
  test('exact: equal values only (0 and -0 alike), NaN never', () => {
    expect(withinTolerance(1, 1, EXACT)).toBe(true);
    expect(withinTolerance(0, -0, EXACT)).toBe(true);
    expect(withinTolerance(1, Math.fround(1 + 1e-7), EXACT)).toBe(false);
    expect(withinTolerance(Number.NaN, Number.NaN, EXACT)).toBe(false);
  });
  test('1e-3: |a - e| <= atol + rtol |e|', () => {
    expect(withinTolerance(0, 0.00099, FLOAT_1E3)).toBe(true);
    expect(withinTolerance(0, 0.0011, FLOAT_1E3)).toBe(false);
    expect(withinTolerance(100, 100.1, FLOAT_1E3)).toBe(true); // 0.1 <= 0.001 + 0.1
    expect(withinTolerance(100, 100.2, FLOAT_1E3)).toBe(false);
    expect(withinTolerance(1, Number.NaN, FLOAT_1E3)).toBe(false);
  });
});

describe('compareTensor', () => {
  test('counts every mismatch, keeps the first ones with index, values and run', () => {
    const log = new MismatchLog(2);
    const found = compareTensor(log, 'f', [1, 2, 3, 4], [1, 0, 3, 0], EXACT, 3);
    compareTensor(log, 'g', [5], [6], EXACT);
    expect(found).toBe(2);
    expect(log.count).toBe(3);
    expect(log.first).toEqual([
      { tensor: 'f', index: 1, expected: 2, actual: 0, run: 3 },
      { tensor: 'f', index: 3, expected: 4, actual: 0, run: 3 },
    ]);
  });
  test('a length difference mismatches at every missing index', () => {
    const log = new MismatchLog();
    expect(compareTensor(log, 'x', [1, 2, 3], [1], EXACT)).toBe(2);
  });
});
