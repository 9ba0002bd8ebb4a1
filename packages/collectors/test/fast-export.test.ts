/**
 * The byte-formatted exports against the string-built writers they replaced: on the same records
 * they must produce the same bytes. The records are synthetic and cover the corners: zero and
 * pre-base timestamps, ties at the third decimal, 64-bit task ids, fan-out, every level and arch,
 * labels with quotes and non-ASCII text, dependency-only tasks, device edges, PMU tracks, scopes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Arch } from '@npurun/hal-native';
import {
  L2TaskStore,
  PMU_EVENT_TABLES,
  RecordSpool,
  TextFileWriter,
  formatScopeStatsMetadata,
  formatScopeStatsRecord,
  hexTaskId,
  pmuCsvColumns,
  pmuEventGroupLabel,
  phaseClassOf,
  writeL2PerfJson,
  writeL2PerfJsonText,
  writeSwimlaneTrace,
  type HostTask,
  type L2TaskRow,
  type PmuSample,
  type ScopeBoundary,
  type TraceMeta,
} from '../src';
import { ascii, ByteOut, MemorySink } from '../src/export/byte-out';
import { TimeSlicer } from '../src/framework/slicer';
import { AicpuPhaseRecord } from '../src/l2-swimlane/layout';
import { formatCsvRows } from '../src/pmu/csv';
import { writePmuCsv } from '../src/pmu/csv-export';
import { PmuRecord } from '../src/pmu/layout';
import { writeScopeStatsJsonl } from '../src/scope-stats/export';
import { ScopeStatsRecord } from '../src/scope-stats/layout';
import { DUMP_ROW_BYTES, DUMP_ROW_LAYOUT } from '../src/tensor-dump/collector';
import { DUMP_MANIFEST_TAIL, decodeDumpRow, formatDumpManifestEntry, formatDumpManifestHead, writeDumpManifest } from '../src/tensor-dump/manifest';
import { tmpDir } from './helpers/harness';
import { writeSwimlaneTraceText } from './helpers/reference-trace';

/** A small deterministic generator (the tests must not depend on Math.random). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

describe('ByteOut prints what JavaScript prints', () => {
  const print = (fn: (w: ByteOut) => void): string => {
    const sink = new MemorySink();
    const w = new ByteOut(sink, 4096);
    fn(w);
    void w.flush();
    return sink.text();
  };

  test('integers: u32, uint, int, number, u64, bigint, hex16', () => {
    const r = rng(7);
    const ints = [0, 1, 9, 10, 99, 100, 999, 1000, 65535, 4294967295, 4294967296, 999999999, 1000000000, 1e15, 2 ** 53 - 1, 9007199000000000];
    for (let i = 0; i < 2000; i++) ints.push(Math.floor(r() * 2 ** (1 + Math.floor(r() * 52))));
    for (const n of ints) {
      expect(print((w) => w.uint(n))).toBe(String(n));
      expect(print((w) => w.int(-n))).toBe(String(-n));
      expect(print((w) => w.number(n))).toBe(String(n));
      if (n < 2 ** 32) expect(print((w) => w.u32(n))).toBe(String(n));
    }
    for (const n of [0.5, -1.25, 1e21, NaN, Infinity, -0]) expect(print((w) => w.number(n))).toBe(String(n));
    const big = [0n, 1n, 4294967295n, 4294967296n, (1n << 53n) - 1n, 1n << 53n, (1n << 64n) - 1n, 0x123456789abcdef0n];
    for (let i = 0; i < 500; i++) big.push((BigInt(Math.floor(r() * 2 ** 32)) << 32n) | BigInt(Math.floor(r() * 2 ** 32)));
    for (const b of big) {
      const low = Number(b & 0xffffffffn);
      const high = Number(b >> 32n);
      expect(print((w) => w.u64(low, high))).toBe(b.toString());
      expect(print((w) => w.bigint(b))).toBe(b.toString());
      expect(print((w) => w.hex16(low, high))).toBe(`0x${b.toString(16).padStart(16, '0')}`);
    }
    expect(print((w) => w.bigint(-5n))).toBe('-5');
  });

  test('fixed3 is toFixed(3), ties and huge values included', () => {
    const r = rng(11);
    const xs = [0, -0, 0.0005, 0.0015, 0.0625, 1.0005, 2.5, 1e-7, 123.4565, 4294967.2955, 4294967295.9995, 4294967296.0005, 1e12 + 0.0005, 1e20, 1e21, 1e22, -1.5, -0.0004, NaN, Infinity];
    for (let i = 0; i < 20000; i++) xs.push(r() * 10 ** Math.floor(r() * 13));
    // Exact ties in decimal (x·1000 = k + 0.5), the case where doubles are least trustworthy.
    for (let i = 0; i < 20000; i++) xs.push((Math.floor(r() * 1e12) + 0.5) / 1000);
    // Cycle counts over the arches' clocks, as the exports compute them.
    for (let i = 0; i < 20000; i++) {
      const d = Math.floor(r() * 2 ** 40);
      xs.push((d * 1e6) / 50_000_000, (d * 1e6) / 1_000_000_000, (d * 1e6) / 1_800_000_000);
    }
    for (const x of xs) expect(print((w) => w.fixed3(x))).toBe(x.toFixed(3));
  });

  test('strings: latin1, utf8, JSON strings, raw bytes, literals across chunk boundaries', () => {
    const words = ['', 'a', 'dispatch', 'naïve "quoted" \\ back', '漢字 and emoji 😀', 'line\nbreak\ttab\u0001', 'x'.repeat(10000)];
    for (const s of words) {
      expect(print((w) => w.utf8(s))).toBe(s);
      expect(print((w) => w.jsonString(s))).toBe(JSON.stringify(s));
    }
    expect(print((w) => w.latin1('0123456789'))).toBe('0123456789');
    expect(print((w) => w.raw(Buffer.from('raw bytes')))).toBe('raw bytes');
    expect(() => new ByteOut(new MemorySink()).lit({ text: '', length: 0, words: new Float64Array(0) })).not.toThrow();
    // Every ASCII byte survives the 8-byte words literals are stored as, at any length and offset.
    const all = Array.from({ length: 128 }, (_, i) => String.fromCharCode(i)).join('');
    for (let len = 0; len <= 20; len++) {
      for (const start of [0, 1, 119]) {
        const text = all.slice(start, start + len) + '\x7f'.repeat(len % 3);
        expect(print((w) => (w.byte(120), w.lit(ascii(text)), w.byte(121)))).toBe(`x${text}y`);
      }
    }
    expect(() => ascii('café')).toThrow(RangeError);
    const sink = new MemorySink();
    const w = new ByteOut(sink, 64);
    let expected = '';
    for (let i = 0; i < 500; i++) {
      w.reserve(64);
      w.u32(i);
      w.byte(44);
      expected += `${i},`;
    }
    void w.flush();
    expect(sink.text()).toBe(expected);
    expect(w.written).toBe(expected.length);
  });

  test('chunks a sink gives back are reused, and never while the sink still holds them', () => {
    // A sink that holds each chunk for a while (as a file does until it is written), checks the
    // bytes are unchanged when it gives the chunk back, and counts distinct chunk memories.
    const held: Array<{ chunk: Uint8Array; copy: Buffer; release: (() => void) | undefined }> = [];
    const out: Buffer[] = [];
    const memories = new Set<ArrayBufferLike>();
    const giveBack = (): void => {
      const h = held.shift()!;
      expect(Buffer.from(h.chunk).equals(h.copy)).toBe(true);
      h.release?.();
    };
    const sink = {
      writeBytes(chunk: Uint8Array, release?: () => void): undefined {
        memories.add(chunk.buffer);
        out.push(Buffer.from(chunk));
        held.push({ chunk, copy: Buffer.from(chunk), release });
        if (held.length > 3) giveBack();
        return undefined;
      },
    };
    const w = new ByteOut(sink, 256);
    let expected = '';
    for (let i = 0; i < 5000; i++) {
      w.reserve(64);
      w.u32(i * 7919);
      w.byte(44);
      expected += `${i * 7919},`;
    }
    void w.flush();
    while (held.length > 0) giveBack();
    expect(Buffer.concat(out).toString()).toBe(expected);
    // 5000 records in 256-byte chunks: over a hundred chunks from a few memories (the first
    // smaller chunks, plus the full-size ones in flight at once).
    expect(out.length).toBeGreaterThan(100);
    expect(memories.size).toBeLessThan(10);
  });
});

/** A task row; `i` decides the corner it exercises. */
function taskRow(i: number, arch: Arch, r: () => number): L2TaskRow {
  const core = i % 9;
  const start = 1_000_000n + BigInt(i) * 37n + BigInt(Math.floor(r() * 5));
  const end = start + BigInt(Math.floor(r() * 400));
  return {
    // A few ids with a ring in the high word, one beyond 2^53.
    taskId: i === 5 ? (1n << 63n) + 17n : BigInt(i) | (i % 7 === 3 ? 2n << 32n : 0n),
    start,
    end: i % 13 === 0 ? start - 2n : end, // an end before its start: a duration of zero
    dispatch: i % 11 === 0 ? 0n : start - BigInt(Math.floor(r() * 30)),
    finish: i % 17 === 0 ? 0n : end + 3n,
    funcId: i % 4,
    coreId: core,
    coreType: core < 3 ? 0 : 1,
    fanout: arch === 'a5' && i % 3 === 0 ? [BigInt(i + 1), BigInt(i + 2), (1n << 60n) + BigInt(i)] : [],
  };
}

