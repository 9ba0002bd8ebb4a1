import type { StructLayout } from '@npurun/hal-native';
import { dumpLayout, l2Layout, pmuLayout, ReadyQueueEntry, freeQueueLayout, scopeStatsLayout, collectorHeaders } from '../src';
import { l2RegionOffsets } from '../src/l2-swimlane/layout';
import * as fs from 'node:fs';
import * as path from 'node:path';

// Sizes and offsets of the upstream device ABI.
describe('layouts match the upstream ABI', () => {
  test('queue shapes', () => {
    expect(ReadyQueueEntry.size).toBe(32);
    expect(ReadyQueueEntry.offsetOf('bufferPtr')).toBe(8);
    expect(ReadyQueueEntry.offsetOf('bufferSeq')).toBe(16);
    expect(freeQueueLayout(4).size).toBe(128);
    expect(freeQueueLayout(4).offsetOf('head')).toBe(32);
    expect(freeQueueLayout(4).offsetOf('tail')).toBe(36);
    expect(freeQueueLayout(8).offsetOf('head')).toBe(64);
    expect(freeQueueLayout(8).offsetOf('tail')).toBe(68);
  });

  test('l2 swimlane', () => {
    const H = l2Layout.L2PerfHeader;
    expect(H.a2a3.size).toBe(118848);
    expect(H.a2a3.offsetOf('queueHeads')).toBe(118784);
    expect(H.a2a3.offsetOf('queueTails')).toBe(118800);
    expect(H.a2a3.offsetOf('numCores')).toBe(118816);
    expect(H.a2a3.offsetOf('l2PerfLevel')).toBe(118820);
    expect(H.a5.size).toBe(218688);
    expect(H.a5.offsetOf('queueHeads')).toBe(218624);
    expect(H.a5.offsetOf('queueTails')).toBe(218652);
    expect(H.a5.offsetOf('numCores')).toBe(218680);
    expect(H.a5.offsetOf('l2PerfLevel')).toBe(218684);
    expect(l2Layout.L2Buffers.a2a3.task.size).toBe(64064);
    expect(l2Layout.L2Buffers.a5.task.size).toBe(1088064);
    expect(l2Layout.L2PerfAicoreBuffer.size).toBe(32832);
    expect(l2Layout.L2Buffers.a2a3.phase.size).toBe(655424);
    expect(l2Layout.L2PerfRecordA2a3.offsetOf('regTaskId')).toBe(56);
    expect(l2Layout.L2PerfRecordA5.offsetOf('fanoutCount')).toBe(1080);
    expect(l2Layout.L2PerfAicoreBufferState.offsetOf('currentBufSeq')).toBe(200);
    expect(l2Layout.L2PerfAicoreRingA5.size).toBe(2176);
    expect(l2Layout.AicpuPhaseHeader.a2a3.offsetOf('coreToThread')).toBe(16);
    expect(l2RegionOffsets('a2a3', 72).total).toBe(152000);
  });

  test('tensor dump', () => {
    expect(dumpLayout.DumpHeader.a2a3.size).toBe(8256);
    expect(dumpLayout.DumpHeader.a5.size).toBe(25216);
    expect(dumpLayout.DumpHeader.a2a3.offsetOf('queueHeads')).toBe(8192);
    expect(dumpLayout.DumpHeader.a2a3.offsetOf('numDumpThreads')).toBe(8224);
    expect(dumpLayout.DumpHeader.a2a3.offsetOf('arenaSizePerThread')).toBe(8232);
    expect(dumpLayout.DumpHeader.a2a3.offsetOf('magic')).toBe(8240);
    expect(dumpLayout.DumpBufferState.offsetOf('droppedRecordCount')).toBe(168);
    expect(dumpLayout.TensorDumpRecord.offsetOf('shapes')).toBe(92);
    expect(dumpLayout.DumpMetaBuffer.offsetOf('count')).toBe(32768);
  });

  test('pmu', () => {
    expect(pmuLayout.PmuHeader.a2a3.size).toBe(36928);
    expect(pmuLayout.PmuHeader.a2a3.offsetOf('queueHeads')).toBe(36864);
    expect(pmuLayout.PmuHeader.a2a3.offsetOf('eventType')).toBe(36900);
    expect(pmuLayout.PmuHeader.a5.size).toBe(96896);
    expect(pmuLayout.PmuRecord.a2a3.size).toBe(64);
    expect(pmuLayout.PmuRecord.a5.size).toBe(64);
    expect(pmuLayout.PmuBufferStateA5.offsetOf('mismatchRecordCount')).toBe(156);
    expect(pmuLayout.PmuBuffer.a2a3.offsetOf('count')).toBe(32768);
  });

  test('scope stats', () => {
    const H = scopeStatsLayout.ScopeStatsHeader;
    expect(H.a2a3.size).toBe(2176);
    expect(H.a2a3.offsetOf('heapCap')).toBe(2104);
    expect(H.a2a3.offsetOf('tensormapCap')).toBe(2136);
    expect(H.a2a3.offsetOf('fatalLatched')).toBe(2140);
    expect(H.a5.size).toBe(3712);
    expect(scopeStatsLayout.ScopeStatsRecord.size).toBe(72);
    expect(scopeStatsLayout.ScopeStatsBuffer.offsetOf('records')).toBe(64);
  });
});

