// formatRows: binary rows printed by a program on a worker thread, byte for byte what JavaScript
// prints (String(n), toFixed(3) of the same double), fan-out ids, partial progress when the output
// fills, and typed rejections for unsound programs and inputs.
import { HalErrorCode } from '../src/errors';
import { CompiledRowProgram, formatRows, RowOp, type RowInstruction, type RowProgram } from '../src/row-format';

// A row: u64 id, u64 time, u64 second time, u32 small, i32 kind, u32 fan-out count.
const ROW = 40;
const LITERALS = ['\n{"id": ', ',\n{"id": ', ', "t": ', ', "d": ', ', "n": ', ', "k": "zero"', ', "k": "other"', ', "f": [', ', ', '], "c": ', '}'];
const CODE: RowInstruction[] = [
  [RowOp.Separator, 0, 1],
  [RowOp.U64, 0],
  [RowOp.Literal, 2],
  [RowOp.Time, 8],
  [RowOp.Literal, 3],
  [RowOp.Duration, 16, 8],
  [RowOp.Literal, 4],
  [RowOp.U32, 24],
  [RowOp.SelectZero, 28, 5, 6],
  [RowOp.Fanout, 32, 1, 7, 8, 9],
  [RowOp.Literal, 10],
];

interface Row {
  id: bigint;
  t: bigint;
  t2: bigint;
  n: number;
  kind: number;
  fanout: bigint[];
}

function program(base: bigint, hz: number, code: RowInstruction[] = CODE): RowProgram {
  return { rowBytes: ROW, code, literals: LITERALS, timeBase: base, timestampHz: hz };
}

function encode(rows: Row[]): { bytes: Uint8Array; ids: Uint8Array } {
  const bytes = new Uint8Array(ROW * rows.length);
  const v = new DataView(bytes.buffer);
  const all: bigint[] = [];
  rows.forEach((r, i) => {
    v.setBigUint64(i * ROW, r.id, true);
    v.setBigUint64(i * ROW + 8, r.t, true);
    v.setBigUint64(i * ROW + 16, r.t2, true);
    v.setUint32(i * ROW + 24, r.n, true);
    v.setInt32(i * ROW + 28, r.kind, true);
    v.setUint32(i * ROW + 32, r.fanout.length, true);
    all.push(...r.fanout);
  });
  const ids = new Uint8Array(8 * all.length);
  all.forEach((id, i) => new DataView(ids.buffer).setBigUint64(8 * i, id, true));
  return { bytes, ids };
}

/** What JavaScript prints for the rows: the definition formatRows must match. */
function expected(rows: Row[], base: bigint, hz: number, first: boolean): string {
  const us = (t: bigint): number => (t === 0n || t <= base ? 0 : (Number(t - base) * 1e6) / hz);
  return rows
    .map((r, i) => {
      const sep = first && i === 0 ? LITERALS[0] : LITERALS[1];
      const d = Math.max(0, us(r.t2) - us(r.t));
      const kind = r.kind === 0 ? LITERALS[5] : LITERALS[6];
      return `${sep}${r.id}, "t": ${us(r.t).toFixed(3)}, "d": ${d.toFixed(3)}, "n": ${r.n}${kind}, "f": [${r.fanout.join(', ')}], "c": ${r.fanout.length}}`;
    })
    .join('');
}

