// emitCHeader: the emitted text, and — with g++ and gcc — that C and C++ compilers see exactly the
// layout TypeScript computed, and read TypeScript-encoded bytes back as the same values.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import {
  LayoutError,
  array,
  emitCHeader,
  f32,
  f64,
  i16,
  i32,
  i64,
  i8,
  pad,
  ptr,
  struct,
  u16,
  u32,
  u64,
  u8,
  type FieldType,
  type InferStruct,
  type StructLayout,
} from '../src/layout';

const run = promisify(execFile);
const HAL_INCLUDE = resolve(__dirname, '../include');

const Inner = struct('inner', { a: u8, b: { type: u32, doc: 'a doc with */ inside' }, c: f64 }, { doc: 'Inner\nthing' });
const Signed = struct('signed_bits', { s8: i8, s16: i16, s32: i32, s64: i64, fl: f32, addr: ptr, big: u64 });
const Outer = struct(
  'outer',
  {
    x: u8,
    items: array(Inner, 2),
    _gap: pad(3),
    ratio: f32,
    grid: array(array(u16, 3), 2),
    mixed: Signed,
    tail: u8,
  },
  { align: 32 },
);
const Ring = struct('ring_desc', { base: ptr, capacity: u32, head: u32, tailIndex: { type: u32, cName: 'tail_idx' } });
const ALL: readonly StructLayout<unknown>[] = [Outer, Ring, Signed, Inner];

const VALUE: InferStruct<typeof Outer> = {
  x: 200,
  items: [
    { a: 1, b: 0xdead_beef, c: -2.25 },
    { a: 255, b: 7, c: 1e-300 },
  ],
  ratio: Math.fround(0.1),
  grid: [
    [1, 2, 3],
    [65535, 0, 42],
  ],
  mixed: { s8: -5, s16: -30000, s32: -2_000_000_000, s64: -(2n ** 62n), fl: -1.5, addr: 0xffff_0000_1234_5678n, big: 2n ** 64n - 1n },
  tail: 9,
};

interface Leaf {
  path: string;
  expr: string;
  kind: 'unsigned' | 'signed' | 'float';
}

// The scalars inside a field, as C expressions to print and the JS path to compare against.
function leaves(type: FieldType, expr: string, path: string): Leaf[] {
  switch (type.kind) {
    case 'scalar':
      if (type.scalar === 'f32' || type.scalar === 'f64') return [{ path, expr, kind: 'float' }];
      return [{ path, expr, kind: type.scalar.startsWith('i') ? 'signed' : 'unsigned' }];
    case 'array':
      return Array.from({ length: type.length }, (_, i) => leaves(type.element, `${expr}[${i}]`, `${path}[${i}]`)).flat();
    case 'struct':
      return type.fields.flatMap((f) => (f.type.kind === 'padding' ? [] : leaves(f.type, `${expr}.${f.cName}`, `${path}.${f.name}`)));
    case 'padding':
      return [];
  }
}

function printLeaf(leaf: Leaf): string {
  switch (leaf.kind) {
    case 'unsigned':
      return `  printf("${leaf.path}=%llu\\n", (unsigned long long)${leaf.expr});`;
    case 'signed':
      return `  printf("${leaf.path}=%lld\\n", (long long)${leaf.expr});`;
    case 'float':
      return `  printf("${leaf.path}=%.17g\\n", (double)${leaf.expr});`;
  }
}

function valueAt(root: unknown, path: string): unknown {
  return path
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter((p) => p !== '' && p !== 'v')
    .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], root);
}

function layoutProgram(): string {
  const lines = ['#include <stdio.h>', '#include "layout.h"', 'int main(void) {'];
  for (const s of ALL) {
    lines.push(`  printf("${s.name} %zu %zu\\n", sizeof(${s.name}), (size_t)NPURUN_LAYOUT_ALIGNOF(${s.name}));`);
    for (const f of s.fields) {
      lines.push(
        `  printf("${s.name}.${f.name} %zu %zu\\n", offsetof(${s.name}, ${f.cName}), sizeof(((${s.name} *)0)->${f.cName}));`,
      );
    }
  }
  lines.push('  return 0;', '}', '');
  return lines.join('\n');
}

