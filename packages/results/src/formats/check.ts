/** Shape checks for parsed files: each failure is a `RESULTS_BAD_FILE` naming the file and the field. */
import { badFile } from '../errors';

/** A JSON object's fields. */
export type Fields = Record<string, unknown>;

/** Parses JSON text, naming the file on failure. */
export function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw badFile(file, `not valid JSON (${(e as Error).message})`, e);
  }
}

/** Reads fields of one object of `file` at `where`, checking each type. */
export class Reader {
  constructor(
    private readonly file: string,
    private readonly where: string,
    /** The object read. */
    readonly fields: Fields,
  ) {}

  /** Checks that `value` is an object. */
  static of(value: unknown, file: string, where: string): Reader {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badFile(file, `${where}: expected an object, got ${JSON.stringify(value)?.slice(0, 80)}`);
    return new Reader(file, where, value as Fields);
  }

  private fail(key: string, expected: string): never {
    throw badFile(this.file, `${this.where}.${key}: expected ${expected}, got ${JSON.stringify(this.fields[key])?.slice(0, 80) ?? 'nothing'}`);
  }

  /** Whether `key` is present. */
  has(key: string): boolean {
    return this.fields[key] !== undefined;
  }

  /** A finite number. */
  num(key: string): number {
    const v = this.fields[key];
    return typeof v === 'number' && Number.isFinite(v) ? v : this.fail(key, 'a number');
  }

  /** A string. */
  str(key: string): string {
    const v = this.fields[key];
    return typeof v === 'string' ? v : this.fail(key, 'a string');
  }

  /** A boolean. */
  bool(key: string): boolean {
    const v = this.fields[key];
    return typeof v === 'boolean' ? v : this.fail(key, 'true or false');
  }

  /** An array. */
  arr(key: string): unknown[] {
    const v = this.fields[key];
    return Array.isArray(v) ? v : this.fail(key, 'an array');
  }

  /** An array of numbers. */
  nums(key: string): number[] {
    const a = this.arr(key);
    return a.every((x) => typeof x === 'number') ? (a as number[]) : this.fail(key, 'an array of numbers');
  }

  /** A u64 written as a decimal string or a number. */
  u64(key: string): bigint {
    const v = this.fields[key];
    if (typeof v === 'string' && /^\d{1,20}$/.test(v)) return BigInt(v);
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
    return this.fail(key, 'an unsigned integer');
  }

  /** A nested object. */
  obj(key: string): Reader {
    return Reader.of(this.fields[key], this.file, `${this.where}.${key}`);
  }
}
