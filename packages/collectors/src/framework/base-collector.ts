/**
 * The lifecycle every collector shares: init (all-or-nothing) → start (drain while the device
 * runs) → stop (final drain) → reconcile → export → finalize (exactly once). A subclass supplies
 * its geometry, its header contents, what to do with each buffer, its counters and its files.
 *
 * None of it holds the event loop for long: a drain pass ends at its time slice, the final drains
 * pause between passes, and {@link CollectorBase.initAsync} and {@link CollectorBase.finalizeAsync}
 * pause between buffer allocations and releases (see `slicer.ts`).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { archConstants, type ArchConstants } from '../arch';
import type {
  CollectorAddresses,
  CollectorSummary,
  DiagnosticName,
  ExportOptions,
  ReconcileOptions,
  RunCollector,
} from '../collector';
import { CollectorError, CollectorErrorCode, describeError } from '../errors';
import { OutputFiles } from '../export/output-files';
import { createDeviceAccess, type DeviceAccess, type SharedRegion } from '../memory';
import type { ProtocolGeometry } from '../protocol/geometry';
import { validateContext, type CollectorContext } from './context';
import { DrainEngine, type CollectedBuffer } from './drain-engine';
import { initAllOrNothing, initAllOrNothingSliced, type ResourceLedger } from './lifecycle';
import { Poller } from './poller';
import { runToEnd, TimeSlicer, turnDeadline } from './slicer';
import { createSpoolDir } from './spool-dirs';

type State = 'created' | 'initializing' | 'initialized' | 'running' | 'stopped' | 'finalized';

/** What init acquired, published only once all of it succeeded. */
interface InitResult {
  readonly base: bigint;
  readonly shared: SharedRegion;
  readonly engine: DrainEngine;
  readonly setup: SetupResult;
  readonly spoolDir: string;
}

/** Device-side counters a collector reads at reconcile. */
export interface DeviceCounters {
  /** Records the device attempted. */
  readonly total: number;
  /** Records the device dropped. */
  readonly dropped: number;
  /** Records lost to a producer-side invariant (a5 staging-ring mismatch); 0 elsewhere. */
  readonly mismatch: number;
  /** True when the device keeps no total counter and `total` was derived as collected + dropped. */
  readonly derivedTotal?: boolean;
}

/** What a subclass's {@link CollectorBase.setup} hands back. */
export interface SetupResult {
  /** The addresses for KernelArgs (dataBase is filled in by the base). */
  readonly extra?: Omit<CollectorAddresses, 'dataBase'>;
}

/** Base class of the four collectors. */
export abstract class CollectorBase implements RunCollector {
  /** The diagnostic. */
  abstract readonly name: DiagnosticName;
  /** The arch's constants. */
  protected readonly arch: ArchConstants;
  /** Host access strategy. */
  protected readonly access: DeviceAccess;
  /** The shared region (after init). */
  protected shared: SharedRegion | undefined;
  /** The drain engine (after init). */
  protected engine: DrainEngine | undefined;
  /** Working directory for spools (after init). */
  protected spoolDir: string | undefined;
  private ledger: ResourceLedger | undefined;
  private poller: Poller | undefined;
  private state: State = 'created';
  private summary: CollectorSummary | undefined;
  private addresses: CollectorAddresses | undefined;

  protected constructor(
    /** The run. */
    protected readonly ctx: CollectorContext,
  ) {
    validateContext(`${this.constructor.name}`, ctx);
    this.arch = archConstants(ctx.arch);
    this.access = createDeviceAccess(ctx.access ?? this.arch.hostAccess, ctx.memory);
  }

  /** `name.operation`, for errors. */
  protected op(operation: string): string {
    return `${this.name}.${operation}`;
  }

  /** The geometry of this collector's shared memory. */
  protected abstract geometry(): ProtocolGeometry;
  /**
   * Fills header fields in the host image of the freshly zeroed shared region and makes any other
   * allocations (rings, tables, arenas), registering each release with `ledger`. Runs inside init.
   */
  protected abstract setup(shared: SharedRegion, ledger: ResourceLedger, geometry: ProtocolGeometry): SetupResult;
  /** Consumes one buffer of records (synchronously; the views die when it returns). */
  protected abstract onBuffer(buffer: CollectedBuffer): void;
  /** Reads the device's counters from the (freshly pulled) shared region. */
  protected abstract readCounters(shared: SharedRegion): DeviceCounters;
  /**
   * Writes the collector's files through `out` (atomic each; if this throws, the ones already in
   * place are removed) and returns their paths.
   */
  protected abstract writeFiles(outputDir: string, options: ExportOptions, summary: CollectorSummary | undefined, out: OutputFiles): Promise<string[]>;
  /** Releases host-side state (spools, open files). Must not throw. */
  protected abstract disposeHost(): void;
  /** Adds collector-specific notes to a summary. */
  protected extraNotes(): string[] {
    return [];
  }

