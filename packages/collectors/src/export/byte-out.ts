/**
 * The formatting core of the exports: text is produced straight into a preallocated byte buffer —
 * numbers as digits, constant text as prepared words — and handed to the file a large chunk at a
 * time. No per-record strings are built, so a record costs a few hundred nanoseconds and no garbage.
 *
 * Every formatter here prints exactly what the JavaScript spelling would (`String(n)`,
 * `x.toFixed(3)`, `JSON.stringify(s)`); the exports' byte-for-byte tests hold them to it.
 */
import type { TimeSlicer } from '../framework/slicer';

/** Where full chunks go (a {@link TextFileWriter}, or anything collecting bytes). */
export interface ByteSink {
  /**
   * Takes a chunk; the caller never touches it again, unless the sink gives it back by calling
   * `release` once its bytes are no longer needed (written out): the caller may then reuse the
   * memory for a later chunk. A sink that keeps chunks simply never calls it. Returns a promise
   * when the caller should wait before handing over more (the file is behind), otherwise
   * `undefined`.
   */
  writeBytes(chunk: Uint8Array, release?: () => void): Promise<void> | undefined;
}

/**
 * Constant ASCII text prepared for {@link ByteOut.lit}: its bytes as 8-byte little-endian words,
 * stored as doubles so one store writes eight bytes. ASCII bytes are below 0x80, so no word has
 * the exponent bits of a NaN or an infinity: every word is an ordinary double and is stored back
 * bit for bit.
 */
export class AsciiLiteral {
  /** The text. */
  readonly text: string;
  /** Bytes of the text. */
  readonly length: number;
  /** The bytes, eight per word, zero-padded at the end. */
  readonly words: Float64Array;

  /**
   * @throws RangeError for text that is not plain ASCII
   */
  constructor(text: string) {
    if (!/^[\x00-\x7f]*$/.test(text)) throw new RangeError(`AsciiLiteral: not ASCII: ${JSON.stringify(text)}`);
    this.text = text;
    this.length = text.length;
    const bytes = new Uint8Array(8 * Math.ceil(text.length / 8));
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    const view = new DataView(bytes.buffer);
    this.words = new Float64Array(bytes.length / 8);
    for (let k = 0; k < this.words.length; k++) this.words[k] = view.getFloat64(8 * k, true);
  }
}

/** Prepares constant text for {@link ByteOut.lit}. */
export function ascii(text: string): AsciiLiteral {
  return new AsciiLiteral(text);
}

// Literal words may run up to 7 bytes past the literal; numbers never write past what they reserve.
const SLACK = 64;
/** Default chunk size: large writes, and few enough of them that handing one over is negligible. */
export const DEFAULT_CHUNK_BYTES = 1 << 20;
// Chunks start this small and double up to the chunk size: small files (most exports) then cost
// little memory, and fewer large allocations mean fewer collections triggered by external memory.
const FIRST_CHUNK_BYTES = 64 * 1024;
// Full-size chunks a sink gave back, kept for reuse. A sink runs at most a few megabytes ahead, so
// a handful covers a steady stream: a long export then allocates no new chunk memory at all (fresh
// chunks cost page faults, and their churn of external memory triggered full collections).
const POOL_CHUNKS = 16;
const TWO_POW_32 = 4294967296;
const TWO_POW_21 = 2097152;
// Above this, x·1000 is no longer held to a thousandth of a unit: toFixed decides.
const FIXED3_FAST_LIMIT = TWO_POW_32 * 1000;

