/** Ordered positional writes off the JS thread: same file content as the synchronous calls. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BackgroundWrites } from '../src/framework/background-writes';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bg-writes-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const bytes = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill);

test('writes and truncations land in the order they were queued', async () => {
  const file = path.join(dir, 'a.bin');
  const w = new BackgroundWrites(fs.openSync(file, 'w+'));
  w.write(bytes(100, 1), 0);
  w.write(bytes(50, 2), 100);
  expect(w.backlog).toBe(150);
  w.truncate(100); // the second write is dropped again…
  w.write(bytes(20, 3), 100); // …and its place taken by the next one
  await w.drained();
  expect(w.backlog).toBe(0);
  await w.close();
  const got = fs.readFileSync(file);
  expect(got.length).toBe(120);
  expect(got.subarray(0, 100).every((b) => b === 1)).toBe(true);
  expect(got.subarray(100).every((b) => b === 3)).toBe(true);
});

test('a failed write rejects drained and close; abandon drops what has not started', async () => {
  const file = path.join(dir, 'b.bin');
  const readOnly = fs.openSync((fs.writeFileSync(file, ''), file), 'r');
  const w = new BackgroundWrites(readOnly);
  w.write(bytes(10, 1), 0);
  await expect(w.drained()).rejects.toMatchObject({ code: 'EBADF' });
  await expect(w.close()).rejects.toMatchObject({ code: 'EBADF' });

  const other = path.join(dir, 'c.bin');
  const a = new BackgroundWrites(fs.openSync(other, 'w+'));
  for (let i = 0; i < 50; i++) a.write(bytes(4096, 7), i * 4096);
  a.abandon();
  await a.drained();
  expect(a.backlog).toBe(0);
  expect(fs.statSync(other).size).toBeLessThan(50 * 4096);
});
