/**
 * The three long-lived static arenas of a runner: the runtime's GM heap, its GM shared
 * memory, and its prebuilt runtime arena.
 *
 * Why three allocations and not one: together they can exceed the largest contiguous block the
 * device allocator can hand out, while each alone fits. Why "failure means failure across the
 * board": a runtime must never start with a mix of old and new regions (an arena at its old, too
 * small size next to freshly grown ones), so any failed commit leaves all three uncommitted and
 * the caller retries with a layout that fits.
 */
import type { ByteSize } from '@npurun/hal-native';
import { DeviceArena, type ArenaAllocator } from './device-arena';
import { ArenaError, errorMessage, type ArenaRegion } from './errors';
import { toByteSize } from './validate';

/** The regions, in the order they are committed. */
export const ARENA_REGIONS: readonly ArenaRegion[] = ['gmHeap', 'gmSm', 'runtimeArena'];

/** Sizes the regions are currently committed at (0 = not committed). */
export interface StaticArenaSizes {
  /** GM heap. */
  gmHeap: bigint;
  /** GM shared memory. */
  gmSm: bigint;
  /** Prebuilt runtime arena (0 for the host-built-graph runtime). */
  runtimeArena: bigint;
}

/** The three static arenas and their cached sizes. */
export class StaticArenas {
  private readonly arenas: Record<ArenaRegion, DeviceArena>;
  private readonly cached: StaticArenaSizes = { gmHeap: 0n, gmSm: 0n, runtimeArena: 0n };

  /**
   * @param allocator the runner's allocator (so arenas show in `memoryStats()`)
   * @param deviceAlignment the device's allocation alignment
   */
  constructor(allocator: ArenaAllocator, deviceAlignment = 1) {
    this.arenas = {
      gmHeap: new DeviceArena(allocator, deviceAlignment, 'arena:gmHeap'),
      gmSm: new DeviceArena(allocator, deviceAlignment, 'arena:gmSm'),
      runtimeArena: new DeviceArena(allocator, deviceAlignment, 'arena:runtimeArena'),
    };
  }

  /**
   * Validates the three sizes without any device call (so a bad argument never disturbs the
   * committed regions).
   *
   * @throws InvalidArgumentError naming the parameter and value
   */
  static validateSizes(gmHeapSize: unknown, gmSmSize: unknown, runtimeArenaSize: unknown): StaticArenaSizes {
    return {
      gmHeap: toByteSize('setupStaticArena', 'gmHeapSize', gmHeapSize),
      gmSm: toByteSize('setupStaticArena', 'gmSmSize', gmSmSize),
      runtimeArena: toByteSize('setupStaticArena', 'runtimeArenaSize', runtimeArenaSize),
    };
  }

  /**
   * Commits the three regions at (at least) the given sizes.
   *
   * - a region whose request is ≤ its committed size is left alone (no device call);
   * - a region asked to grow is released and committed again (its base may move);
   * - `runtimeArenaSize` 0 releases the runtime arena; `gmHeapSize`/`gmSmSize` 0 ask for nothing
   *   (an uncommitted region stays uncommitted, a committed one is kept);
   * - if any step fails, all three regions are released (every release attempted), the cached
   *   sizes become 0, and an {@link ArenaError} is thrown with the failed releases in
   *   `releaseErrors`. The arenas stay usable; a retry can succeed.
   *
   * @throws InvalidArgumentError for a bad size (before any device call); ArenaError on failure
   */
  setup(gmHeapSize: ByteSize, gmSmSize: ByteSize, runtimeArenaSize: ByteSize): void {
    this.setupValidated(StaticArenas.validateSizes(gmHeapSize, gmSmSize, runtimeArenaSize));
  }

  /** {@link setup} with sizes already validated by {@link validateSizes}. */
  setupValidated(want: StaticArenaSizes): void {
    // The common case (a runtime calling with its usual layout before every run) touches nothing.
    if (this.satisfied('gmHeap', want.gmHeap) && this.satisfied('gmSm', want.gmSm) && this.satisfied('runtimeArena', want.runtimeArena)) return;
    for (const region of ARENA_REGIONS) {
      try {
        this.setupRegion(region, want[region]);
      } catch (cause) {
        const releaseErrors = this.releaseAllCollecting();
        const rolledBack = releaseErrors.length === 0 ? 'all static arenas were released' : `rollback: ${releaseErrors.length} release(s) failed too (${releaseErrors.map(errorMessage).join('; ')})`;
        throw new ArenaError(
          'setupStaticArena',
          `setupStaticArena: committing ${region} at ${want[region]} bytes failed: ${errorMessage(cause)}; ${rolledBack}`,
          { cause, region, releaseErrors },
        );
      }
    }
  }

  /** Device address of a region, or `null` when it is not committed. */
  acquire(region: ArenaRegion): bigint | null {
    return this.arenas[region].base;
  }

  /** The sizes the regions are committed at (0 = not committed). */
  sizes(): StaticArenaSizes {
    return { ...this.cached };
  }

  /**
   * Releases all three regions (each attempted) and resets the cached sizes.
   *
   * @throws ArenaError when any release failed, with every failure in `releaseErrors`
   */
  releaseAll(): void {
    const errors = this.releaseAllCollecting();
    if (errors.length > 0) {
      throw new ArenaError('releaseStaticArenas', `releaseStaticArenas: ${errors.length} release(s) failed: ${errors.map(errorMessage).join('; ')}`, {
        cause: errors[0],
        releaseErrors: errors,
      });
    }
  }

  /** Forgets the regions without device calls (their memory was swept by the allocator). */
  forgetAll(): void {
    for (const region of ARENA_REGIONS) {
      this.arenas[region].forget();
      this.cached[region] = 0n;
    }
  }

  private satisfied(region: ArenaRegion, size: bigint): boolean {
    const committed = this.arenas[region].isCommitted;
    if (region === 'runtimeArena' && size === 0n) return !committed;
    return committed ? size <= this.cached[region] : size === 0n;
  }

  private setupRegion(region: ArenaRegion, size: bigint): void {
    const arena = this.arenas[region];
    if (region === 'runtimeArena' && size === 0n) {
      // 0 means "no prebuilt runtime arena" (the host-built-graph runtime), not "keep it".
      this.cached[region] = 0n;
      arena.release();
      return;
    }
    if (arena.isCommitted && size <= this.cached[region]) return;
    if (!arena.isCommitted && size === 0n) return;
    this.cached[region] = 0n;
    arena.release();
    arena.reserve(size);
    arena.commit();
    this.cached[region] = size;
  }

  private releaseAllCollecting(): unknown[] {
    const errors: unknown[] = [];
    for (const region of ARENA_REGIONS) {
      const arena = this.arenas[region];
      try {
        arena.release();
      } catch (e) {
        errors.push(e);
        // The allocation stays tracked by the allocator (finalize sweeps it); the arena itself
        // starts from scratch so that a retry commits a fresh region.
        arena.forget();
      }
      this.cached[region] = 0n;
    }
    return errors;
  }
}