const DIGIT_PAIRS = new Uint8Array(200);
for (let i = 0; i < 100; i++) {
  DIGIT_PAIRS[2 * i] = 48 + Math.floor(i / 10);
  DIGIT_PAIRS[2 * i + 1] = 48 + (i % 10);
}
const HEX = new Uint8Array([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);
const encoder = new TextEncoder();

function decimalDigits(n: number): number {
  if (n < 100000) return n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : n < 10000 ? 4 : 5;
  return n < 1000000 ? 6 : n < 10000000 ? 7 : n < 100000000 ? 8 : n < 1000000000 ? 9 : 10;
}

/** A byte buffer that text is formatted into, handed to a {@link ByteSink} a chunk at a time. */
export class ByteOut {
  private bytes: Uint8Array;
  private view: DataView;
  private limit: number;
  private pos = 0;
  private size: number;
  private waiting: Promise<void> | undefined;
  private handed = 0;
  private readonly pool: Uint8Array[] = [];

  /**
   * @param sink where full chunks go
   * @param chunkBytes bytes per chunk
   */
  constructor(
    private readonly sink: ByteSink,
    private readonly chunkBytes: number = DEFAULT_CHUNK_BYTES,
  ) {
    this.size = Math.min(chunkBytes, FIRST_CHUNK_BYTES);
    this.bytes = allocate(this.size);
    this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    this.limit = this.size;
  }

  /** Bytes formatted so far (handed over or not). */
  get written(): number {
    return this.handed + this.pos;
  }

  /**
   * Makes sure `n` more bytes fit in the current chunk, handing the chunk over first when they do
   * not. Callers reserve a bound for a whole record, then format it without further checks.
   */
  reserve(n: number): void {
    if (this.pos + n > this.limit) this.handOver(n);
  }

  /** Constant text. */
  lit(l: AsciiLiteral): void {
    const w = l.words;
    const v = this.view;
    const p = this.pos;
    for (let k = 0; k < w.length; k++) v.setFloat64(p + 8 * k, w[k]!, true);
    this.pos = p + l.length;
  }

  /** One byte (an ASCII character code). */
  byte(c: number): void {
    this.bytes[this.pos++] = c;
  }

  /** A non-negative integer below 2^32, as `String(n)` prints it. */
  u32(n: number): void {
    const b = this.bytes;
    let i = this.pos + decimalDigits(n);
    this.pos = i;
    let m = n;
    while (m >= 100) {
      const q = (m / 100) >>> 0;
      const r = (m - q * 100) << 1;
      b[--i] = DIGIT_PAIRS[r + 1]!;
      b[--i] = DIGIT_PAIRS[r]!;
      m = q;
    }
    if (m >= 10) {
      b[--i] = DIGIT_PAIRS[2 * m + 1]!;
      b[--i] = DIGIT_PAIRS[2 * m]!;
    } else {
      b[--i] = 48 + m;
    }
  }

  /** A non-negative safe integer, as `String(n)` prints it. */
  uint(n: number): void {
    if (n < TWO_POW_32) {
      this.u32(n);
      return;
    }
    // n < 2^53, so the quotient has at most 7 digits; the division may round up by one.
    let high = Math.floor(n / 1e9);
    let low = n - high * 1e9;
    if (low < 0) {
      high -= 1;
      low += 1e9;
    }
    this.u32(high);
    this.nineDigits(low);
  }

  private nineDigits(n: number): void {
    const b = this.bytes;
    let i = this.pos + 9;
    this.pos = i;
    let m = n;
    for (let k = 0; k < 9; k++) {
      const q = (m / 10) >>> 0;
      b[--i] = 48 + m - q * 10;
      m = q;
    }
  }

  /** Any safe integer, as `String(n)` prints it. */
  int(n: number): void {
    if (n < 0) {
      this.bytes[this.pos++] = 45;
      this.uint(-n);
    } else {
      this.uint(n);
    }
  }

  /** Any number, as `String(n)` prints it (integers formatted here, anything else by `String`). */
  number(n: number): void {
    if (Number.isSafeInteger(n)) {
      this.reserve(24);
      this.int(n);
    } else {
      this.latin1(String(n));
    }
  }

  /** The unsigned 64-bit integer `high·2^32 + low`, in decimal. */
  u64(low: number, high: number): void {
    if (high < TWO_POW_21) this.uint(high * TWO_POW_32 + low);
    else this.latin1(((BigInt(high) << 32n) | BigInt(low)).toString());
  }

  /** A bigint, as `String(b)` prints it. */
  bigint(b: bigint): void {
    if (b >= 0n && b <= 9007199254740991n) this.uint(Number(b));
    else this.latin1(b.toString());
  }

  /** `0x` and 16 lower-case hex digits of `high·2^32 + low`. */
  hex16(low: number, high: number): void {
    const b = this.bytes;
    const p = this.pos;
    b[p] = 48;
    b[p + 1] = 120;
    for (let k = 0; k < 8; k++) {
      b[p + 2 + k] = HEX[(high >>> (28 - 4 * k)) & 15]!;
      b[p + 10 + k] = HEX[(low >>> (28 - 4 * k)) & 15]!;
    }
    this.pos = p + 18;
  }

  /**
   * `x.toFixed(3)`: the integer n nearest to x·1000 (the larger on a tie) over 1000. Done in
   * integers except where x·1000, computed in doubles, lies too close to a tie to tell (or x is
   * negative, not finite or huge): there `toFixed` itself decides.
   */
  fixed3(x: number): void {
    const y = x * 1000;
    if (y >= 0 && y < FIXED3_FAST_LIMIT) {
      const floor = Math.floor(y);
      const offTie = y - floor - 0.5;
      // y carries at most half an ulp of error (< y·2^-53); this margin is four times that.
      const margin = y * 4.5e-16 + 1e-9;
      if (offTie > margin || offTie < -margin) {
        const r = offTie > 0 ? floor + 1 : floor;
        const whole = Math.floor(r / 1000);
        const milli = r - whole * 1000;
        this.u32(whole);
        const b = this.bytes;
        const p = this.pos;
        const hundreds = (milli / 100) >>> 0;
        const rest = (milli - hundreds * 100) << 1;
        b[p] = 46;
        b[p + 1] = 48 + hundreds;
        b[p + 2] = DIGIT_PAIRS[rest]!;
        b[p + 3] = DIGIT_PAIRS[rest + 1]!;
        this.pos = p + 4;
        return;
      }
    }
    this.latin1(x.toFixed(3));
  }

  /** A string of one-byte characters (digits, ASCII words); reserves its own room. */
  latin1(s: string): void {
    this.reserve(s.length);
    const b = this.bytes;
    let p = this.pos;
    for (let i = 0; i < s.length; i++) b[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /** Any string, UTF-8 encoded; reserves its own room. */
  utf8(s: string): void {
    this.reserve(3 * s.length);
    const { written } = encoder.encodeInto(s, this.bytes.subarray(this.pos, this.pos + 3 * s.length));
    this.pos += written;
  }

  /** `JSON.stringify(s)`, UTF-8 encoded. */
  jsonString(s: string): void {
    this.utf8(JSON.stringify(s));
  }

  /** Already encoded bytes; reserves their room. */
  raw(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.bytes.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /**
   * Hands what is formatted over to the sink and returns the sink's wait, if any. Nothing is
   * allocated until more is written (after a {@link reserve}, as always).
   */
  flush(): Promise<void> | undefined {
    this.handOver(-1);
    return this.takeWait();
  }

  /**
   * Where a long loop may pause: waits for the sink when it is behind (that gives the event loop
   * its turn too), else pauses when the slice is used up. Returns `undefined` when neither.
   */
  pace(slicer: TimeSlicer): Promise<void> | undefined {
    const wait = this.takeWait();
    if (wait !== undefined) return wait.then(() => slicer.restart());
    return slicer.pauseIfDue();
  }

  private takeWait(): Promise<void> | undefined {
    const w = this.waiting;
    this.waiting = undefined;
    return w;
  }

  /** Hands the chunk over; then makes room for `next` bytes, or none (`-1`: allocated on demand). */
  private handOver(next: number): void {
    if (this.pos > 0) {
      const full = this.bytes;
      const release = this.limit === this.chunkBytes ? (): void => this.recycle(full) : undefined;
      const wait = this.sink.writeBytes(full.subarray(0, this.pos), release);
      if (wait !== undefined) this.waiting = this.waiting === undefined ? wait : Promise.all([this.waiting, wait]).then(() => undefined);
      this.handed += this.pos;
      this.size = Math.min(this.chunkBytes, 2 * this.size);
    }
    const size = next < 0 ? 0 : Math.max(this.size, next);
    this.bytes = size === this.chunkBytes && this.pool.length > 0 ? this.pool.pop()! : allocate(size);
    this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    this.limit = size;
    this.pos = 0;
  }

  /** A full-size chunk the sink gave back. */
  private recycle(chunk: Uint8Array): void {
    if (this.pool.length < POOL_CHUNKS) this.pool.push(chunk);
  }
}

function allocate(size: number): Uint8Array {
  // Not zeroed: every byte handed over was written first.
  return Buffer.allocUnsafeSlow(size + SLACK);
}

/** A sink that keeps every chunk in memory (small files, tests). */
export class MemorySink implements ByteSink {
  private readonly chunks: Uint8Array[] = [];

  /** @inheritDoc */
  writeBytes(chunk: Uint8Array): undefined {
    this.chunks.push(chunk);
    return undefined;
  }

  /** Everything written, as one buffer. */
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  /** Everything written, decoded as UTF-8. */
  text(): string {
    return this.bytes().toString('utf8');
  }
}
