/**
 * Device memory for tests without a device: allocations are host Uint8Arrays at fake addresses,
 * with the simulator's bounds checks, optional host mapping, and failure injection.
 */
import type { HostMapping } from '@npurun/hal-native';
import type { CollectorDeviceMemory } from '../../src';

export interface FakeMemoryOptions {
  /** false: mapToHost throws like a5 (HAL_UNSUPPORTED). */
  mappable?: boolean;
  /** Fail the n-th alloc (1-based). */
  failAllocAt?: number;
}

export class FakeDeviceMemory implements CollectorDeviceMemory {
  readonly allocs = new Map<bigint, Uint8Array>();
  readonly mapped = new Set<bigint>();
  private next = 0x1000_0000n;
  allocCount = 0;
  copiesToDevice = 0;
  copiesFromDevice = 0;
  bytesToDevice = 0;

  constructor(private readonly options: FakeMemoryOptions = {}) {}

  alloc(size: number | bigint): bigint {
    this.allocCount++;
    if (this.options.failAllocAt === this.allocCount) throw Object.assign(new Error('out of device memory'), { code: 'HAL_OUT_OF_MEMORY' });
    const n = Number(size);
    const addr = this.next;
    this.next += BigInt(Math.ceil((n + 1) / 512) * 512);
    this.allocs.set(addr, new Uint8Array(n).fill(0xcd)); // garbage, like fresh device memory
    return addr;
  }

  free(addr: bigint): void {
    if (!this.allocs.has(addr)) throw new Error(`free of unknown address 0x${addr.toString(16)}`);
    if (this.mapped.has(addr)) throw new Error(`free of mapped address 0x${addr.toString(16)}`);
    this.allocs.delete(addr);
  }

  /** The allocation containing [addr, addr+len) and the offset in it. */
  locate(addr: bigint, len: number): { mem: Uint8Array; off: number } {
    for (const [base, mem] of this.allocs) {
      if (addr >= base && addr < base + BigInt(mem.length)) {
        const off = Number(addr - base);
        if (off + len > mem.length) throw new Error(`range 0x${addr.toString(16)}+${len} runs past its allocation`);
        return { mem, off };
      }
    }
    throw new Error(`address 0x${addr.toString(16)} is not device memory`);
  }

  copyToDevice(dst: bigint, src: ArrayBufferView): void {
    const bytes = new Uint8Array(src.buffer, src.byteOffset, src.byteLength);
    const { mem, off } = this.locate(dst, bytes.length);
    mem.set(bytes, off);
    this.copiesToDevice++;
    this.bytesToDevice += bytes.length;
  }

  copyFromDevice(dst: ArrayBufferView, src: bigint): void {
    const out = new Uint8Array(dst.buffer, dst.byteOffset, dst.byteLength);
    const { mem, off } = this.locate(src, out.length);
    out.set(mem.subarray(off, off + out.length));
    this.copiesFromDevice++;
  }

  mapToHost(addr: bigint, size: number | bigint): HostMapping {
    if (this.options.mappable === false) throw Object.assign(new Error('mapToHost unsupported'), { code: 'HAL_UNSUPPORTED' });
    const mem = this.allocs.get(addr);
    if (mem === undefined) throw new Error(`map of unknown address 0x${addr.toString(16)}`);
    if (this.mapped.has(addr)) throw new Error('mapped twice');
    this.mapped.add(addr);
    return { deviceAddr: addr, size: Number(size), bytes: mem.subarray(0, Number(size)) };
  }

  unmapFromHost(addr: bigint): void {
    if (!this.mapped.delete(addr)) throw new Error(`unmap of unmapped address 0x${addr.toString(16)}`);
  }

  /** A DataView over device memory at addr (the "device side" of tests). */
  view(addr: bigint, len: number): DataView {
    const { mem, off } = this.locate(addr, len);
    return new DataView(mem.buffer, mem.byteOffset + off, len);
  }
}
