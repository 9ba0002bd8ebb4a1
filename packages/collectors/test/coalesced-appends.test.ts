/**
 * Appends gathered into blocks: the file must hold exactly what was appended, in order, with the
 * dropped tails gone whether they were still in the block or already queued, in far fewer writes
 * than appends.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BackgroundWrites } from '../src/framework/background-writes';
import { CoalescedAppends } from '../src/framework/coalesced-appends';
import { tmpDir } from './helpers/harness';

/** `length` bytes counting up from `seed`. */
const bytes = (seed: number, length: number): Uint8Array => Uint8Array.from({ length }, (_, i) => (seed + i) & 0xff);

describe('CoalescedAppends', () => {
  let dir: string;
  let file: string;
  let writes: BackgroundWrites;
  beforeEach(() => {
    dir = tmpDir('appends');
    file = path.join(dir, 'out.bin');
    writes = new BackgroundWrites(fs.openSync(file, 'w+'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('the file holds every append in order, written a block at a time', async () => {
    const appends = new CoalescedAppends(writes, 1000);
    const queued = jest.spyOn(writes, 'write');
    const expected: number[] = [];
    const sizes = [1, 300, 699, 1000, 0, 250, 250, 250, 251, 999, 7];
    sizes.forEach((n, k) => {
      const src = bytes(k * 31, n);
      appends.append(n, (into) => into.set(src));
      expected.push(...src);
    });
    expect(appends.length).toBe(expected.length);
    expect(appends.backlog).toBeGreaterThan(0);
    await appends.close(); // writes the last block first
    expect([...fs.readFileSync(file)]).toEqual(expected);
    // Blocks of at most 1 000 bytes, each as full as the next append allowed: 6 writes for 11 appends.
    expect(queued.mock.calls.map((c) => c[0].length)).toEqual([1000, 1000, 750, 251, 999, 7]);
  });

  test('a dropped tail still in the block never reaches the file; one already queued is truncated away', async () => {
    const appends = new CoalescedAppends(writes, 100);
    const truncations = jest.spyOn(writes, 'truncate');
    appends.append(60, (into) => into.set(bytes(0, 60)));
    appends.append(30, (into) => into.set(bytes(100, 30)));
    appends.dropTail(30); // still in the block
    expect(appends.length).toBe(60);
    appends.append(80, (into) => into.set(bytes(200, 80))); // the 60 go to the file first
    appends.append(10, (into) => into.set(bytes(50, 10)));
    appends.dropTail(10 + 80 + 20); // the block's 90 and 20 of the 60 already queued
    expect(appends.length).toBe(40);
    expect(truncations.mock.calls).toEqual([[40]]);
    appends.append(5, (into) => into.set(bytes(77, 5)));
    await appends.drained();
    expect(fs.readFileSync(file).length).toBe(45);
    await appends.close();
    expect([...fs.readFileSync(file)]).toEqual([...bytes(0, 40), ...bytes(77, 5)]);
  });

  test('a fill that throws appends nothing; sizes out of range are refused by name', async () => {
    const appends = new CoalescedAppends(writes, 64);
    appends.append(8, (into) => into.set(bytes(1, 8)));
    expect(() =>
      appends.append(8, () => {
        throw new Error('device copy failed');
      }),
    ).toThrow('device copy failed');
    expect(appends.length).toBe(8);
    expect(() => appends.append(65, () => undefined)).toThrow(/65 bytes; an append takes 0 to 64/);
    expect(() => appends.append(-1, () => undefined)).toThrow(RangeError);
    expect(() => appends.dropTail(9)).toThrow(/9 bytes of the 8 appended/);
    appends.append(4, (into) => into.set(bytes(9, 4)));
    await appends.close();
    expect([...fs.readFileSync(file)]).toEqual([...bytes(1, 8), ...bytes(9, 4)]);
  });

  test('abandoned: the block is dropped, and the descriptor is closed', async () => {
    const before = fs.readdirSync('/proc/self/fd').length;
    const appends = new CoalescedAppends(writes, 64);
    appends.append(40, (into) => into.set(bytes(3, 40)));
    appends.abandon();
    for (let i = 0; i < 100 && fs.readdirSync('/proc/self/fd').length >= before; i++) await new Promise((r) => setTimeout(r, 5));
    expect(fs.readdirSync('/proc/self/fd').length).toBe(before - 1);
    expect(fs.readFileSync(file).length).toBe(0);
  });
});
