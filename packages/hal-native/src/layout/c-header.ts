/**
 * `emitCHeader()`: the C/C++ header that matches a set of struct layouts, with compile-time checks
 * of every offset and size so a header and its TypeScript declaration cannot drift apart silently.
 */
import { cIdentifierProblem } from './c-names';
import { LayoutError, LayoutErrorCode } from './errors';
import type { FieldType, StructLayout } from './types';

/** Options of {@link emitCHeader}. */
export interface CHeaderOptions {
  /** The include-guard macro, e.g. `NPURUN_KERNEL_ARGS_A2A3_H`. */
  readonly guard: string;
  /** The structs to emit. Nested structs they use are emitted too, before their users, each once. */
  readonly structs: readonly StructLayout<unknown>[];
  /** `#define NAME value` lines, in the given order (bigints and integers above 2^32 - 1 get `ULL`). */
  readonly constants?: Readonly<Record<string, number | bigint>>;
  /** Extra headers: `"x.h"` and `<x.h>` are used as written, a bare `x.h` becomes `<x.h>`. */
  readonly includes?: readonly string[];
  /** A comment for the top of the file (may span lines). */
  readonly comment?: string;
}

const PRELUDE = `#ifndef NPURUN_LAYOUT_STATIC_ASSERT
#ifdef __cplusplus
#define NPURUN_LAYOUT_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#define NPURUN_LAYOUT_ALIGNOF(type) alignof(type)
#define NPURUN_LAYOUT_ALIGNAS(n) alignas(n)
#else
#define NPURUN_LAYOUT_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#define NPURUN_LAYOUT_ALIGNOF(type) _Alignof(type)
#define NPURUN_LAYOUT_ALIGNAS(n) _Alignas(n)
#endif
#endif`;

function invalid(message: string, struct?: string): never {
  throw new LayoutError(LayoutErrorCode.HeaderInvalid, message, { struct });
}