  /**
   * Finishes work {@link onBuffer} left pending (e.g. payload copies done in slices). Called after
   * every final drain; its failure counts as a drain failure. Default: nothing pending.
   */
  protected settle(): Promise<void> {
    return Promise.resolve();
  }

  /** Whether {@link init} succeeded and {@link finalize} has not run. */
  get isInitialized(): boolean {
    return this.state !== 'created' && this.state !== 'initializing' && this.state !== 'finalized';
  }

  /** @inheritDoc */
  init(): CollectorAddresses {
    const op = this.checkInit();
    const { value, ledger } = initAllOrNothing(op, (ledger) => runToEnd(this.initSteps(op, ledger)));
    return this.publish(value, ledger);
  }

  /**
   * {@link init}, pausing for the event loop between buffer allocations whenever a slice is used
   * up, so initializing a collector with hundreds of buffers never stalls the caller.
   */
  async initAsync(): Promise<CollectorAddresses> {
    const op = this.checkInit();
    this.state = 'initializing';
    let result: { value: InitResult; ledger: ResourceLedger };
    try {
      result = await initAllOrNothingSliced(op, (ledger) => this.initSteps(op, ledger));
    } catch (err) {
      if (this.state === 'initializing') this.state = 'created';
      throw err;
    }
    if (this.state !== 'initializing') {
      // finalize() ran while init paused: what init acquired is released here instead.
      result.ledger.releaseAll(op);
      throw new CollectorError(CollectorErrorCode.InvalidState, op, 'the collector was finalized while it initialized');
    }
    return this.publish(result.value, result.ledger);
  }

  private checkInit(): string {
    if (this.state !== 'created') {
      throw new CollectorError(CollectorErrorCode.InvalidState, this.op('init'), `init is allowed once, on a new collector (state: ${this.state})`);
    }
    return this.op('init');
  }

  private *initSteps(op: string, ledger: ResourceLedger): Generator<void, InitResult, undefined> {
    const geometry = this.geometry();
    const memory = this.ctx.memory;
    const base = ledger.acquire(`${op} shared region`, () => memory.alloc(geometry.sharedBytes), (a) => memory.free(a));
    const shared = ledger.acquire(`${op} shared view`, () => this.access.region(base, geometry.sharedBytes), (r) => r.release());
    shared.bytes.fill(0);
    const spoolDir = createSpoolDir(this.ctx.spoolDir ?? os.tmpdir(), this.name);
    ledger.add(`${op} spool dir`, () => fs.rmSync(spoolDir, { recursive: true, force: true }));
    this.spoolDir = spoolDir;
    yield;
    const setup = this.setup(shared, ledger, geometry);
    yield;
    const engine = new DrainEngine(op, geometry, shared, this.access, memory, ledger, (b) => this.onBuffer(b), this.ctx.engine);
    yield* engine.primeSteps();
    // The one bulk write: the device has not started, so nothing it owns can be rolled back.
    shared.pushAll();
    return { base, shared, engine, setup, spoolDir };
  }

  private publish(value: InitResult, ledger: ResourceLedger): CollectorAddresses {
    // Publish only after everything succeeded (the upstream runner's #1169 use-after-free came from
    // publishing before the rollback guard committed).
    this.ledger = ledger;
    this.shared = value.shared;
    this.engine = value.engine;
    this.spoolDir = value.spoolDir;
    this.addresses = { dataBase: value.base, ...value.setup.extra };
    this.state = 'initialized';
    return this.addresses;
  }

  /** The addresses {@link init} returned. */
  get publishedAddresses(): CollectorAddresses | undefined {
    return this.addresses;
  }

  /** @inheritDoc */
  start(): void {
    if (this.state !== 'initialized') {
      throw new CollectorError(CollectorErrorCode.InvalidState, this.op('start'), `start needs an initialized collector (state: ${this.state})`);
    }
    const engine = this.engine!;
    // Every collector's pass shares the turn's budget: five collectors polling must not add up.
    this.poller = new Poller(() => engine.tick(turnDeadline()), this.ctx.poll);
    this.poller.start();
    this.state = 'running';
  }

  /** @inheritDoc */
  async stop(): Promise<void> {
    if (this.state !== 'running') return;
    this.poller!.stop();
    this.state = 'stopped';
    if (this.poller!.error === undefined) {
      try {
        await this.drainSliced();
      } catch (err) {
        this.drainError = err;
      }
    }
    try {
      await this.settle();
    } catch (err) {
      this.drainError ??= err;
    }
  }

  /** Drains until a pass finds nothing, one time slice per pass. */
  private async drainSliced(): Promise<void> {
    const engine = this.engine!;
    const slicer = new TimeSlicer();
    while (engine.tick(slicer.deadline) > 0) await slicer.pauseIfDue();
  }