const ALL: Array<[string, StructLayout<unknown>]> = [];
function add(name: string, s: unknown): void {
  ALL.push([name, s as StructLayout<unknown>]);
}
add('ReadyQueueEntry', ReadyQueueEntry);
add('FreeQueue4', freeQueueLayout(4));
add('FreeQueue8', freeQueueLayout(8));
for (const [k, v] of Object.entries(l2Layout)) if (typeof v === 'object' && v !== null && 'kind' in v) add(`l2.${k}`, v);
for (const arch of ['a2a3', 'a5'] as const) {
  add(`l2.header.${arch}`, l2Layout.L2PerfHeader[arch]);
  add(`l2.phaseHeader.${arch}`, l2Layout.AicpuPhaseHeader[arch]);
  add(`dump.header.${arch}`, dumpLayout.DumpHeader[arch]);
  add(`pmu.header.${arch}`, pmuLayout.PmuHeader[arch]);
  add(`pmu.record.${arch}`, pmuLayout.PmuRecord[arch]);
  add(`scope.header.${arch}`, scopeStatsLayout.ScopeStatsHeader[arch]);
}
for (const [k, v] of Object.entries({ ...dumpLayout, ...pmuLayout, ...scopeStatsLayout })) {
  if (typeof v === 'object' && v !== null && 'kind' in v && (v as { kind: unknown }).kind === 'struct') add(k, v);
}

/** A deterministic pseudo-random value for every field of a struct (skipping huge record arrays). */
function sample(type: StructLayout<unknown>['fields'][number]['type'], seed: { n: number }): unknown {
  const next = () => (seed.n = (seed.n * 1103515245 + 12345) >>> 0);
  switch (type.kind) {
    case 'scalar': {
      const r = next();
      switch (type.scalar) {
        case 'u8': return r & 0xff;
        case 'i8': return (r & 0xff) - 128;
        case 'u16': return r & 0xffff;
        case 'i16': return (r & 0xffff) - 32768;
        case 'u32': return r;
        case 'i32': return r | 0;
        case 'u64': case 'ptr': return (BigInt(r) << 32n) | BigInt(next());
        case 'i64': return BigInt.asIntN(64, (BigInt(r) << 32n) | BigInt(next()));
        case 'f32': return Math.fround(r / 7);
        case 'f64': return r / 7;
      }
      return 0;
    }
    case 'array':
      return Array.from({ length: type.length }, () => sample(type.element, seed));
    case 'struct': {
      const o: Record<string, unknown> = {};
      for (const f of type.fields) if (f.type.kind !== 'padding') o[f.name] = sample(f.type, seed);
      return o;
    }
    default:
      return undefined;
  }
}

describe('every struct round-trips through encode/decode', () => {
  test.each(ALL.filter(([, s]) => s.size <= 300_000))('%s', (_name, s) => {
    const value = sample(s, { n: 42 });
    const bytes = s.encode(value as never);
    expect(bytes.length).toBe(s.size);
    expect(s.decode(bytes)).toEqual(value);
    // and re-encoding the decoded value gives the same bytes
    expect(Buffer.from(s.encode(s.decode(bytes) as never)).equals(Buffer.from(bytes))).toBe(true);
  });
});

test('checked-in C headers are up to date (run `pnpm gen:headers` to refresh)', () => {
  for (const h of collectorHeaders()) {
    const file = path.join(__dirname, '..', 'device', 'include', h.relativePath);
    expect(fs.readFileSync(file, 'utf8')).toBe(h.text);
  }
});
