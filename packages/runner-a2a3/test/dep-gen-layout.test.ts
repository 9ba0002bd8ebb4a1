// dep_gen layouts: the upstream runner's sizes and offsets, the collectors' queue
// shapes, and the generated C header compiled with the host compiler (its static asserts check
// every offset and size against the TypeScript declarations).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freeQueueLayout, ReadyQueueEntry } from '@npurun/collectors';
import { DEP_GEN_HEADER_PATH, depGenHeaderText, depGenIncludeDir } from '../src/dep-gen/header';
import { DEP_GEN_SHARED_BYTES, DepGenBuffer, DepGenBufferState, DepGenHeader, DepGenOverflowRecord, DepGenRecord, DepGenTensor } from '../src/dep-gen/layout';

describe('dep_gen layout', () => {
  it('matches the upstream sizes and offsets', () => {
    expect([DepGenRecord.size, DepGenOverflowRecord.size, DepGenBuffer.size, DepGenBufferState.size, DepGenHeader.size, DepGenTensor.size]).toEqual([
      2624, 2624, 84032, 192, 1088, 128,
    ]);
    expect(['taskId', 'flags', 'tensorCount', 'explicitDepCount', 'explicitDeps', 'argTypes', 'tensors'].map((f) => DepGenRecord.offsetOf(f as never))).toEqual([
      0, 8, 12, 14, 16, 528, 576,
    ]);
    expect(['taskId', 'flags', 'depCount', 'deps'].map((f) => DepGenOverflowRecord.offsetOf(f as never))).toEqual([0, 8, 12, 16]);
    expect(['queues', 'queueHeads', 'queueTails', 'numInstances'].map((f) => DepGenHeader.offsetOf(f as never))).toEqual([0, 1024, 1040, 1056]);
    expect(
      ['currentBufPtr', 'currentBufSeq', 'droppedRecordCount', 'totalRecordCount', 'totalOverflowRecordCount'].map((f) => DepGenBufferState.offsetOf(f as never)),
    ).toEqual([128, 136, 140, 144, 148]);
    expect(['bufferAddr', 'bufferSize', 'ownerTaskId', 'startOffset', 'version', 'ndims', 'dtype', 'manualDep', 'isContiguous', 'shapes', 'extentElemCache', 'strides'].map((f) =>
      DepGenTensor.offsetOf(f as never),
    )).toEqual([0, 8, 16, 24, 32, 36, 40, 41, 42, 44, 64, 72]);
    expect(DepGenBuffer.offsetOf('records')).toBe(64);
    expect(DEP_GEN_SHARED_BYTES).toBe(1088 + 192);
  });

  it('spells out the collectors’ free queue and ready entry shapes', () => {
    const fq = freeQueueLayout(4);
    expect(DepGenBufferState.offsetOf('freeQueueHead')).toBe(fq.offsetOf('head'));
    expect(DepGenBufferState.offsetOf('freeQueueTail')).toBe(fq.offsetOf('tail'));
    expect(DepGenBufferState.offsetOf('currentBufPtr')).toBe(fq.size);
    expect(ReadyQueueEntry.size).toBe(32);
  });

  it('generates a header that compiles as C and C++ next to the collectors’ layouts', () => {
    const dir = depGenIncludeDir();
    expect(fs.readFileSync(path.join(dir, DEP_GEN_HEADER_PATH), 'utf8')).toBe(depGenHeaderText());
    const collectorsInclude = path.dirname(require.resolve('@npurun/collectors/package.json')) + '/device/include';
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'npurun-depgen-h-'));
    try {
      for (const [lang, file] of [['c', 'probe.c'], ['c++', 'probe.cc']] as const) {
        const src = path.join(tmp, file);
        fs.writeFileSync(src, '#include <stddef.h>\n#include <npurun/collectors/layouts_a2a3.h>\n#include <npurun/dep_gen_layout.h>\nint probe(void) { return (int)sizeof(npurun_dep_gen_record); }\n');
        execFileSync('g++', ['-x', lang, '-fsyntax-only', '-I', dir, '-I', collectorsInclude, src], { stdio: 'pipe' });
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
