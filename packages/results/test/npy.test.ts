// The .npy writer and reader, and numpy's own reading of what we write (when python3 with numpy is here).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodeNpy, dtypeInfo, encodeNpy, halfToNumber } from '../src';

function numpyAvailable(): boolean {
  try {
    execFileSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('the header is padded so the data starts on a 64-byte boundary, and decodes back', () => {
  for (const shape of [[], [3], [2, 3], [1, 2, 3, 4]]) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = Float32Array.from({ length: n }, (_, i) => i * 0.5);
    const bytes = encodeNpy(data, '<f4', shape);
    const headerLen = new DataView(bytes.buffer).getUint16(8, true);
    expect((10 + headerLen) % 64).toBe(0);
    expect(String.fromCharCode(bytes[10 + headerLen - 1]!)).toBe('\n');
    const back = decodeNpy(bytes);
    expect(back.descr).toBe('<f4');
    expect(back.shape).toEqual(shape);
    expect(Array.from(new Float32Array(back.data.slice().buffer))).toEqual(Array.from(data));
  }
});

test('a shape that does not match the data is refused with a typed error', () => {
  expect(() => encodeNpy(new Float32Array(4), '<f4', [3])).toThrow(expect.objectContaining({ code: 'RESULTS_INVALID_ARGUMENT' }));
  expect(() => decodeNpy(new Uint8Array([1, 2, 3]))).toThrow(expect.objectContaining({ code: 'RESULTS_INVALID_ARGUMENT' }));
});

test('half-precision element types decode exactly', () => {
  expect([0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00].map(halfToNumber)).toEqual([1, -2, 65504, 2 ** -24, Infinity]);
  const bf16 = dtypeInfo('bfloat16')!.decode(new Uint8Array([0x80, 0x3f, 0x40, 0xc0])); // 1.0, -3.0
  expect(Array.from(bf16 as Float32Array)).toEqual([1, -3]);
  expect(dtypeInfo('FLOAT16')!.npy).toBe('<f2');
  expect(dtypeInfo('no-such-type')).toBeUndefined();
});

(numpyAvailable() ? test : test.skip)('numpy loads what encodeNpy writes (dtype, shape, values)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'npurun-npy-'));
  try {
    const cases: Array<[string, string, Parameters<typeof encodeNpy>[0], number[]]> = [
      ['f4', '<f4', Float32Array.from([1.5, -2, 3.25, 0, 7, 8]), [2, 3]],
      ['i8', '<i8', BigInt64Array.from([-1n, 2n ** 40n]), [2]],
      ['u1', '|u1', Uint8Array.from([0, 255, 7]), [3]],
      ['f2', '<f2', Uint16Array.from([0x3c00, 0xc000]), [2]],
    ];
    for (const [name, descr, data, shape] of cases) fs.writeFileSync(path.join(dir, `${name}.npy`), encodeNpy(data, descr, shape));
    const out = execFileSync(
      'python3',
      ['-c', `import numpy as np, json, sys\nr={}\nfor n in ['f4','i8','u1','f2']:\n  a=np.load(sys.argv[1]+'/'+n+'.npy')\n  r[n]=[str(a.dtype), list(a.shape), [float(x) for x in a.ravel()]]\nprint(json.dumps(r))`, dir],
      { encoding: 'utf8' },
    );
    expect(JSON.parse(out)).toEqual({
      f4: ['float32', [2, 3], [1.5, -2, 3.25, 0, 7, 8]],
      i8: ['int64', [2], [-1, 2 ** 40]],
      u1: ['uint8', [3], [0, 255, 7]],
      f2: ['float16', [2], [1, -2]],
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
