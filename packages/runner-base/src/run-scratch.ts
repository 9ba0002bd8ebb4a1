/**
 * The device memory a run needs only while it runs — the device KernelArgs copy, the runtime image
 * and, on the simulator, the dispatch block — held by the runner from one run to the next in one
 * allocation, rather than allocated and freed three times per run.
 *
 * A device allocation is not cheap even when the bytes are few: on hardware it is a vendor call
 * each way, and on the simulator every allocation and free also changes the device process's page
 * protection (a message to it and an `mprotect` there). Each run rewrites every byte it uses before
 * launching, and a run only starts once the previous one's streams have ended, so reuse is safe.
 */
import type { DeviceAllocator } from './device-allocator';

/** Where a run's parts live inside the scratch region. */
export interface ScratchLayout {
  /** Offset of the device KernelArgs copy. */
  readonly kernelArgs: number;
  /** Offset of the runtime image. */
  readonly image: number;
  /** Offset of the simulator's dispatch block (0 bytes long when there is none). */
  readonly dispatch: number;
  /** Bytes the parts need, alignment included. */
  readonly bytes: number;
}

/** The byte sizes of a run's parts. */
export interface ScratchParts {
  /** `sizeof(KernelArgs)` of the arch. */
  readonly kernelArgs: number;
  /** The runtime image's length. */
  readonly image: number;
  /** The dispatch block's length; 0 on hardware. */
  readonly dispatch: number;
}

/** Every part starts on this boundary, as a fresh allocation would. */
export const SCRATCH_PART_ALIGN = 64;

/** The smallest region allocated; a bigger one is a power of two. */
export const SCRATCH_MIN_BYTES = 4096;

/**
 * A region this many times larger than what the run needs is given back and a smaller one taken:
 * one huge graph must not hold its memory for the rest of the runner's life.
 */
export const SCRATCH_SHRINK_FACTOR = 8;

const alignUp = (n: number): number => Math.ceil(n / SCRATCH_PART_ALIGN) * SCRATCH_PART_ALIGN;

/** The parts' offsets, each aligned, in the order KernelArgs copy, dispatch block, image. */
export function scratchLayout(parts: ScratchParts): ScratchLayout {
  const kernelArgs = 0;
  const dispatch = alignUp(parts.kernelArgs);
  const image = dispatch + alignUp(parts.dispatch);
  return { kernelArgs, dispatch, image, bytes: image + parts.image };
}

/**
 * The capacity to hold `needed` bytes: the current one while it fits and is not
 * {@link SCRATCH_SHRINK_FACTOR} times too large, else the next power of two (at least
 * {@link SCRATCH_MIN_BYTES}), so a graph that grows a little per run does not reallocate each time.
 */
export function scratchCapacity(needed: number, current: number): number {
  if (current >= needed && current <= Math.max(SCRATCH_MIN_BYTES, needed * SCRATCH_SHRINK_FACTOR)) return current;
  let capacity = SCRATCH_MIN_BYTES;
  while (capacity < needed) capacity *= 2;
  return capacity;
}

/** The device addresses of one run's parts. */
export interface ScratchPlacement {
  /** The device KernelArgs copy. */
  readonly kernelArgsAddr: bigint;
  /** The runtime image. */
  readonly imageAddr: bigint;
  /** The dispatch block (unused on hardware). */
  readonly dispatchAddr: bigint;
}

/** The runner's scratch region: one allocation, grown or shrunk as runs need. */
export class RunScratch {
  private addr: bigint | null = null;
  private capacity = 0;

  /** @param allocator the runner's allocator (the region shows in its stats as `runScratch`) */
  constructor(private readonly allocator: DeviceAllocator) {}

  /** Bytes of the region now held (0 before the first run). */
  get bytes(): number {
    return this.capacity;
  }

  /**
   * Where this run's parts go: the region as it is when they fit, else a new one (the old one is
   * freed first, so the device never needs room for both).
   *
   * @throws `HalError` when the device has no room for the new region; the runner then holds none
   */
  place(parts: ScratchParts): ScratchPlacement {
    const layout = scratchLayout(parts);
    const capacity = scratchCapacity(layout.bytes, this.capacity);
    let base = this.addr;
    if (base === null || capacity !== this.capacity) {
      this.release();
      base = this.allocator.alloc(capacity, 'runScratch');
      this.addr = base;
      this.capacity = capacity;
    }
    return { kernelArgsAddr: base + BigInt(layout.kernelArgs), imageAddr: base + BigInt(layout.image), dispatchAddr: base + BigInt(layout.dispatch) };
  }

  /** Frees the region (a later run allocates a new one). Idempotent. */
  release(): void {
    const addr = this.addr;
    this.addr = null;
    this.capacity = 0;
    if (addr !== null) this.allocator.free(addr);
  }
}