  private drainError: unknown;

  /** @inheritDoc */
  async reconcile(options: ReconcileOptions = {}): Promise<CollectorSummary> {
    if (this.state === 'running') await this.stop();
    if (this.state !== 'stopped' && this.state !== 'initialized') {
      throw new CollectorError(CollectorErrorCode.InvalidState, this.op('reconcile'), `reconcile needs an initialized collector (state: ${this.state})`);
    }
    const engine = this.engine!;
    const notes: string[] = [];
    const failure = this.poller?.error ?? this.drainError;
    if (failure !== undefined) notes.push(`draining failed: ${describeError(failure)}`);
    else {
      try {
        await this.drainSliced();
        await this.settle();
      } catch (err) {
        notes.push(`final drain failed: ${describeError(err)}`);
      }
    }
    let leftovers = engine.leftovers();
    if (leftovers.length > 0) {
      const records = leftovers.reduce((s, l) => s + l.count, 0);
      if (options.incomplete === true) {
        const got = engine.recoverLeftovers();
        try {
          await this.settle();
        } catch (err) {
          notes.push(`handling the recovered records failed: ${describeError(err)}`);
        }
        notes.push(`recovered ${got} record(s) from ${leftovers.length} buffer(s) the device never flushed (incomplete run)`);
        leftovers = [];
      } else {
        notes.push(`${records} record(s) left in ${leftovers.length} unflushed device buffer(s) (device flush failed)`);
      }
    }
    if (engine.badEntries > 0) notes.push(`${engine.badEntries} ready-queue entr(y/ies) named no known buffer and were skipped`);
    if (engine.clampedBuffers > 0) notes.push(`${engine.clampedBuffers} buffer(s) reported a count above capacity (clamped)`);
    this.shared!.pull(0, this.shared!.size);
    const counters = this.readCounters(this.shared!);
    const collected = engine.collected.reduce((a, b) => a + b, 0);
    const total = counters.derivedTotal === true ? collected + counters.dropped + counters.mismatch : counters.total;
    const accounted = collected + counters.dropped + counters.mismatch;
    if (counters.derivedTotal === true) notes.push('the device keeps no total counter: total = collected + dropped');
    if (counters.mismatch > 0) notes.push(`${counters.mismatch} record(s) lost to staging-ring mismatches`);
    if (accounted !== total) notes.push(`silent loss: collected ${collected} + dropped ${counters.dropped + counters.mismatch} != total ${total}`);
    if (options.incomplete === true) notes.push('the run did not complete');
    notes.push(...this.extraNotes());
    this.summary = {
      name: this.name,
      collected,
      dropped: counters.dropped + counters.mismatch,
      total,
      clean: accounted === total && leftovers.length === 0 && failure === undefined && engine.badEntries === 0,
      notes,
    };
    return this.summary;
  }

  /** @inheritDoc */
  async exportFiles(outputDir: string, options: ExportOptions): Promise<string[]> {
    if (this.state === 'created' || this.state === 'initializing' || this.state === 'finalized') {
      throw new CollectorError(CollectorErrorCode.InvalidState, this.op('exportFiles'), `export needs an initialized collector (state: ${this.state})`);
    }
    if (typeof outputDir !== 'string' || outputDir === '') {
      throw new CollectorError(CollectorErrorCode.InvalidArgument, this.op('exportFiles'), `outputDir must be a non-empty path (got ${JSON.stringify(outputDir)})`);
    }
    if (this.summary === undefined) await this.reconcile({ incomplete: options.incomplete });
    const out = new OutputFiles(this.op('exportFiles'), options.signal);
    try {
      return await this.writeFiles(outputDir, options, this.summary, out);
    } catch (err) {
      await out.discard();
      throw err;
    }
  }

  /** @inheritDoc */
  finalize(): void {
    this.takeForFinalize()?.releaseAll(this.op('finalize'));
  }

  /**
   * {@link finalize}, pausing for the event loop between buffer releases whenever a slice is used
   * up. Once it has started, {@link finalize} has nothing left to do (every buffer is released
   * exactly once).
   */
  async finalizeAsync(): Promise<void> {
    await this.takeForFinalize()?.releaseAllSliced(this.op('finalize'));
  }

  /** Moves to `finalized` and hands over the ledger to release, if there is one. */
  private takeForFinalize(): ResourceLedger | undefined {
    if (this.state === 'finalized') return undefined;
    const prior = this.state;
    this.state = 'finalized';
    this.poller?.stop();
    this.disposeHost();
    const ledger = this.ledger;
    this.ledger = undefined;
    this.shared = undefined;
    this.engine = undefined;
    return prior !== 'created' ? ledger : undefined;
  }
}
