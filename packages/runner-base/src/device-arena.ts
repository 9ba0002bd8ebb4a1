/**
 * One contiguous device region, reserved first and committed (allocated) later.
 */
import type { ByteSize } from '@npurun/hal-native';
import type { DeviceAllocator } from './device-allocator';
import { ArenaError, RunnerErrorCode } from './errors';
import { alignUp, toAlignment, toByteSize } from './validate';

/** The allocator operations an arena needs. */
export type ArenaAllocator = Pick<DeviceAllocator, 'alloc' | 'free'>;

/**
 * A contiguous device region. `reserve` records the request without touching the device;
 * `commit` makes a single backing allocation and returns the (aligned) base; `release` frees it
 * and may be called any number of times, committed or not.
 */
export class DeviceArena {
  private reservedSize = 0n;
  private reservedAlign = 1;
  private backing: bigint | null = null;
  private alignedBase: bigint | null = null;
  private committedSize = 0n;

  /**
   * @param allocator where the backing allocation comes from (the runner's allocator)
   * @param deviceAlignment alignment every device allocation already has; requests at or below it
   *   need no padding
   * @param tag allocation tag for leak reports
   */
  constructor(
    private readonly allocator: ArenaAllocator,
    private readonly deviceAlignment = 1,
    private readonly tag = 'arena',
  ) {}

  /**
   * Records the size (and minimum alignment) the next commit will allocate. No device call.
   *
   * @throws InvalidArgumentError for a bad size or alignment; ArenaError `ARENA_STATE` while committed
   */
  reserve(size: ByteSize, align = 1): void {
    const n = toByteSize('DeviceArena.reserve', 'size', size);
    const a = toAlignment('DeviceArena.reserve', 'align', align);
    if (this.backing !== null) {
      throw new ArenaError('DeviceArena.reserve', 'DeviceArena.reserve: the arena is committed; release it before reserving again', {
        code: RunnerErrorCode.ArenaState,
      });
    }
    this.reservedSize = n;
    this.reservedAlign = a;
  }

  /**
   * Allocates the reserved region (one device allocation) and returns its base, aligned to the
   * larger of `align` and the alignment given to {@link reserve}. Idempotent: a committed arena
   * returns its base without a device call.
   *
   * @throws ArenaError `ARENA_STATE` when nothing (or 0 bytes) was reserved, `ARENA_FAILED` when
   *   the allocation fails (the arena stays uncommitted)
   */
  commit(align = 1): bigint {
    const a = Math.max(toAlignment('DeviceArena.commit', 'align', align), this.reservedAlign);
    if (this.alignedBase !== null) return this.alignedBase;
    if (this.reservedSize === 0n) {
      throw new ArenaError('DeviceArena.commit', 'DeviceArena.commit: nothing reserved (reserve a non-zero size first)', {
        code: RunnerErrorCode.ArenaState,
      });
    }
    // Allocations already come aligned to the device's granularity; only a stricter request needs
    // slack, and then at most align-1 bytes of it.
    const padding = a > this.deviceAlignment ? BigInt(a - 1) : 0n;
    let raw: bigint;
    try {
      raw = this.allocator.alloc(this.reservedSize + padding, this.tag);
    } catch (e) {
      throw new ArenaError('DeviceArena.commit', `DeviceArena.commit: allocating ${this.reservedSize + padding} bytes failed: ${String((e as Error)?.message ?? e)}`, {
        cause: e,
      });
    }
    this.backing = raw;
    this.alignedBase = alignUp(raw, a);
    this.committedSize = this.reservedSize;
    return this.alignedBase;
  }

  /**
   * Frees the backing allocation. Safe on a never-committed or already-released arena (no device
   * call then). The reservation is kept, so `commit` can follow.
   *
   * @throws the allocator's error when the free fails; the arena then still counts as committed,
   *   so the caller can see (and retry) the leak
   */
  release(): void {
    if (this.backing === null) return;
    this.allocator.free(this.backing);
    this.backing = null;
    this.alignedBase = null;
    this.committedSize = 0n;
  }

  /** Forgets the committed region without a device call (its memory was swept elsewhere). */
  forget(): void {
    this.backing = null;
    this.alignedBase = null;
    this.committedSize = 0n;
  }

  /** Aligned base of the committed region, or `null` when not committed. */
  get base(): bigint | null {
    return this.alignedBase;
  }

  /** Size of the region: the committed size when committed, else the reserved size. */
  get size(): bigint {
    return this.backing !== null ? this.committedSize : this.reservedSize;
  }

  /** Whether the region is allocated. */
  get isCommitted(): boolean {
    return this.backing !== null;
  }
}
