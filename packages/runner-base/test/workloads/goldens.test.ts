import {
  DUMMY_TASK_ELEMS,
  SPMD_OUTPUT_ELEMS,
  SeededRandom,
  TILE_DIM,
  TILE_ELEMS,
  addTilesGolden,
  dummyTaskGolden,
  f32Bits,
  f32FromBits,
  matmulTilesGolden,
  seededNormalF32,
  spmdGolden,
  vectorExampleGolden,
} from '../../src/workloads';
import { InvalidArgumentError } from '../../src/errors';

describe('dummyTaskGolden', () => {
  test.each(['single', 'chain'] as const)('%s: X[0] = Y[0] = 42, W untouched, rest -1', (shape) => {
    const g = dummyTaskGolden(shape);
    for (const k of ['x', 'y', 'w'] as const) expect(g[k]).toHaveLength(DUMMY_TASK_ELEMS);
    expect(Array.from(g.x)).toEqual([42, ...Array(15).fill(-1)]);
    expect(Array.from(g.y)).toEqual([42, ...Array(15).fill(-1)]);
    expect(Array.from(g.w)).toEqual(Array(16).fill(-1));
  });
  test('barrier: W[0] = 42 too', () => {
    expect(Array.from(dummyTaskGolden('barrier').w)).toEqual([42, ...Array(15).fill(-1)]);
  });
});

describe('spmdGolden', () => {
  test('one line per sub-core, block 0 of 1, zeros elsewhere', () => {
    const g = spmdGolden();
    expect(g).toHaveLength(SPMD_OUTPUT_ELEMS);
    const expected = new Array(48).fill(0);
    expected.splice(0, 2, 0, 1);
    expected.splice(16, 3, 0, 1, 0);
    expected.splice(32, 3, 0, 1, 1);
    expect(Array.from(g)).toEqual(expected);
  });
});

describe('vectorExampleGolden', () => {
  test('a = 2, b = 3 gives 47 everywhere', () => {
    const f = vectorExampleGolden(new Float32Array(64).fill(2), new Float32Array(64).fill(3));
    expect(Array.from(f)).toEqual(Array(64).fill(47));
  });
  test('follows (c+1)(c+2)+c per element, c = a + b', () => {
    const a = Float32Array.from([0, 1, -3, 0.5]);
    const b = Float32Array.from([0, 1, 1, 0.25]);
    expect(Array.from(vectorExampleGolden(a, b))).toEqual([2, 14, -2, Math.fround(1.75 * 2.75 + 0.75)]);
  });
  test('rejects inputs of different lengths', () => {
    expect(() => vectorExampleGolden(new Float32Array(2), new Float32Array(3))).toThrow(InvalidArgumentError);
  });
});

describe('matmulTilesGolden', () => {
  const identity = (): Float32Array => {
    const m = new Float32Array(TILE_ELEMS);
    for (let i = 0; i < TILE_DIM; i++) m[i * TILE_DIM + i] = 1;
    return m;
  };

  test('A · I = A and I · B = B, per tile', () => {
    const a = seededNormalF32(2 * TILE_ELEMS, 1);
    const eye = new Float32Array(2 * TILE_ELEMS);
    eye.set(identity(), 0);
    eye.set(identity(), TILE_ELEMS);
    expect(matmulTilesGolden(a, eye)).toEqual(a);
    expect(matmulTilesGolden(eye, a)).toEqual(a);
  });

  test('an element computed by hand: C[i][j] = sum_k A[i][k] B[k][j] (row-major)', () => {
    const a = seededNormalF32(TILE_ELEMS, 7);
    const b = seededNormalF32(TILE_ELEMS, 8);
    const c = matmulTilesGolden(a, b);
    for (const [i, j] of [[0, 0], [3, 117], [127, 5]] as const) {
      let sum = 0;
      for (let k = 0; k < TILE_DIM; k++) sum += a[i * TILE_DIM + k]! * b[k * TILE_DIM + j]!;
      expect(c[i * TILE_DIM + j]).toBeCloseTo(sum, 4);
    }
    // Not symmetric in its operands: a transposed layout would be caught.
    expect(matmulTilesGolden(b, a)).not.toEqual(c);
  });

  test('rejects partial tiles', () => {
    expect(() => matmulTilesGolden(new Float32Array(10), new Float32Array(10))).toThrow(InvalidArgumentError);
  });
});

describe('addTilesGolden', () => {
  test('rounds each sum to float32', () => {
    const z = addTilesGolden(Float32Array.from([1, 0.1]), Float32Array.from([2, 0.2]));
    expect(Array.from(z)).toEqual([3, Math.fround(Math.fround(0.1) + Math.fround(0.2))]);
  });
});

describe('f32Bits', () => {
  test('encodes IEEE-754 binary32 bits', () => {
    expect(f32Bits(1)).toBe(0x3f800000);
    expect(f32Bits(2)).toBe(0x40000000);
    expect(f32Bits(-2.25)).toBe(0xc0100000);
    expect(f32Bits(0)).toBe(0);
  });
  test('round-trips through f32FromBits, ignoring the high 32 bits', () => {
    for (const v of [1, -2.25, 0.1, 3.4e38, -0]) expect(f32FromBits(f32Bits(v))).toBe(Math.fround(v));
    expect(f32FromBits((0xdeadn << 32n) | BigInt(f32Bits(1.5)))).toBe(1.5);
  });
});

describe('SeededRandom', () => {
  test('the same seed gives the same sequence; another seed another', () => {
    const a = seededNormalF32(1000, 42, 0.01);
    expect(seededNormalF32(1000, 42, 0.01)).toEqual(a);
    expect(seededNormalF32(1000, 43, 0.01)).not.toEqual(a);
  });
  test('normals have mean ~0 and standard deviation ~scale', () => {
    const n = 200_000;
    const xs = seededNormalF32(n, 42, 0.01);
    let sum = 0;
    let sq = 0;
    for (const x of xs) {
      sum += x;
      sq += x * x;
    }
    const mean = sum / n;
    expect(Math.abs(mean)).toBeLessThan(1e-4);
    expect(Math.sqrt(sq / n - mean * mean)).toBeCloseTo(0.01, 3);
  });
  test('uniforms lie in (0, 1) and fill it', () => {
    const r = new SeededRandom(5);
    let lo = 1;
    let hi = 0;
    for (let i = 0; i < 100_000; i++) {
      const u = r.uniform();
      expect(u > 0 && u < 1).toBe(true);
      lo = Math.min(lo, u);
      hi = Math.max(hi, u);
    }
    expect(lo).toBeLessThan(1e-3);
    expect(hi).toBeGreaterThan(1 - 1e-3);
  });
});
