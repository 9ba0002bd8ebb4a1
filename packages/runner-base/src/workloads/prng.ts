/**
 * A small seeded PRNG for workload inputs: reproducible across runs and machines, with no
 * dependency. xoshiro128** for uniforms (seeded through splitmix32), the polar method for normals.
 * Not cryptographic; only the inputs' reproducibility matters.
 */

// Module-level aliases: under a VM-context global (jest's test environment) every `Math.x` lookup
// goes through a slow global object, which made input generation dozens of times slower.
const { imul, log, sqrt } = Math;

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = imul(z ^ (z >>> 16), 0x85ebca6b);
  z = imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** A seeded generator of uniform and normal variates. */
export class SeededRandom {
  // State in an Int32Array: plain number fields would flip between small-integer and double
  // representations (uint32 values above 2^31), which makes V8 box every update.
  private readonly s = new Int32Array(4);
  private spare = 0;
  private hasSpare = false;

  /** @param seed any 32-bit integer; the same seed gives the same sequence */
  constructor(seed: number) {
    const st = { s: seed | 0 };
    for (let i = 0; i < 4; i++) this.s[i] = splitmix32(st);
  }

  /** The next 32-bit unsigned integer. */
  nextU32(): number {
    const s = this.s;
    const result = imul(rotl(imul(s[1]!, 5), 7), 9) >>> 0;
    const t = s[1]! << 9;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return result;
  }

  /** A uniform variate in (0, 1) (never 0, so it is safe under a logarithm). */
  uniform(): number {
    return (this.nextU32() + 0.5) / 4294967296;
  }

  /** A standard normal variate (mean 0, standard deviation 1). */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    // Marsaglia's polar method: Box–Muller without the trigonometry.
    let u: number;
    let v: number;
    let q: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      q = u * u + v * v;
    } while (q >= 1);
    const scale = sqrt((-2 * log(q)) / q);
    this.spare = v * scale;
    this.hasSpare = true;
    return u * scale;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A float32 array of `length` normal variates times `scale`, from a generator seeded with `seed`. */
export function seededNormalF32(length: number, seed: number, scale = 1): Float32Array {
  const rng = new SeededRandom(seed);
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = rng.normal() * scale;
  return out;
}
