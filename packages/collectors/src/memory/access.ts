/**
 * How the host sees device-side diagnostic memory. Two implementations, chosen per arch
 *: **mapped** (a2a3: a zero-copy host view through `mapToHost`) and **shadow** (a5: host
 * copies refreshed by device→host copies, since a5 has no host mapping).
 *
 * The rule both keep: the host writes only the fields it owns (free-queue slots and tails,
 * ready-queue heads), each with its own single-field write. A bulk host→device write of a region
 * is allowed only before the device runs; during the run it would roll back fields the AI CPU
 * owns (its heads, tails and counters).
 */
import type { HostAccessMode } from '../arch';

/**
 * A device range with a persistent host image: the shared-memory header and state blocks of a
 * collector.
 */
export interface SharedRegion {
  /** Device address of the range. */
  readonly deviceAddr: bigint;
  /** Bytes in the range. */
  readonly size: number;
  /** The host image (mapped: live device memory; shadow: as of the last {@link pull}). */
  readonly bytes: Uint8Array;
  /** A DataView over {@link bytes}. */
  readonly view: DataView;
  /** Refreshes `[offset, offset + length)` of the image from the device (no-op when mapped). */
  pull(offset: number, length: number): void;
  /** Writes one host-owned u32 field to the device. */
  writeU32(offset: number, value: number): void;
  /** Writes one host-owned u64 field to the device. */
  writeU64(offset: number, value: bigint): void;
  /** Pushes the whole image to the device. Only before the device runs (see module comment). */
  pushAll(): void;
  /** Drops the host view (unmaps when mapped). Idempotent. */
  release(): void;
}

/** A device range read through short-lived views: data buffers and payload arenas. */
export interface DeviceWindow {
  /** Device address of the range. */
  readonly deviceAddr: bigint;
  /** Bytes in the range. */
  readonly size: number;
  /**
   * Bytes `[offset, offset + length)` as they are on the device now. The view is only valid until
   * the next `read` on any window of the same access (shadow mode reuses one scratch buffer).
   */
  read(offset: number, length: number): Uint8Array;
  /** Zeroes the whole range on the device (before the buffer is handed to a producer). */
  zero(): void;
  /** Zeroes `[offset, offset + length)` on the device. */
  zeroRange(offset: number, length: number): void;
  /** Drops the host view (unmaps when mapped). Idempotent. */
  release(): void;
}

/** One of the two host-access strategies. */
export interface DeviceAccess {
  /** Which strategy. */
  readonly mode: HostAccessMode;
  /** Opens a persistent-image view of a device range. */
  region(deviceAddr: bigint, size: number): SharedRegion;
  /** Opens a transient-read view of a device range. */
  window(deviceAddr: bigint, size: number): DeviceWindow;
}