/** A store of `n` tasks and some phases of both classes on three threads. */
function makeStore(dir: string, arch: Arch, n: number, seed: number): L2TaskStore {
  const r = rng(seed);
  const store = new L2TaskStore(dir, 3);
  for (let i = 0; i < n; i++) store.addTask(taskRow(i, arch, r));
  const rec = new Uint8Array(AicpuPhaseRecord.size);
  const v = new DataView(rec.buffer);
  const P = (f: Parameters<typeof AicpuPhaseRecord.offsetOf>[0]) => AicpuPhaseRecord.offsetOf(f);
  const ids = arch === 'a2a3' ? [0, 1, 25, 7] : [0, 1, 2, 3, 16, 19, 24, 30];
  for (let k = 0; k < 3000; k++) {
    const t = k % 3;
    const id = ids[k % ids.length]!;
    const s = 999_990n + BigInt(k) * 11n;
    v.setBigUint64(P('startTime'), s, true);
    v.setBigUint64(P('endTime'), s + BigInt(k % 9), true);
    v.setUint32(P('loopIter'), k, true);
    v.setUint32(P('phaseId'), id, true);
    v.setBigUint64(P('taskId'), k % 10 === 0 ? (1n << 62n) + BigInt(k) : BigInt(k % 700), true);
    v.setUint32(P('extra1'), k * 3, true);
    v.setUint32(P('extra2'), k * 5, true);
    store.addPhase(t, phaseClassOf(arch, id), rec, 0);
  }
  return store;
}