async function formatAll(p: RowProgram, rows: Row[], outBytes = 1 << 20): Promise<string> {
  const compiled = new CompiledRowProgram(p);
  const { bytes, ids } = encode(rows);
  let text = '';
  let row = 0;
  let id = 0;
  while (row < rows.length) {
    const out = new Uint8Array(outBytes);
    const r = await formatRows(compiled, { rows: bytes.subarray(row * ROW), fanoutIds: ids.subarray(8 * id), first: row === 0, out });
    if (r.rows === 0) throw new Error(`no progress: the next row needs ${r.nextRowBound} bytes`);
    text += Buffer.from(out.subarray(0, r.bytes)).toString('latin1');
    row += r.rows;
    id += r.fanoutIds;
  }
  return text;
}

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('formatRows prints what JavaScript prints', () => {
  test('random rows at several clocks, 64-bit ids, fan-out', async () => {
    const rnd = seeded(7);
    for (const hz of [50_000_000, 1_000_000_000, 19_200_000, 3, 1e6 / 7]) {
      const base = 1_000_000_000_000n;
      const rows: Row[] = Array.from({ length: 500 }, (_, i) => ({
        id: i % 3 === 0 ? BigInt(Math.floor(rnd() * 2 ** 32)) * 2n ** 32n + BigInt(i) : BigInt(i),
        t: i % 17 === 0 ? 0n : base + BigInt(Math.floor(rnd() * 2 ** 40)) - 1000n,
        t2: base + BigInt(Math.floor(rnd() * 2 ** 40)),
        n: Math.floor(rnd() * 2 ** 32),
        kind: i % 2 === 0 ? 0 : -1,
        fanout: Array.from({ length: i % 4 }, () => BigInt(Math.floor(rnd() * 2 ** 53)) * 1024n),
      }));
      expect(await formatAll(program(base, hz), rows)).toBe(expected(rows, base, hz, true));
    }
  });

  test('ties at the third decimal, values past the fast path, u64 extremes', async () => {
    const cases: [bigint, number][] = [
      [0n, 16_000_000], // a tick is 0.0625 µs: odd ticks are exact ties at the third decimal (0.0625 → 0.063)
      [0n, 16_000],
      [0n, 2_000_000], // 0.5 µs steps
      [0n, 1_000], // 1000 µs per tick
      [0n, 1e6 / 0.0625],
      [0n, 1], // a second per tick: values beyond 4.29e9 µs take the exact path
    ];
    for (const [base, hz] of cases) {
      const rows: Row[] = [1n, 3n, 5n, 7n, 9n, 2n ** 32n - 1n, 2n ** 40n + 5n, 2n ** 50n + 1n].map((t, i) => ({
        id: i === 0 ? 2n ** 64n - 1n : BigInt(i),
        t: base + t,
        t2: base + t * 3n,
        n: i === 0 ? 2 ** 32 - 1 : i,
        kind: i,
        fanout: i === 1 ? [2n ** 64n - 1n, 0n] : [],
      }));
      expect(await formatAll(program(base, hz), rows)).toBe(expected(rows, base, hz, true));
    }
    expect(expected([{ id: 0n, t: 1n, t2: 1n, n: 0, kind: 0, fanout: [] }], 0n, 16_000_000, true)).toContain('"t": 0.063');
  });

  test('a full output stops at a whole row; the rest follows in the next call', async () => {
    const rows: Row[] = Array.from({ length: 100 }, (_, i) => ({ id: BigInt(i), t: 10n + BigInt(i), t2: 20n + BigInt(i), n: i, kind: 0, fanout: i % 5 === 0 ? [BigInt(i), 7n] : [] }));
    expect(await formatAll(program(5n, 1e9), rows, 700)).toBe(expected(rows, 5n, 1e9, true));
    const compiled = new CompiledRowProgram(program(5n, 1e9));
    const { bytes, ids } = encode(rows);
    const tiny = await formatRows(compiled, { rows: bytes, fanoutIds: ids, first: true, out: new Uint8Array(8) });
    expect(tiny).toMatchObject({ rows: 0, bytes: 0, fanoutIds: 0 });
    expect(tiny.nextRowBound).toBeGreaterThan(8);
  });

  test('"first" picks the separator of the array\'s first row only', async () => {
    const rows: Row[] = [{ id: 1n, t: 0n, t2: 0n, n: 0, kind: 0, fanout: [] }];
    const compiled = new CompiledRowProgram(program(0n, 1e6));
    const { bytes } = encode(rows);
    const out = new Uint8Array(1024);
    const r = await formatRows(compiled, { rows: bytes, first: false, out });
    expect(Buffer.from(out.subarray(0, r.bytes)).toString('latin1')).toBe(expected(rows, 0n, 1e6, false));
  });
});

describe('bad programs and inputs are typed rejections', () => {
  const one = encode([{ id: 1n, t: 1n, t2: 2n, n: 1, kind: 0, fanout: [3n] }]);
  const run = (p: RowProgram, req: Partial<Parameters<typeof formatRows>[1]> = {}): Promise<unknown> =>
    formatRows(new CompiledRowProgram(p), { rows: one.bytes, fanoutIds: one.ids, first: true, out: new Uint8Array(4096), ...req });
  const invalid = (message: RegExp): object => expect.objectContaining({ code: HalErrorCode.InvalidArgument, op: 'formatRows', message: expect.stringMatching(message) });

  test.each([
    ['a field outside the row', program(0n, 1e6, [[RowOp.U64, ROW - 4]]), /instruction 0: field outside the row/],
    ['a literal index out of range', program(0n, 1e6, [[RowOp.Literal, 99]]), /literal index out of range/],
    ['an unknown opcode', program(0n, 1e6, [[42 as never]]), /unknown opcode 42/],
    ['a zero clock', program(0n, 0), /positive finite/],
    ['an infinite clock', program(0n, Infinity), /positive finite/],
  ])('%s', async (_, p, message) => {
    await expect(run(p)).rejects.toEqual(invalid(message));
  });

  test('rows that are not whole rows, ids that are not whole ids, too few ids', async () => {
    await expect(run(program(0n, 1e6), { rows: one.bytes.subarray(1) })).rejects.toEqual(invalid(/not a whole number of 40-byte rows/));
    await expect(run(program(0n, 1e6), { fanoutIds: one.ids.subarray(1) })).rejects.toEqual(invalid(/whole u64 ids/));
    await expect(run(program(0n, 1e6), { fanoutIds: new Uint8Array(0) })).rejects.toEqual(invalid(/row 0 names 1 fan-out ids, 0 are left/));
  });
});
