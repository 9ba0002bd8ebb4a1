// The parsers of a run's files on bad input (typed errors naming file and field), task ids across
// their three spellings, tensor previews, readRun on a directory that is not a run, and the page's
// embedding of data.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseDumpManifest, parseL2PerfRecords, parsePmuCsv, parseRunJson, parseScopeStats, parseTaskId, readRun, scriptSafeJson, tensorPreview } from '../src';

const badFile = (file: string, text: RegExp) => expect.objectContaining({ code: 'RESULTS_BAD_FILE', file, message: expect.stringMatching(text) });

test('task ids: a number, a decimal string and 0x hex are the same id; anything else is a bad file', () => {
  expect([parseTaskId(5, 'f', 'w'), parseTaskId('5', 'f', 'w'), parseTaskId('0x0000000000000005', 'f', 'w')]).toEqual([5, 5, 5]);
  expect(() => parseTaskId('0x0020000000000000', 'f', 'tasks[0]')).toThrow(badFile('f', /beyond 2\^53/));
  expect(() => parseTaskId(-1, 'f', 'w')).toThrow(badFile('f', /expected a task id/));
  expect(() => parseTaskId('abc', 'f', 'w')).toThrow(badFile('f', /expected a task id/));
});

test('bad JSON, missing fields and wrong types name the file and the field', () => {
  expect(() => parseRunJson('{', 'run.json')).toThrow(badFile('run.json', /not valid JSON/));
  expect(() => parseRunJson('{"status": "ok"}', 'run.json')).toThrow(badFile('run.json', /run\.arch: expected a string/));
  expect(() => parseL2PerfRecords('{"l2_perf_level": 1, "tasks": [{"task_id": 0}]}', 'l2.json')).toThrow(badFile('l2.json', /tasks\[0\]\.func_id: expected a number/));
  expect(() => parseScopeStats('', 's.jsonl')).toThrow(badFile('s.jsonl', /metadata line/));
  expect(() => parseDumpManifest('[]', 'm.json')).toThrow(badFile('m.json', /expected an object/));
  expect(() => parsePmuCsv('a,b\n1,2\n', 'pmu.csv')).toThrow(badFile('pmu.csv', /expected the columns/));
  expect(() => parsePmuCsv('thread_id,core_id,task_id,func_id,core_type,pmu_total_cycles,x,event_type\n0,0,zz,0,0,1,2,2\n', 'pmu.csv')).toThrow(badFile('pmu.csv', /row 2 task_id/));
});

test('run.json: unknown fields are kept, not rejected', () => {
  const info = parseRunJson(
    JSON.stringify({ schemaVersion: 2, files: ['run.json'], status: 'ok', arch: 'a5', platform: 'a5sim', simulated: true, deviceId: 0, blockDim: 1, aicpuThreads: 7, deviceWallNs: '12', collectors: [] }),
  );
  expect(info.raw.schemaVersion).toBe(2);
  expect(info.deviceWallNs).toBe(12n);
  expect(info.tasks).toEqual([]);
});

test('tensor previews: statistics over finite values; a heatmap for 2-D, a histogram for 1-D', () => {
  const p = tensorPreview(Float32Array.from([1, 2, 3, NaN, 5, 6]), [2, 3]);
  expect({ min: p.min, max: p.max, mean: p.mean, nonFinite: p.nonFinite }).toEqual({ min: 1, max: 6, mean: 17 / 5, nonFinite: 1 });
  expect(p.picture).toEqual({ kind: 'heatmap', rows: 2, cols: 3, cells: [1, 2, 3, 0, 5, 6] });
  const big = tensorPreview(new Float32Array(256 * 256).fill(2), [256, 256]);
  expect(big.picture).toMatchObject({ kind: 'heatmap', rows: 48, cols: 48 });
  const h = tensorPreview(Int32Array.from([0, 0, 10]), [3]);
  expect(h.picture.kind).toBe('histogram');
  expect(h.picture.kind === 'histogram' && [h.picture.bins[0], h.picture.bins[23]]).toEqual([2, 1]);
});

test('readRun on a directory that is not a run names the runs below it', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'npurun-notarun-'));
  try {
    fs.mkdirSync(path.join(root, 'w', 'c1'), { recursive: true });
    fs.writeFileSync(path.join(root, 'w', 'c1', 'run.json'), '{}');
    expect(() => readRun(root)).toThrow(expect.objectContaining({ code: 'RESULTS_NOT_A_RUN', message: expect.stringContaining(path.join('w', 'c1')) }));
    expect(() => readRun(path.join(root, 'missing'))).toThrow(expect.objectContaining({ code: 'RESULTS_NOT_A_RUN' }));
    expect(() => readRun(path.join(root, 'w', 'c1'))).toThrow(expect.objectContaining({ code: 'RESULTS_BAD_FILE' }));
    expect(() => readRun('')).toThrow(expect.objectContaining({ code: 'RESULTS_INVALID_ARGUMENT' }));
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('data embedded in the page cannot close its script element', () => {
  const s = scriptSafeJson({ label: '</script><script>alert(1)</script>', ok: '\u2028' });
  expect(s).not.toContain('</script');
  expect(JSON.parse(s)).toEqual({ label: '</script><script>alert(1)</script>', ok: '\u2028' });
});
