/**
 * The runner's device-memory allocator: the one door every device allocation of a runner goes
 * through (tensors, arenas, runtime images, KernelArgs copies, callable buffers, collector
 * buffers), so `memoryStats()` is complete and `finalize` can sweep whatever is still live.
 */
import type { ByteSize, HalDevice, HostMapping } from '@npurun/hal-native';
import type { CollectorDeviceMemory } from '@npurun/collectors';
import { DeviceMemoryError, RunnerErrorCode } from './errors';
import { toByteSize, toDeviceAddress } from './validate';

/** Live device memory held by a runner. */
export interface MemoryStats {
  /** Bytes in live allocations, as requested. */
  liveBytes: bigint;
  /** Number of live allocations. */
  liveAllocations: number;
}

let lastGeneration = 0;
/** A value no allocator's {@link DeviceAllocator.generation} had before. */
function nextGeneration(): number {
  return ++lastGeneration;
}

/** What the allocator remembers about one allocation. */
export interface AllocationInfo {
  /** Device address. */
  readonly addr: bigint;
  /** Size requested. */
  readonly size: bigint;
  /** Who asked, for leak reports (`tensor`, `arena:gmHeap`, `collector`, …). */
  readonly tag: string;
}

/**
 * Tracks every allocation and host mapping made through it. Implements
 * {@link CollectorDeviceMemory}, so collectors allocate through the runner and their buffers are
 * counted and swept like any other.
 */
export class DeviceAllocator implements CollectorDeviceMemory {
  // Map operations on bigint keys are most of the bookkeeping's cost (the key's hash is computed
  // anew on every set/get/delete, and inserts after deletes make the table rehash), so the newest
  // allocation waits in `newest` and joins `older` only when the next one is made: an alloc
  // followed by the free of that same buffer (a scratch buffer) costs no map operation and no
  // bigint arithmetic. Every alloc is still one HAL malloc and every free one HAL free.
  /** Every live allocation but `newest`, oldest first. */
  private readonly older = new Map<bigint, AllocationInfo>();
  /** The newest live allocation, unless it was freed (it is never in `older`). */
  private newest: AllocationInfo | undefined = undefined;
  /** Sum of the sizes in `older`. */
  private olderBytes = 0n;
  private currentGeneration = nextGeneration();
  private readonly mapped = new Map<bigint, bigint>(); // mapped addr -> allocation it lies in
  private readonly mappingsPerAllocation = new Map<bigint, number>();

  /** @param device the HAL device allocations are made on */
  constructor(private readonly device: HalDevice) {}

  /**
   * Allocates `size` bytes of device memory.
   *
   * @param tag who asks; shown in leak reports
   * @throws InvalidArgumentError for a bad size; `HalError` from the device (e.g. out of memory)
   */
  alloc(size: ByteSize, tag = 'alloc'): bigint {
    // The usual number size is checked inline; anything else goes through toByteSize (same
    // checks, same InvalidArgumentError). The HAL gets the size as given: it accepts both forms.
    const n = typeof size === 'number' && Number.isSafeInteger(size) && size >= 0 ? BigInt(size) : toByteSize('alloc', 'size', size);
    const addr = this.device.malloc(size);
    const previous = this.newest;
    if (previous !== undefined) {
      this.older.set(previous.addr, previous);
      this.olderBytes += previous.size;
    }
    this.newest = { addr, size: n, tag };
    this.currentGeneration = nextGeneration();
    return addr;
  }

  /**
   * Frees an allocation made by {@link alloc}.
   *
   * @throws DeviceMemoryError `ALLOC_UNKNOWN_ADDRESS` for an address this allocator did not hand
   *   out (or already freed), `ALLOC_STILL_MAPPED` while a host mapping of it exists
   */
  free(addr: bigint): void {
    // Only valid addresses are ever stored, so a hit needs no argument check; a miss is checked
    // before it is reported, so a bad argument still gets its InvalidArgumentError.
    const info = this.info(addr);
    if (info === undefined) this.unknownAllocation('free', addr);
    if (this.mappingsPerAllocation.size !== 0 && this.mappingsPerAllocation.has(addr)) {
      throw new DeviceMemoryError(RunnerErrorCode.StillMapped, 'free', `free: 0x${addr.toString(16)} is still mapped into the host; unmap it first`, {
        addr,
      });
    }
    // Forget the allocation only after the device accepted the free, so a failed free stays
    // visible to memoryStats() and to the finalize sweep.
    this.device.free(addr);
    this.forget(info);
  }

  /** Drops a live allocation from the books. */
  private forget(info: AllocationInfo): void {
    this.currentGeneration = nextGeneration();
    if (info === this.newest) {
      this.newest = undefined;
    } else {
      this.older.delete(info.addr);
      this.olderBytes -= info.size;
    }
  }

  /** The error of an operation on an address that is no live allocation (or no address at all). */
  private unknownAllocation(op: string, addr: unknown): never {
    const a = toDeviceAddress(op, 'addr', addr);
    throw new DeviceMemoryError(RunnerErrorCode.UnknownAllocation, op, `${op}: 0x${a.toString(16)} is not a live allocation of this runner`, { addr: a });
  }

  /** Whether `addr` is the start of a live allocation of this allocator. */
  has(addr: bigint): boolean {
    return this.info(addr) !== undefined;
  }

  /** The live allocation starting at `addr`, if any. */
  info(addr: bigint): AllocationInfo | undefined {
    const newest = this.newest;
    return newest !== undefined && newest.addr === addr ? newest : this.older.get(addr);
  }

  /**
   * Names the live allocations as they are now: every alloc and free gives a new value, never given
   * before by any allocator, so a check made against {@link allocations} holds while this is unchanged.
   */
  get generation(): number {
    return this.currentGeneration;
  }