function expectedLayout(): string[] {
  return ALL.flatMap((s) => [`${s.name} ${s.size} ${s.align}`, ...s.fields.map((f) => `${s.name}.${f.name} ${f.offset} ${f.size}`)]);
}

function valueProgram(bytes: Uint8Array): string {
  return [
    '#include <stdio.h>',
    '#include <string.h>',
    '#include "layout.h"',
    `static const unsigned char bytes[${bytes.length}] = { ${[...bytes].join(', ')} };`,
    'int main(void) {',
    '  outer v;',
    '  memcpy(&v, bytes, sizeof v);',
    ...leaves(Outer, 'v', 'v').map(printLeaf),
    '  return 0;',
    '}',
    '',
  ].join('\n');
}

describe('emitCHeader text', () => {
  const header = emitCHeader({
    guard: 'TEST_LAYOUT_H',
    structs: [Outer, Ring, Outer],
    constants: { SMALL: 5, NEG: -3, HALF: 0.5, U32_BIG: 3_000_000_000, WIDE: 2 ** 40, MASK: 2n ** 64n - 1n, MIN64: -(2n ** 63n) },
    includes: ['npurun/device_abi.h', '"local.h"'],
    comment: 'Test header.',
  });

  it('emits nested structs before their users, each once', () => {
    const at = (name: string): number => header.indexOf(`typedef struct ${name} {`);
    expect(at('inner')).toBeGreaterThan(0);
    expect(at('inner')).toBeLessThan(at('outer'));
    expect(at('signed_bits')).toBeLessThan(at('outer'));
    expect(header.split('typedef struct outer {').length).toBe(2);
    expect(header.split('typedef struct inner {').length).toBe(2);
  });

  it('writes padding, arrays, over-alignment and docs explicitly', () => {
    expect(header).toContain('  uint8_t a;\n  uint8_t _pad0[3];\n');
    expect(header).toContain('  uint8_t _gap[3];\n');
    expect(header).toContain('  uint16_t grid[2][3];\n');
    expect(header).toContain('  inner items[2];\n');
    expect(header).toContain('NPURUN_LAYOUT_ALIGNAS(32) uint8_t x;');
    expect(header).toContain('  uint32_t tail_idx;\n');
    expect(header).toContain('/* a doc with * / inside */');
    expect(header).toMatch(/\/\*\n \* Inner\n \* thing\n \*\/\ntypedef struct inner/);
  });

  it('writes constants with suffixes that keep their value', () => {
    expect(header).toContain('#define SMALL 5\n');
    expect(header).toContain('#define NEG (-3)\n');
    expect(header).toContain('#define HALF 0.5\n');
    expect(header).toContain('#define U32_BIG 3000000000u\n');
    expect(header).toContain('#define WIDE 1099511627776ULL\n');
    expect(header).toContain('#define MASK 18446744073709551615ULL\n');
    expect(header).toContain('#define MIN64 (-9223372036854775807LL - 1)\n');
  });

  it('asserts every offset and size', () => {
    expect(header).toContain('NPURUN_LAYOUT_STATIC_ASSERT(sizeof(outer) == 128, "sizeof(outer) must be 128");');
    for (const s of [Outer, Ring, Inner, Signed]) {
      for (const f of s.fields) {
        expect(header).toContain(`NPURUN_LAYOUT_STATIC_ASSERT(offsetof(${s.name}, ${f.cName}) == ${f.offset},`);
      }
    }
    expect(header).toContain('#include <npurun/device_abi.h>\n#include "local.h"\n');
    expect(header.startsWith('/*\n * Test header.\n')).toBe(true);
    expect(header.trimEnd().endsWith('#endif /* TEST_LAYOUT_H */')).toBe(true);
  });

  it('refuses what cannot become a valid header', () => {
    const code = (fn: () => unknown): string | undefined => {
      try {
        fn();
      } catch (error) {
        return error instanceof LayoutError ? error.code : 'not a LayoutError';
      }
      return undefined;
    };
    expect(code(() => emitCHeader({ guard: 'bad guard', structs: [] }))).toBe('LAYOUT_HEADER_INVALID');
    const otherInner = struct('inner', { a: u64 });
    expect(code(() => emitCHeader({ guard: 'G', structs: [Outer, otherInner] }))).toBe('LAYOUT_HEADER_INVALID');
    expect(code(() => emitCHeader({ guard: 'G', structs: [Ring], constants: { ring_desc: 1 } }))).toBe('LAYOUT_HEADER_INVALID');
    expect(code(() => emitCHeader({ guard: 'G', structs: [], constants: { 'a b': 1 } }))).toBe('LAYOUT_HEADER_INVALID');
    expect(code(() => emitCHeader({ guard: 'G', structs: [], constants: { X: Infinity } }))).toBe('LAYOUT_HEADER_INVALID');
    expect(code(() => emitCHeader({ guard: 'G', structs: [], constants: { X: 2 ** 60 } }))).toBe('LAYOUT_HEADER_INVALID');
    expect(code(() => emitCHeader({ guard: 'G', structs: [], constants: { X: 2n ** 64n } }))).toBe('LAYOUT_HEADER_INVALID');
    // An identical re-declaration is the same struct, not a conflict.
    const sameRing = struct('ring_desc', { base: ptr, capacity: u32, head: u32, tailIndex: { type: u32, cName: 'tail_idx' } });
    expect(code(() => emitCHeader({ guard: 'G', structs: [Ring, sameRing] }))).toBeUndefined();
  });
});