function commentText(text: string): string {
  // A stray `*/` would end the comment early and turn the rest into code.
  return text.replace(/\*\//g, '* /');
}

function blockComment(text: string, indent: string): string {
  const lines = commentText(text).split(/\r?\n/);
  if (lines.length === 1) return `${indent}/* ${lines[0]} */`;
  return [`${indent}/*`, ...lines.map((l) => `${indent} *${l === '' ? '' : ` ${l}`}`), `${indent} */`].join('\n');
}

/** A structural fingerprint of a layout, to tell a repeated struct from a different one with the same name. */
function fingerprint(type: FieldType): string {
  switch (type.kind) {
    case 'scalar':
      return type.scalar;
    case 'padding':
      return `pad${type.size}`;
    case 'array':
      return `${fingerprint(type.element)}[${type.length}]`;
    case 'struct':
      return `${type.name}{${type.size}/${type.align}:${type.fields
        .map((f) => `${f.cName}@${f.offset}:${fingerprint(f.type)}`)
        .join(',')}}`;
  }
}

/** Every struct reachable from `roots`, dependencies before their users, each once. */
function dependencyOrder(roots: readonly StructLayout<unknown>[]): StructLayout<unknown>[] {
  const order: StructLayout<unknown>[] = [];
  const seen = new Map<string, { layout: StructLayout<unknown>; print: string }>();
  const visitType = (type: FieldType): void => {
    if (type.kind === 'array') visitType(type.element);
    else if (type.kind === 'struct') visit(type);
  };
  const visit = (layout: StructLayout<unknown>): void => {
    const known = seen.get(layout.name);
    if (known !== undefined) {
      if (known.layout !== layout && known.print !== fingerprint(layout)) {
        invalid(`two different structs are both named ${layout.name}`, layout.name);
      }
      return;
    }
    // Struct layouts are immutable and built bottom-up, so the nesting graph has no cycles.
    seen.set(layout.name, { layout, print: fingerprint(layout) });
    for (const field of layout.fields) visitType(field.type);
    order.push(layout);
  };
  for (const root of roots) {
    if (typeof root !== 'object' || root === null || root.kind !== 'struct') invalid('structs must be struct layouts');
    visit(root);
  }
  return order;
}

function declarator(type: FieldType, name: string): string {
  let dims = '';
  let inner = type;
  while (inner.kind === 'array') {
    dims += `[${inner.length}]`;
    inner = inner.element;
  }
  switch (inner.kind) {
    case 'scalar':
      return `${inner.cType} ${name}${dims}`;
    case 'padding':
      return `uint8_t ${name}${dims}[${inner.size}]`;
    case 'struct':
      return `${inner.name} ${name}${dims}`;
  }
}

function structDefinition(layout: StructLayout<unknown>): string {
  const used = new Set(layout.fields.map((f) => f.cName));
  let padIndex = 0;
  const padName = (): string => {
    let name: string;
    do name = `_pad${padIndex++}`;
    while (used.has(name));
    used.add(name);
    return name;
  };
  const memberAlign = Math.max(...layout.fields.map((f) => f.type.align));
  const lines: string[] = [];
  if (layout.doc !== undefined) lines.push(blockComment(layout.doc, ''));
  lines.push(`typedef struct ${layout.name} {`);
  let cursor = 0;
  layout.fields.forEach((field, index) => {
    // Implicit padding is written out, so the header reads the same as the layout table.
    if (field.offset > cursor) lines.push(`  uint8_t ${padName()}[${field.offset - cursor}];`);
    if (field.doc !== undefined) lines.push(blockComment(field.doc, '  '));
    // Over-alignment goes on the first member: that raises the struct's alignment in C and C++ alike.
    const alignas = index === 0 && layout.align > memberAlign ? `NPURUN_LAYOUT_ALIGNAS(${layout.align}) ` : '';
    lines.push(`  ${alignas}${declarator(field.type, field.cName)};`);
    cursor = field.offset + field.size;
  });
  if (layout.size > cursor) lines.push(`  uint8_t ${padName()}[${layout.size - cursor}];`);
  lines.push(`} ${layout.name};`);
  return lines.join('\n');
}

function structChecks(layout: StructLayout<unknown>): string {
  const n = layout.name;
  const lines = [
    `NPURUN_LAYOUT_STATIC_ASSERT(sizeof(${n}) == ${layout.size}, "sizeof(${n}) must be ${layout.size}");`,
    `NPURUN_LAYOUT_STATIC_ASSERT(NPURUN_LAYOUT_ALIGNOF(${n}) == ${layout.align}, "alignof(${n}) must be ${layout.align}");`,
  ];
  for (const f of layout.fields) {
    lines.push(
      `NPURUN_LAYOUT_STATIC_ASSERT(offsetof(${n}, ${f.cName}) == ${f.offset}, "offsetof(${n}, ${f.cName}) must be ${f.offset}");`,
    );
  }
  return lines.join('\n');
}

const U64_MAX = 0xffff_ffff_ffff_ffffn;
const I64_MIN = -0x8000_0000_0000_0000n;

function constantLiteral(name: string, value: unknown): string {
  if (typeof value === 'bigint') {
    if (value > U64_MAX || value < I64_MIN) invalid(`constant ${name} = ${value} does not fit in 64 bits`);
    if (value >= 0n) return `${value}ULL`;
    // -9223372036854775808LL would be unary minus applied to an out-of-range literal.
    return value === I64_MIN ? '(-9223372036854775807LL - 1)' : `(${value}LL)`;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return invalid(`constant ${name} must be a finite number or a bigint (got ${String(value)})`);
  }
  if (!Number.isInteger(value)) return String(value);
  if (!Number.isSafeInteger(value)) invalid(`constant ${name} = ${value} is not a safe integer; pass a bigint`);
  if (value >= 0) {
    if (value <= 0x7fff_ffff) return String(value);
    return value <= 0xffff_ffff ? `${value}u` : `${value}ULL`;
  }
  return value >= -0x8000_0000 ? `(${value})` : `(${value}LL)`;
}

function includeLine(include: string): string {
  if (typeof include !== 'string' || include === '' || /[\r\n]/.test(include)) {
    invalid(`include ${JSON.stringify(include)} must be a one-line header name`);
  }
  return /^[<"]/.test(include) ? `#include ${include}` : `#include <${include}>`;
}

/**
 * Emits a header usable from C (C11) and C++ (C++11 and later) that declares each struct as
 * `typedef struct name { ... } name;` with fixed-width member types, explicit padding members
 * (`uint8_t _pad0[4];`), C arrays, `#define`s for the constants, and a `static_assert` /
 * `_Static_assert` on the size, alignment and every member offset of each struct.
 *
 * @throws LayoutError `LAYOUT_HEADER_INVALID` for a guard or constant name that is not a C
 *   identifier, a constant that is not a finite number or 64-bit bigint, a name used twice, or two
 *   different structs with the same C name.
 */
export function emitCHeader(options: CHeaderOptions): string {
  const { guard, structs, constants = {}, includes = [], comment } = options;
  const guardProblem = typeof guard === 'string' ? cIdentifierProblem(guard) : 'is not a string';
  if (guardProblem !== undefined) invalid(`guard ${JSON.stringify(String(guard))} ${guardProblem}`);
  if (!Array.isArray(structs)) invalid('structs must be an array of struct layouts');

  const ordered = dependencyOrder(structs);
  const names = new Map<string, string>([[guard, 'the include guard']]);
  for (const layout of ordered) {
    const other = names.get(layout.name);
    if (other !== undefined) invalid(`struct name ${layout.name} is also ${other}`, layout.name);
    names.set(layout.name, `struct ${layout.name}`);
  }

  const defines: string[] = [];
  for (const [name, value] of Object.entries(constants)) {
    const problem = cIdentifierProblem(name);
    if (problem !== undefined) invalid(`constant name ${JSON.stringify(name)} ${problem}`);
    const other = names.get(name);
    if (other !== undefined) invalid(`constant name ${name} is also ${other}`);
    names.set(name, `constant ${name}`);
    defines.push(`#define ${name} ${constantLiteral(name, value)}`);
  }

  const sections: string[] = [];
  const banner = 'Generated by @npurun/hal-native emitCHeader() from TypeScript struct layouts. Do not edit.';
  sections.push(blockComment(comment === undefined ? banner : `${comment}\n\n${banner}`, ''));
  sections.push(
    [`#ifndef ${guard}`, `#define ${guard}`, '', '#include <stddef.h>', '#include <stdint.h>', ...includes.map(includeLine)].join(
      '\n',
    ),
  );
  if (defines.length > 0) sections.push(defines.join('\n'));
  if (ordered.length > 0) sections.push(PRELUDE);
  for (const layout of ordered) sections.push(`${structDefinition(layout)}\n\n${structChecks(layout)}`);
  sections.push(`#endif /* ${guard} */`);
  return `${sections.join('\n\n')}\n`;
}
