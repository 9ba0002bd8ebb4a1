/**
 * The drain loop's scheduler: runs a tick again at once (setImmediate) while it finds work, and
 * backs off on timers while it does not. It never gives up on its own: only {@link Poller.stop}
 * ends it, because an idle device is not a finished one (the upstream runner's 30-second idle exit lost
 * records, #1658).
 */

/** Poller options. */
export interface PollerOptions {
  /** Longest idle wait between ticks, ms (default 2). */
  readonly maxIdleDelayMs?: number;
}

/** A tick returns how much work it did (0 = idle). */
export type PollTick = () => number;

/** Drives a tick on the event loop without blocking it. */
export class Poller {
  private running = false;
  // Kept apart: clearImmediate on a Timeout (or the reverse) corrupts Node's timer lists.
  private immediate: NodeJS.Immediate | undefined;
  private timer: NodeJS.Timeout | undefined;
  private idleStreak = 0;
  private failure: unknown;
  private readonly maxIdleDelayMs: number;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly tick: PollTick,
    options: PollerOptions = {},
  ) {
    this.maxIdleDelayMs = options.maxIdleDelayMs ?? 2;
  }

  /** Whether the loop is running. */
  get isRunning(): boolean {
    return this.running;
  }

  /** The error a tick threw, which stopped the loop. */
  get error(): unknown {
    return this.failure;
  }

  /** Starts the loop (no-op when running). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.idleStreak = 0;
    this.schedule(true);
  }

  /** Stops the loop; the tick in progress (ticks are synchronous) has finished when this returns. */
  stop(): void {
    this.running = false;
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.immediate = undefined;
    this.timer = undefined;
    this.flushWaiters();
  }

  /** Resolves after the next idle tick (or at once when stopped): everything ready was drained. */
  whenIdle(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private schedule(immediate: boolean): void {
    if (!this.running) return;
    if (immediate) {
      this.immediate = setImmediate(() => this.run());
    } else {
      const delay = Math.min(this.maxIdleDelayMs, 0.25 * 2 ** Math.min(this.idleStreak, 4));
      this.timer = setTimeout(() => this.run(), delay);
    }
  }

  private run(): void {
    this.immediate = undefined;
    this.timer = undefined;
    if (!this.running) return;
    let work: number;
    try {
      work = this.tick();
    } catch (err) {
      this.failure = err;
      this.stop();
      return;
    }
    if (work > 0) {
      this.idleStreak = 0;
      this.schedule(true);
    } else {
      this.idleStreak++;
      this.flushWaiters();
      this.schedule(false);
    }
  }

  private flushWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
