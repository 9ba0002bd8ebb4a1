/**
 * The dep_gen collector: drains the
 * orchestrator's submit records while the device runs, keeps them in memory, and after the run
 * replays them into `deps.json`.
 *
 * `deps.json` is written only when the capture is complete and sound: the run finished, nothing
 * was left in a device buffer, nothing was dropped, `collected + dropped == total + overflow`, and
 * the replay found no inconsistency. Otherwise {@link DepGenCollector.exportFiles} writes nothing
 * and returns no path; the reasons are in the summary's notes (and so in `run.json`), starting
 * with `deps.json not written:`.
 */
import * as path from 'node:path';
import {
  CollectorBase,
  CollectorError,
  CollectorErrorCode,
  type CollectedBuffer,
  type CollectorContext,
  type CollectorSummary,
  type DependencyEdge,
  type DeviceCounters,
  type ExportOptions,
  type OutputFiles,
  type ProtocolGeometry,
  type ReconcileOptions,
  type SetupResult,
  type SharedRegion,
  runSliced,
} from '@npurun/collectors';
import { writeDepsJsonSliced, type DepsJson } from './deps-json';
import { depGenGeometry } from './geometry';
import { DEP_GEN_STATE_OFFSET, DepGenBufferState, DepGenHeader } from './layout';
import { decodeRecords, type CapturedRecord } from './records';
import { dependencyEdgesOf, replayDeps, replayDepsSteps, type DepsReplay } from './replay';

/** Name of the export under the run's output directory. */
export const DEPS_JSON_FILE = 'deps.json';

/** Prefix of the summary note that says why `deps.json` was not written. */
export const DEPS_NOT_WRITTEN = 'deps.json not written:';

/** Options of {@link DepGenCollector}. */
export interface DepGenCollectorOptions {
  /**
   * Tasks the run submits, when the host knows (the simulator: the graph's task count). A capture
   * with another number of tasks is not written: it would be a graph with tasks missing (e.g. an
   * executor built without the dep_gen layout header, which captures nothing).
   */
  readonly expectedTasks?: number;
}

/** Collects dep_gen records on a2a3 and writes `deps.json`. */
export class DepGenCollector extends CollectorBase {
  /** @inheritDoc */
  readonly name = 'depGen' as const;
  private records: CapturedRecord[] = [];
  private replay: DepsReplay | undefined;
  private replayedCount = -1;
  private verdict: { readonly writable: boolean; readonly reasons: readonly string[] } | undefined;

  /**
   * Creates the collector (no device work until {@link init}).
   *
   * @throws CollectorError `COLLECTOR_INVALID_ARGUMENT` for an arch other than a2a3 or a bad context
   */
  constructor(
    ctx: CollectorContext,
    private readonly options: DepGenCollectorOptions = {},
  ) {
    super(ctx);
    if (ctx.arch !== 'a2a3') {
      throw new CollectorError(CollectorErrorCode.InvalidArgument, 'depGen.constructor', `dep_gen exists on a2a3 only (got arch ${JSON.stringify(ctx.arch)})`);
    }
    const n = options.expectedTasks;
    if (n !== undefined && !(Number.isSafeInteger(n) && n >= 0)) {
      throw new CollectorError(CollectorErrorCode.InvalidArgument, 'depGen.constructor', `expectedTasks must be a non-negative integer (got ${String(n)})`);
    }
  }

  protected geometry(): ProtocolGeometry {
    return depGenGeometry();
  }

  protected setup(shared: SharedRegion): SetupResult {
    DepGenHeader.writeField(shared.bytes, 'numInstances', 1);
    this.records = [];
    return {};
  }

  protected onBuffer(buffer: CollectedBuffer): void {
    // Decoded at once: the views die with this call, and decoded records are far smaller than slots.
    for (const r of decodeRecords(buffer.view, buffer.count)) this.records.push(r);
  }

