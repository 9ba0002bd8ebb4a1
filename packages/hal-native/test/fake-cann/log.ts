/** Reading the fake CANN call log: one line per vendor call, `<fn> key=value ... t=<thread> -> <rc>`. */
import * as fs from 'node:fs';

/** One logged vendor call. */
export interface FakeCall {
  /** Vendor function name, e.g. `rtMalloc`. */
  readonly fn: string;
  /** Key arguments and results as logged. */
  readonly args: Readonly<Record<string, string>>;
  /** Small per-process thread number (1 = the first thread that called into the fake). */
  readonly thread: number;
  /** The code the call returned. */
  readonly rc: number;
}

/** Parses one log line. */
export function parseFakeCall(line: string): FakeCall {
  const m = /^(\S+)((?: \S+=\S*)*) t=(\d+) -> (-?\d+)$/.exec(line);
  const [, fn, pairs, thread, rc] = m ?? [];
  if (fn === undefined || pairs === undefined) throw new Error(`unparsable fake CANN log line: ${line}`);
  const args: Record<string, string> = {};
  for (const pair of pairs.trim().split(' ').filter((p) => p !== '')) {
    const eq = pair.indexOf('=');
    args[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return { fn, args, thread: Number(thread), rc: Number(rc) };
}

/** Every call logged to `file` so far (none when it does not exist yet). */
export function readFakeLog(file: string): FakeCall[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map(parseFakeCall);
}

/** FNV-1a 64 of bytes, as the fake logs `argsHash` of an AI CPU launch. */
export function fnv1a64(bytes: Uint8Array): string {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}

/** `items[index]`, or a thrown Error naming `what` when there is no such item. */
export function itemAt<T>(items: readonly T[], index: number, what = 'item'): T {
  const item = items[index];
  if (item === undefined) throw new Error(`no ${what} at index ${index} (of ${items.length})`);
  return item;
}