async function writeBoth(dir: string, name: string, text: (out: TextFileWriter) => Promise<void>, bytes: (out: TextFileWriter) => Promise<void>): Promise<[Buffer, Buffer]> {
  const a = path.join(dir, `${name}.text`);
  const b = path.join(dir, `${name}.bytes`);
  const wa = await TextFileWriter.open(a, 'test');
  await text(wa);
  await wa.close();
  const wb = await TextFileWriter.open(b, 'test');
  await bytes(wb);
  await wb.close();
  return [fs.readFileSync(a), fs.readFileSync(b)];
}

describe('l2_perf_records.json: byte formatter = string writer', () => {
  for (const arch of ['a2a3', 'a5'] as const) {
    for (const level of [1, 2, 3, 4]) {
      test(`${arch} level ${level}`, async () => {
        const dir = tmpDir('fast-json');
        const store = makeStore(dir, arch, 9000, level);
        try {
          for (const hz of [50_000_000, 1_000_000_000]) {
            const meta = { arch, level, timestampHz: hz, coreToThread: level >= 3 ? [0, 1, 2, 0, -1] : undefined, incomplete: level === 2 };
            const [a, b] = await writeBoth(dir, `json-${hz}`, (o) => writeL2PerfJsonText(o, store, meta), (o) => writeL2PerfJson(o, store, meta, new TimeSlicer(1)));
            expect(b.length).toBe(a.length);
            expect(b.equals(a)).toBe(true);
            JSON.parse(b.toString('utf8'));
          }
        } finally {
          store.dispose();
          fs.rmSync(dir, { recursive: true, force: true });
        }
      });
    }
  }

  test('more rows than one off-thread formatting block (16 384), and blocks that fill before their rows end', async () => {
    const dir = tmpDir('fast-json-blocks');
    const store = makeStore(dir, 'a5', 40_000, 9);
    try {
      const meta = { arch: 'a5' as const, level: 2, timestampHz: 1_000_000_000, coreToThread: undefined, incomplete: false };
      const [a, b] = await writeBoth(dir, 'blocks', (o) => writeL2PerfJsonText(o, store, meta), (o) => writeL2PerfJson(o, store, meta));
      expect(b.length).toBeGreaterThan(4 * 2 ** 20); // more than one 4 MiB output block
      expect(b.equals(a)).toBe(true);
    } finally {
      store.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an empty store', async () => {
    const dir = tmpDir('fast-json-empty');
    const store = new L2TaskStore(dir, 2);
    try {
      for (const level of [1, 4]) {
        const meta = { arch: 'a5' as const, level, timestampHz: 1e9, coreToThread: undefined, incomplete: false };
        const [a, b] = await writeBoth(dir, `empty-${level}`, (o) => writeL2PerfJsonText(o, store, meta), (o) => writeL2PerfJson(o, store, meta));
        expect(b.toString()).toBe(a.toString());
      }
    } finally {
      store.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('swimlane.trace.json: byte formatter = string writer', () => {
  const hostTasks = (n: number): HostTask[] => {
    const tasks: HostTask[] = [];
    for (let i = 0; i < n; i++) {
      const dummy = i % 50 === 49;
      tasks.push({
        id: i,
        kernel: dummy ? null : `kernel_${i % 4}`,
        ...(i % 3 === 0 ? { label: i % 9 === 0 ? `tile "${i}" — ü` : `task ${i}` } : {}),
        deps: i === 0 ? [] : i % 5 === 0 ? [i - 1, i - 2, i - 1] : [i - 1],
      });
    }
    return tasks;
  };
  const pmuSamples = (n: number): PmuSample[] => {
    const out: PmuSample[] = [];
    for (let i = 0; i < n; i += 2) out.push({ taskId: BigInt(i), coreId: i % 9, totalCycles: BigInt(i) * 1_000_003n, counters: [i, i * 7, 4294967295] });
    out.push({ taskId: 1n << 50n, coreId: 1, totalCycles: 5n, counters: [1, 2, 3] }); // no span: skipped
    return out;
  };
  const scopes = (): ScopeBoundary[] => {
    const b: ScopeBoundary[] = [];
    for (let k = 0; k < 40; k++) {
      const site = `orch.cpp:${10 + (k % 3)}`;
      const common = { site, depth: k % 3, ring: k % 2, taskWindowStart: 0, heapStart: 0n, tensormap: k };
      b.push({ ...common, phase: 'begin', taskWindowEnd: k * 10, heapEnd: BigInt(k) * 64n });
      b.push({ ...common, phase: 'end', taskWindowEnd: k * 10 + (k % 4), heapEnd: BigInt(k) * 64n + 4096n });
    }
    b.push({ site: 'x.cpp:1', phase: 'unknown', depth: 0, ring: 0, taskWindowStart: 0, taskWindowEnd: 0, heapStart: 0n, heapEnd: 0n, tensormap: 0 });
    return b;
  };

  const cases: Array<{ name: string; arch: Arch; meta: (n: number) => Partial<TraceMeta> }> = [
    { name: 'a2a3, records only', arch: 'a2a3', meta: () => ({}) },
    {
      name: 'a2a3, everything joined in',
      arch: 'a2a3',
      meta: (n) => ({
        kernelNames: new Map([
          [0, 'matmul'],
          [1, 'add "x"'],
        ]),
        edges: [
          { pred: 1n, succ: 3n },
          { pred: 2n, succ: 9n },
          { pred: 1n << 60n, succ: 2n },
        ],
        incomplete: true,
        inputs: {
          process: { pid: 424242, name: 'npurun a2a3sim dev 0 — test' },
          tasks: hostTasks(n),
          pmu: { counterNames: ['a', 'b "q"', 'c'], simulated: true, samples: () => pmuSamples(n) },
          scopes,
        },
      }),
    },
    { name: 'a5, host graph without dep_gen', arch: 'a5', meta: (n) => ({ inputs: { tasks: hostTasks(n), scopes } }) },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const dir = tmpDir('fast-trace');
      const n = 3000;
      const store = makeStore(dir, c.arch, n, 5);
      try {
        const meta: TraceMeta = { arch: c.arch, deviceId: 3, numCores: 9, timestampHz: c.arch === 'a2a3' ? 50_000_000 : 1_000_000_000, incomplete: false, ...c.meta(n) };
        const [a, b] = await writeBoth(dir, 'trace', (o) => writeSwimlaneTraceText(o, store, meta), (o) => writeSwimlaneTrace(o, store, meta, new TimeSlicer(1)));
        if (!b.equals(a)) {
          let i = 0;
          while (a[i] === b[i]) i++;
          throw new Error(`differ at byte ${i}:\n--- string writer\n${a.subarray(Math.max(0, i - 120), i + 120).toString()}\n--- byte writer\n${b.subarray(Math.max(0, i - 120), i + 120).toString()}`);
        }
        JSON.parse(b.toString('utf8'));
      } finally {
        store.dispose();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

describe('pmu.csv, scope_stats.jsonl and tensor_dump.json: byte formatter = per-row strings', () => {
  test('pmu.csv, both arches, every event group', async () => {
    const dir = tmpDir('fast-pmu');
    try {
      for (const arch of ['a2a3', 'a5'] as const) {
        const rec = PmuRecord[arch];
        const rowBytes = 8 + rec.size;
        const layout = {
          thread: 0,
          core: 4,
          taskId: 8 + rec.offsetOf('taskId'),
          funcId: 8 + rec.offsetOf('funcId'),
          coreType: 8 + rec.offsetOf('coreType'),
          cycles: 8 + rec.offsetOf('pmuTotalCycles'),
          counters: 8 + rec.offsetOf('pmuCounters'),
        };
        const spool = new RecordSpool(dir, `pmu-${arch}`, rowBytes, 256);
        const r = rng(3);
        for (let i = 0; i < 2000; i++) {
          const at = spool.nextRow();
          const v = spool.rowView;
          v.setInt32(at + layout.thread, i % 5 === 0 ? -1 : i % 4, true);
          v.setUint32(at + layout.core, i % 72, true);
          v.setBigUint64(at + layout.taskId, i % 9 === 0 ? (1n << 63n) + BigInt(i) : BigInt(i), true);
          v.setUint32(at + layout.funcId, i % 6, true);
          v.setInt32(at + layout.coreType, i % 3 === 0 ? -2 : i % 2, true);
          v.setBigUint64(at + layout.cycles, BigInt(Math.floor(r() * 2 ** 53)) * 1000n, true);
          for (let k = 0; k < 10; k++) v.setUint32(at + layout.counters + 4 * k, Math.floor(r() * 2 ** 32), true);
        }
        for (const table of PMU_EVENT_TABLES[arch].values()) {
          for (const simulated of [false, true]) {
            const label = pmuEventGroupLabel(table, simulated);
            const used = table.counterNames.map((n, i) => (n === '' ? -1 : i)).filter((i) => i >= 0);
            // The writer this replaced: rows of cells through csv-stringify.
            let expected = formatCsvRows([pmuCsvColumns(table)]);
            for (const chunk of spool.chunks(300)) {
              const rows: Array<Array<string | number | bigint>> = [];
              for (let i = 0; i < chunk.rows; i++) {
                const at = i * rowBytes;
                const v = chunk.view;
                const row: Array<string | number | bigint> = [
                  v.getInt32(at + layout.thread, true),
                  v.getUint32(at + layout.core, true),
                  hexTaskId(v.getBigUint64(at + layout.taskId, true)),
                  v.getUint32(at + layout.funcId, true),
                  v.getInt32(at + layout.coreType, true),
                  v.getBigUint64(at + layout.cycles, true),
                ];
                for (const slot of used) row.push(v.getUint32(at + layout.counters + 4 * slot, true));
                row.push(table.group, label);
                rows.push(row);
              }
              expected += formatCsvRows(rows);
            }
            const sink = new MemorySink();
            await writePmuCsv(sink, spool, layout, table, label, new TimeSlicer(1));
            expect(sink.text()).toBe(expected);
          }
        }
        spool.dispose();
      }
      // A label csv-stringify has to quote stays quoted the same way.
      const table = { ...PMU_EVENT_TABLES.a2a3.values().next().value!, name: 'odd, "name"' };
      const spool = new RecordSpool(dir, 'pmu-odd', 8 + PmuRecord.a2a3.size);
      spool.nextRow();
      const sink = new MemorySink();
      const row = { thread: 0, core: 4, taskId: 8, funcId: 16, coreType: 20, cycles: 24, counters: 32 };
      await writePmuCsv(sink, spool, row, table, pmuEventGroupLabel(table, true));
      expect(sink.text().split('\n')[1]).toMatch(/,"odd, ""name"" \(simulated\)"$/);
      spool.dispose();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('scope_stats.jsonl', async () => {
    const dir = tmpDir('fast-scope');
    try {
      const S = ScopeStatsRecord;
      const spool = new RecordSpool(dir, 'scope', S.size, 64);
      for (let i = 0; i < 1000; i++) {
        const at = spool.nextRow();
        const v = spool.rowView;
        // Names the byte writer copies, and names it hands to JSON.stringify: quotes, backslashes,
        // control and non-ASCII bytes, DEL, and a name that fills all 32 bytes with no NUL.
        const odd = ['we"ird.cpp', 'back\\slash.h', 'tab\there.cc', 'caf\u00e9.cpp', 'del\u007f.cpp', 'x'.repeat(32)];
        const site = i % 10 === 0 ? odd[(i / 10) % odd.length]! : `file_${i % 7}.cpp`;
        for (let k = 0; k < site.length; k++) v.setUint8(at + S.offsetOf('siteFileBasename') + k, site.charCodeAt(k));
        v.setInt32(at + S.offsetOf('siteLine'), i % 9 === 0 ? -i : i, true);
        v.setInt16(at + S.offsetOf('phase'), (i % 4) - 1, true);
        v.setInt16(at + S.offsetOf('depth'), (i % 5) - 1, true);
        v.setInt16(at + S.offsetOf('ringId'), -(i % 3), true);
        v.setInt32(at + S.offsetOf('taskStart'), i % 11 === 0 ? -2147483648 : i * 7, true);
        v.setInt32(at + S.offsetOf('taskEnd'), 2147483647 - i, true);
        v.setBigUint64(at + S.offsetOf('heapStart'), i % 13 === 0 ? 0xffff_ffff_ffff_ffffn - BigInt(i) : BigInt(i) << 40n, true);
        v.setBigUint64(at + S.offsetOf('heapEnd'), BigInt(i) * 4096n, true);
        v.setInt32(at + S.offsetOf('tensormapUsed'), i - 500, true);
      }
      const metadata = { fatal: false, dropped: 2, total: 1002, taskWindowMax: [16, 16, 16, 16], heapMax: [1n << 30n, 1n, 2n, 3n], tensormapMax: 4096, incomplete: true };
      let expected = formatScopeStatsMetadata(metadata) + '\n';
      for (const chunk of spool.chunks()) for (let i = 0; i < chunk.rows; i++) expected += formatScopeStatsRecord(chunk.view, i * S.size) + '\n';
      const sink = new MemorySink();
      await writeScopeStatsJsonl(sink, metadata, spool, new TimeSlicer(1));
      expect(sink.text()).toBe(expected);
      spool.dispose();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('tensor_dump.json', async () => {
    const dir = tmpDir('fast-dump');
    try {
      const f = DUMP_ROW_LAYOUT;
      const spool = new RecordSpool(dir, 'dump', DUMP_ROW_BYTES, 256);
      const next = rng(7);
      const u32 = (): number => Math.floor(next() * 4294967296);
      for (let i = 0; i < 3000; i++) {
        const at = spool.nextRow();
        const v = spool.rowView;
        const ndims = i % 8; // 6 and 7 are clamped to 5
        v.setUint8(at + f.ndims, ndims);
        for (let d = 0; d < 5; d++) {
          // Dimensions large enough that numel passes 2^53 in some entries, and zeros in others.
          v.setUint32(at + f.shapes + 4 * d, i % 17 === 0 ? u32() : i % 23 === 0 ? 0 : 1 + (u32() % 4096), true);
          v.setUint32(at + f.strides + 4 * d, u32(), true);
        }
        v.setBigUint64(at + f.taskId, i % 5 === 0 ? (BigInt(u32()) << 32n) | BigInt(u32()) : BigInt(i), true);
        v.setUint8(at + f.subtaskId, i % 4);
        v.setUint32(at + f.funcId, u32(), true);
        v.setUint8(at + f.role, i % 5); // 3 and 4 are unknown roles
        v.setUint8(at + f.stage, i % 3); // 2 is an unknown stage
        v.setUint32(at + f.argIndex, i % 7, true);
        v.setUint8(at + f.dtype, i % 14); // 11..13 are unknown dtypes
        v.setUint8(at + f.isContiguous, i % 2);
        v.setBigUint64(at + f.startOffset, i % 19 === 0 ? 0xffff_ffff_ffff_fff0n + BigInt(i % 16) : BigInt(u32()), true);
        v.setUint8(at + f.truncated, i % 3 === 0 ? 1 : 0);
        // .bin offsets and sizes past 2^53 print as JavaScript prints the rounded double.
        v.setBigUint64(at + f.binOffset, i % 29 === 0 ? (BigInt(u32()) << 32n) | BigInt(u32()) : BigInt(i) * 4096n, true);
        v.setBigUint64(at + f.binSize, i % 31 === 0 ? (1n << 53n) + BigInt(i) : BigInt(u32()), true);
        v.setUint8(at + f.overwritten, i % 4 === 0 ? 1 : 0);
      }
      const counts = { total: 3000, beforeDispatch: 1, afterCompletion: 2, input: 3, output: 4, inout: 5, truncated: 6, droppedRecords: 7, droppedOverwrite: 8 };
      const head = formatDumpManifestHead(counts, true);
      const entries: string[] = [];
      for (const chunk of spool.chunks()) for (let r = 0; r < chunk.rows; r++) entries.push(formatDumpManifestEntry(decodeDumpRow(chunk.view, r * DUMP_ROW_BYTES, f)));
      const sink = new MemorySink();
      await writeDumpManifest(sink, head, spool, DUMP_ROW_BYTES, f, new TimeSlicer(1));
      expect(sink.text()).toBe(head + entries.join(',') + DUMP_MANIFEST_TAIL);
      expect(JSON.parse(sink.text()).tensors).toHaveLength(3000);
      spool.dispose();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('tensor_dump.json with no entries', async () => {
    const dir = tmpDir('fast-dump-empty');
    try {
      const spool = new RecordSpool(dir, 'dump', DUMP_ROW_BYTES, 256);
      const head = formatDumpManifestHead({ total: 0, beforeDispatch: 0, afterCompletion: 0, input: 0, output: 0, inout: 0, truncated: 0, droppedRecords: 0, droppedOverwrite: 0 }, false);
      const sink = new MemorySink();
      await writeDumpManifest(sink, head, spool, DUMP_ROW_BYTES, DUMP_ROW_LAYOUT);
      expect(JSON.parse(sink.text())).toMatchObject({ total_tensors: 0, tensors: [] });
      spool.dispose();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