describe('emitCHeader compiled by g++ and gcc', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'npurun-layout-'));
    writeFileSync(
      join(dir, 'layout.h'),
      emitCHeader({ guard: 'TEST_LAYOUT_H', structs: ALL, includes: ['npurun/device_abi.h'], constants: { RING_SLOTS: 64 } }),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const compilers = [
    { name: 'C++ (g++)', cmd: 'g++', std: '-std=c++17', ext: 'cpp' },
    { name: 'C (gcc)', cmd: 'gcc', std: '-std=c11', ext: 'c' },
  ];

  async function buildAndRun(cmd: string, std: string, file: string, source: string): Promise<string[]> {
    const src = join(dir, file);
    const exe = `${src}.out`;
    writeFileSync(src, source);
    await run(cmd, [std, '-Wall', '-Wextra', '-pedantic', '-Werror', '-I', HAL_INCLUDE, '-I', dir, '-o', exe, src]);
    const { stdout } = await run(exe);
    return stdout.trim().split('\n');
  }

  it.each(compilers)('$name sees every offsetof, sizeof and alignof TypeScript computed', async ({ cmd, std, ext }) => {
    expect(await buildAndRun(cmd, std, `layout.${ext}`, layoutProgram())).toEqual(expectedLayout());
  });

  it.each(compilers)('$name reads TypeScript-encoded bytes as the same values', async ({ cmd, std, ext }) => {
    const printed = await buildAndRun(cmd, std, `value.${ext}`, valueProgram(Outer.encode(VALUE)));
    const leafList = leaves(Outer, 'v', 'v');
    expect(printed).toHaveLength(leafList.length);
    printed.forEach((line, i) => {
      const leaf = leafList[i]!;
      const [path, text] = line.split('=') as [string, string];
      expect(path).toBe(leaf.path);
      const expected = valueAt(VALUE, leaf.path);
      if (leaf.kind === 'float') expect(Number(text)).toBe(expected);
      else expect(BigInt(text)).toBe(BigInt(expected as number | bigint));
    });
  });

  it('fails to compile when the header and the layout disagree (the static asserts bite)', async () => {
    const header = readFileSync(join(dir, 'layout.h'), 'utf8');
    // Widen one member by hand: every later offset moves, and the checks must catch it.
    const tampered = header.replace('  uint32_t capacity;', '  uint64_t capacity;');
    expect(tampered).not.toBe(header);
    writeFileSync(join(dir, 'tampered.h'), tampered);
    writeFileSync(join(dir, 'tampered.cpp'), '#include "tampered.h"\nint main() { return 0; }\n');
    await expect(run('g++', ['-std=c++17', '-fsyntax-only', '-I', HAL_INCLUDE, join(dir, 'tampered.cpp')])).rejects.toMatchObject({
      stderr: expect.stringContaining('offsetof(ring_desc, head) must be 12'),
    });
  });
});