  protected readCounters(shared: SharedRegion): DeviceCounters {
    const total = DepGenBufferState.readField(shared.bytes, 'totalRecordCount', DEP_GEN_STATE_OFFSET);
    const overflow = DepGenBufferState.readField(shared.bytes, 'totalOverflowRecordCount', DEP_GEN_STATE_OFFSET);
    // Every slot (base or overflow) is either collected or dropped, so slots are what must add up.
    return { total: total + overflow, dropped: DepGenBufferState.readField(shared.bytes, 'droppedRecordCount', DEP_GEN_STATE_OFFSET), mismatch: 0 };
  }

  /**
   * Drains what is left, checks the counts, and replays the records. The summary's `clean` is the
   * upstream runner's verdict (no leftovers, nothing dropped, counts add up); replay problems and an
   * incomplete run are added as notes, and any of them keeps `deps.json` from being written.
   */
  override async reconcile(options: ReconcileOptions = {}): Promise<CollectorSummary> {
    const base = await super.reconcile(options);
    await this.replaySliced();
    const clean = base.clean && base.dropped === 0;
    const notes = [...base.notes];
    if (base.dropped > 0) notes.push(`${base.dropped} record slot(s) dropped on the device`);
    const reasons: string[] = [];
    if (options.incomplete === true) reasons.push('the run did not complete');
    if (!clean) reasons.push('the capture did not reconcile clean');
    const replay = this.replayed();
    const expected = this.options.expectedTasks;
    if (expected !== undefined && replay.deps.tasks.length !== expected) {
      reasons.push(`captured ${replay.deps.tasks.length} task(s), the run submitted ${expected}`);
    }
    for (const p of replay.problems) reasons.push(p);
    if (reasons.length > 0) notes.push(`${DEPS_NOT_WRITTEN} ${reasons.join('; ')}`);
    this.verdict = { writable: reasons.length === 0, reasons };
    return { ...base, clean, notes };
  }

  /** The records collected so far, in device order. */
  get capturedRecords(): readonly CapturedRecord[] {
    return this.records;
  }

  /**
   * The replayed `deps.json` content, once {@link reconcile} found it writable; otherwise
   * `undefined`.
   */
  get deps(): DepsJson | undefined {
    return this.verdict?.writable === true ? this.replayed().deps : undefined;
  }

  /**
   * The dependency edges for the swimlane trace's flow arrows, once {@link reconcile} found the
   * capture writable; otherwise `undefined` (a partial graph would draw misleading arrows).
   */
  dependencyEdges(): DependencyEdge[] | undefined {
    const deps = this.deps;
    return deps === undefined ? undefined : dependencyEdgesOf(deps);
  }

  protected async writeFiles(outputDir: string, options: ExportOptions, _summary: CollectorSummary | undefined, files: OutputFiles): Promise<string[]> {
    if (options.incomplete && this.verdict?.writable === true) this.verdict = { writable: false, reasons: ['the run did not complete'] };
    const deps = this.deps;
    if (deps === undefined) return [];
    const file = path.join(outputDir, DEPS_JSON_FILE);
    await files.writeText(file, (out) => writeDepsJsonSliced(deps, out));
    return [file];
  }

  protected disposeHost(): void {
    this.records = [];
    this.replay = undefined;
    this.replayedCount = -1;
  }

  /** Replays (and caches) the records with pauses for the event loop between tasks. */
  private async replaySliced(): Promise<void> {
    if (this.replay !== undefined && this.replayedCount === this.records.length) return;
    const count = this.records.length;
    const replay = await runSliced(replayDepsSteps(this.records));
    this.replay = replay;
    this.replayedCount = count;
  }

  private replayed(): DepsReplay {
    if (this.replay === undefined || this.replayedCount !== this.records.length) {
      this.replay = replayDeps(this.records);
      this.replayedCount = this.records.length;
    }
    return this.replay;
  }
}
