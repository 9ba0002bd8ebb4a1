/**
 * Shadow access (a5): the host keeps copies, refreshed from the device range by range, and writes
 * back only the single fields it owns.
 */
import type { CollectorDeviceMemory } from '../collector';
import type { DeviceAccess, DeviceWindow, SharedRegion } from './access';

const ZERO_CHUNK = 1 << 20;

class ShadowRegion implements SharedRegion {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  private released = false;

  constructor(
    private readonly memory: CollectorDeviceMemory,
    readonly deviceAddr: bigint,
    readonly size: number,
  ) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }

  pull(offset: number, length: number): void {
    if (length <= 0) return;
    this.memory.copyFromDevice(this.bytes.subarray(offset, offset + length), this.deviceAddr + BigInt(offset));
  }

  writeU32(offset: number, value: number): void {
    this.view.setUint32(offset, value, true);
    this.push(offset, 4);
  }

  writeU64(offset: number, value: bigint): void {
    this.view.setBigUint64(offset, value, true);
    this.push(offset, 8);
  }

  pushAll(): void {
    this.push(0, this.size);
  }

  release(): void {
    this.released = true;
  }

  private push(offset: number, length: number): void {
    if (this.released) return;
    this.memory.copyToDevice(this.deviceAddr + BigInt(offset), this.bytes.subarray(offset, offset + length));
  }
}

class ShadowWindow implements DeviceWindow {
  constructor(
    private readonly owner: ShadowAccess,
    readonly deviceAddr: bigint,
    readonly size: number,
  ) {}

  read(offset: number, length: number): Uint8Array {
    return this.owner.copyOut(this.deviceAddr + BigInt(offset), length);
  }

  zero(): void {
    this.owner.zeroDevice(this.deviceAddr, this.size);
  }

  zeroRange(offset: number, length: number): void {
    this.owner.zeroDevice(this.deviceAddr + BigInt(offset), length);
  }

  release(): void {
    // Nothing is held per window.
  }
}

/** Shadow access over a runner's device memory (device→host copies, single-field write-backs). */
export class ShadowAccess implements DeviceAccess {
  readonly mode = 'shadow' as const;
  // One grow-only scratch for every window: reads are consumed before the next one starts, so
  // per-buffer shadows (hundreds of MB for a5's l2 buffers) are never needed.
  private scratch = new Uint8Array(64 * 1024);
  private zeros: Uint8Array | undefined;

  constructor(private readonly memory: CollectorDeviceMemory) {}

  region(deviceAddr: bigint, size: number): SharedRegion {
    return new ShadowRegion(this.memory, deviceAddr, size);
  }

  window(deviceAddr: bigint, size: number): DeviceWindow {
    return new ShadowWindow(this, deviceAddr, size);
  }

  /** @internal Copies `length` device bytes into the scratch and returns that view. */
  copyOut(addr: bigint, length: number): Uint8Array {
    if (length > this.scratch.length) this.scratch = new Uint8Array(Math.max(length, this.scratch.length * 2));
    const view = this.scratch.subarray(0, length);
    if (length > 0) this.memory.copyFromDevice(view, addr);
    return view;
  }

  /** @internal Zeroes a device range with chunked host→device copies. */
  zeroDevice(addr: bigint, size: number): void {
    this.zeros ??= new Uint8Array(ZERO_CHUNK);
    for (let done = 0; done < size; done += ZERO_CHUNK) {
      const n = Math.min(ZERO_CHUNK, size - done);
      this.memory.copyToDevice(addr + BigInt(done), this.zeros.subarray(0, n));
    }
  }
}
