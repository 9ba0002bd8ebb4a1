/** Large host↔device copies in pieces: every byte lands, a bad range fails before any copy. */
import { COPY_PIECE_BYTES, copyFromDeviceSliced, copyToDeviceSliced, readOutputsSliced, zeroDeviceSliced } from '../src/sliced-copy';

/** One device allocation at `base`, with the bounds check the HAL makes on every copy. */
class FakeTarget {
  readonly mem: Uint8Array;
  readonly calls: Array<{ dir: 'to' | 'from'; offset: number; bytes: number }> = [];
  constructor(
    readonly base: bigint,
    size: number,
  ) {
    this.mem = new Uint8Array(size);
  }
  private range(addr: bigint, bytes: number): number {
    const off = Number(addr - this.base);
    if (off < 0 || off + bytes > this.mem.length) throw Object.assign(new Error(`range 0x${addr.toString(16)}+${bytes} is outside the allocation`), { code: 'HAL_INVALID_ARGUMENT' });
    return off;
  }
  copyToDevice(addr: bigint, view: ArrayBufferView): void {
    const off = this.range(addr, view.byteLength);
    this.mem.set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength), off);
    this.calls.push({ dir: 'to', offset: off, bytes: view.byteLength });
  }
  copyFromDevice(view: ArrayBufferView, addr: bigint): void {
    const off = this.range(addr, view.byteLength);
    new Uint8Array(view.buffer, view.byteOffset, view.byteLength).set(this.mem.subarray(off, off + view.byteLength));
    this.calls.push({ dir: 'from', offset: off, bytes: view.byteLength });
  }
}

const pattern = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

test('a large copy goes in pieces, last piece first, and every byte arrives', async () => {
  const size = 3 * COPY_PIECE_BYTES + 12345;
  const t = new FakeTarget(0x4000_0000n, size + 64);
  const src = pattern(size, 1);
  // A view into a larger buffer, at an offset, as a Float32Array: the copies must honour both.
  const host = new Uint8Array(size + 16);
  host.set(src, 8);
  await copyToDeviceSliced(t, t.base + 32n, new DataView(host.buffer, 8, size));
  expect(t.calls.map((c) => c.offset)).toEqual([32 + 3 * COPY_PIECE_BYTES, 32, 32 + COPY_PIECE_BYTES, 32 + 2 * COPY_PIECE_BYTES]);
  expect(Buffer.from(t.mem.subarray(32, 32 + size)).equals(Buffer.from(src))).toBe(true);
  const back = new Uint8Array(size);
  await copyFromDeviceSliced(t, back, t.base + 32n);
  expect(Buffer.from(back).equals(Buffer.from(src))).toBe(true);
});

test('a range that does not fit fails before anything is copied', async () => {
  const t = new FakeTarget(0x4000_0000n, 2 * COPY_PIECE_BYTES);
  const src = pattern(2 * COPY_PIECE_BYTES + 1, 2);
  await expect(copyToDeviceSliced(t, t.base, src)).rejects.toMatchObject({ code: 'HAL_INVALID_ARGUMENT' });
  expect(t.calls).toEqual([]);
  expect(t.mem.every((b) => b === 0)).toBe(true);
  const small = new FakeTarget(0x5000_0000n, 16);
  await expect(copyFromDeviceSliced(small, new Uint8Array(17), small.base)).rejects.toMatchObject({ code: 'HAL_INVALID_ARGUMENT' });
});

test('zeroing and readbacks cover the whole range', async () => {
  const size = 2 * COPY_PIECE_BYTES + 7;
  const t = new FakeTarget(0x6000_0000n, size);
  t.mem.fill(0xab);
  await zeroDeviceSliced(t, t.base, size);
  expect(t.mem.every((b) => b === 0)).toBe(true);
  t.mem.set(pattern(size, 3));
  const a = new Float32Array(COPY_PIECE_BYTES / 4 + 3);
  const b = new Uint8Array(size - a.byteLength);
  await readOutputsSliced(t, [
    { addr: t.base, view: a },
    { addr: t.base + BigInt(a.byteLength), view: b },
  ]);
  expect(Buffer.from(a.buffer).equals(Buffer.from(t.mem.subarray(0, a.byteLength)))).toBe(true);
  expect(Buffer.from(b).equals(Buffer.from(t.mem.subarray(a.byteLength)))).toBe(true);
});
