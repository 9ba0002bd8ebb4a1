/**
 * Mapped access (a2a3): every range is mapped into the host once and read and written in place.
 */
import type { HostMapping } from '@npurun/hal-native';
import type { CollectorDeviceMemory } from '../collector';
import type { DeviceAccess, DeviceWindow, SharedRegion } from './access';

class MappedRange implements SharedRegion, DeviceWindow {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  // Aligned 32-bit view for the host's own head/tail stores: an Atomics store keeps the slot write
  // before it ordered ahead of the index write, the host half of the queue protocol's barrier.
  private readonly words: Int32Array | undefined;
  private released = false;

  constructor(
    private readonly memory: CollectorDeviceMemory,
    private readonly mapping: HostMapping,
    readonly deviceAddr: bigint,
    readonly size: number,
  ) {
    this.bytes = mapping.bytes;
    this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    this.words = this.bytes.byteOffset % 4 === 0 ? new Int32Array(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength >>> 2) : undefined;
  }

  pull(): void {
    // The image is the device memory itself.
  }

  writeU32(offset: number, value: number): void {
    if (this.words !== undefined && offset % 4 === 0) Atomics.store(this.words, offset >>> 2, value | 0);
    else this.view.setUint32(offset, value, true);
  }

  writeU64(offset: number, value: bigint): void {
    this.view.setBigUint64(offset, value, true);
  }

  pushAll(): void {
    // Writes already landed in device memory.
  }

  read(offset: number, length: number): Uint8Array {
    return this.bytes.subarray(offset, offset + length);
  }

  zero(): void {
    this.bytes.fill(0);
  }

  zeroRange(offset: number, length: number): void {
    this.bytes.fill(0, offset, offset + length);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.memory.unmapFromHost(this.mapping.deviceAddr);
  }
}

/** Mapped access over a runner's device memory (`mapToHost` per range). */
export class MappedAccess implements DeviceAccess {
  readonly mode = 'mapped' as const;

  constructor(private readonly memory: CollectorDeviceMemory) {}

  region(deviceAddr: bigint, size: number): SharedRegion {
    return this.open(deviceAddr, size);
  }

  window(deviceAddr: bigint, size: number): DeviceWindow {
    return this.open(deviceAddr, size);
  }

  private open(deviceAddr: bigint, size: number): MappedRange {
    const mapping = this.memory.mapToHost(deviceAddr, size);
    return new MappedRange(this.memory, mapping, deviceAddr, size);
  }
}