  /** Every live allocation, oldest first. */
  allocations(): AllocationInfo[] {
    const all = [...this.older.values()];
    if (this.newest !== undefined) all.push(this.newest);
    return all;
  }

  /** Live bytes and allocation count. */
  memoryStats(): MemoryStats {
    const newest = this.newest;
    return newest === undefined
      ? { liveBytes: this.olderBytes, liveAllocations: this.older.size }
      : { liveBytes: this.olderBytes + newest.size, liveAllocations: this.older.size + 1 };
  }

  /** Host → device copy of the whole view (bounds are checked by the HAL). */
  copyToDevice(dst: bigint, src: ArrayBufferView): void {
    this.device.copyToDevice(dst, src);
  }

  /** Device → host copy filling the whole view (bounds are checked by the HAL). */
  copyFromDevice(dst: ArrayBufferView, src: bigint): void {
    this.device.copyFromDevice(dst, src);
  }

  /** Sets `size` bytes at `addr` to `value`. */
  memset(addr: bigint, value: number, size: ByteSize): void {
    this.device.memset(addr, value, size);
  }

  /**
   * Maps device memory into the host (a2a3 only; the HAL throws `HAL_UNSUPPORTED` on a5) and
   * records the mapping so finalize can undo it before freeing.
   *
   * @throws DeviceMemoryError `ALLOC_UNKNOWN_ADDRESS` when `addr` is not inside a live allocation,
   *   `ALLOC_MAPPING_STATE` when it is already mapped
   */
  mapToHost(addr: bigint, size: ByteSize): HostMapping {
    const a = toDeviceAddress('mapToHost', 'addr', addr);
    const n = toByteSize('mapToHost', 'size', size);
    const owner = this.ownerOf(a, n);
    if (owner === undefined) {
      throw new DeviceMemoryError(
        RunnerErrorCode.UnknownAllocation,
        'mapToHost',
        `mapToHost: [0x${a.toString(16)}, +${n}) is not inside a live allocation of this runner`,
        { addr: a },
      );
    }
    if (this.mapped.has(a)) {
      throw new DeviceMemoryError(RunnerErrorCode.MappingState, 'mapToHost', `mapToHost: 0x${a.toString(16)} is already mapped`, { addr: a });
    }
    const mapping = this.device.mapToHost(a, n);
    this.mapped.set(a, owner.addr);
    this.mappingsPerAllocation.set(owner.addr, (this.mappingsPerAllocation.get(owner.addr) ?? 0) + 1);
    return mapping;
  }

  /**
   * Removes a mapping made by {@link mapToHost}.
   *
   * @throws DeviceMemoryError `ALLOC_MAPPING_STATE` when `addr` is not mapped
   */
  unmapFromHost(addr: bigint): void {
    const a = toDeviceAddress('unmapFromHost', 'addr', addr);
    if (!this.mapped.has(a)) {
      throw new DeviceMemoryError(RunnerErrorCode.MappingState, 'unmapFromHost', `unmapFromHost: 0x${a.toString(16)} is not mapped`, { addr: a });
    }
    this.device.unmapFromHost(a);
    this.forgetMapping(a);
  }

  private forgetMapping(addr: bigint): void {
    const owner = this.mapped.get(addr);
    if (owner === undefined) return;
    this.mapped.delete(addr);
    const left = (this.mappingsPerAllocation.get(owner) ?? 1) - 1;
    if (left === 0) this.mappingsPerAllocation.delete(owner);
    else this.mappingsPerAllocation.set(owner, left);
  }

  /** Addresses currently mapped into the host. */
  mappedAddresses(): bigint[] {
    return [...this.mapped.keys()];
  }

  /**
   * Unmaps every mapping, then frees every live allocation. Every step is attempted even when an
   * earlier one fails; failures are aggregated.
   *
   * @throws DeviceMemoryError `ALLOC_SWEEP_FAILED` with every failure in `errors`
   */
  freeAll(): void {
    const errors: unknown[] = [];
    for (const a of [...this.mapped.keys()]) {
      try {
        this.device.unmapFromHost(a);
      } catch (e) {
        errors.push(e);
      }
      // A mapping whose unmap failed is gone from the runner's point of view either way: the
      // device reset that follows finalize tears every mapping down.
      this.forgetMapping(a);
    }
    for (const info of this.allocations()) {
      try {
        this.device.free(info.addr);
      } catch (e) {
        errors.push(e);
      }
      this.forget(info);
    }
    if (errors.length > 0) {
      throw new DeviceMemoryError(RunnerErrorCode.SweepFailed, 'freeAll', `freeAll: ${errors.length} unmap/free call(s) failed`, { errors });
    }
  }

  /**
   * Forgets every allocation and mapping without device calls. For a device that was reset or
   * closed underneath (its memory is gone already).
   */
  abandonAll(): void {
    this.currentGeneration = nextGeneration();
    this.older.clear();
    this.newest = undefined;
    this.olderBytes = 0n;
    this.mapped.clear();
    this.mappingsPerAllocation.clear();
  }

  private ownerOf(addr: bigint, size: bigint): AllocationInfo | undefined {
    // Allocations never overlap, so at most one holds the range. Most mappings start at their
    // allocation (a collector maps each buffer it allocates): one map lookup, not a scan of every
    // live allocation (a run with every diagnostic on has thousands).
    const end = addr + size;
    const exact = this.info(addr);
    if (exact !== undefined) return end <= exact.addr + exact.size ? exact : undefined;
    const newest = this.newest;
    if (newest !== undefined && addr >= newest.addr && end <= newest.addr + newest.size) return newest;
    for (const info of this.older.values()) if (addr >= info.addr && end <= info.addr + info.size) return info;
    return undefined;
  }
}
