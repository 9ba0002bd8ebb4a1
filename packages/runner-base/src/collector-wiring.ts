/**
 * Step 3 of a run for the four shared diagnostics (collectors' docs/wiring.md), once
 * for both arches: create each enabled collector, `init()` them all-or-nothing, publish their
 * addresses into the arch's KernelArgs fields, set their `enableProfilingFlag` bits and register
 * them with the run. An arch supplies only data: which KernelArgs field receives which address,
 * and what its `finalize` does with collectors a run left behind.
 */
import type { Arch, DeviceProperties, StructLayout } from '@npurun/hal-native';
import {
  createCollector,
  DiagnosticFlagBit,
  PmuCollector,
  type CollectorAddresses,
  type CollectorContext,
  type CollectorDeviceMemory,
  type RunCollector,
  type SharedCollectorSpec,
} from '@npurun/collectors';
import type { CommonKernelArgs } from './device-runner-base';
import { InvalidArgumentError, TeardownError } from './errors';
import type { RunContext } from './run-context';

/** The diagnostics every arch shares (dep_gen is a2a3's own). */
export type SharedDiagnosticName = 'l2Swimlane' | 'tensorDump' | 'pmu' | 'scopeStats';

/**
 * The shared diagnostics in the order a run creates (and so tears down and exports) them. The l2
 * swimlane comes last: its trace joins in the PMU samples and scope boundaries, which must have been
 * reconciled by then.
 */
export const SHARED_DIAGNOSTICS: readonly SharedDiagnosticName[] = ['tensorDump', 'pmu', 'scopeStats', 'l2Swimlane'];

/** The names of a KernelArgs layout's 64-bit address fields. */
export type AddressField<K> = { [F in keyof K & string]: K[F] extends bigint ? F : never }[keyof K & string];

/**
 * Where an arch publishes each collector's addresses (the table of docs/wiring.md): every
 * collector's `dataBase` goes to one field; a collector that returns a per-core ring table needs a
 * `ringTable` field, and one that does not must have none.
 */
export interface CollectorFieldMap<K> {
  /** The `*DataBase` field of each shared collector. */
  readonly dataBase: { readonly [N in SharedDiagnosticName]: AddressField<K> };
  /** The per-core ring-table field of the collectors that have one (a2a3: l2; a5: l2 and PMU). */
  readonly ringTable: { readonly [N in SharedDiagnosticName]?: AddressField<K> };
}

/**
 * What an arch's `finalize` does with the collectors of a run that was not released (a run that
 * timed out): `finalize` unmaps and frees them (a2a3, whose buffers are host-mapped); `stop`
 * only stops them and leaves their device memory to `finalizeCommon`'s allocator sweep (a5, where
 * nothing is mapped).
 */
export type CollectorFinalizeMode = 'finalize' | 'stop';

/** An arch's wiring, as data. */
export interface CollectorWiringSpec<K extends CommonKernelArgs> {
  /** The architecture (decides the collectors' layouts and host access). */
  readonly arch: Arch;
  /** The arch's KernelArgs layout. */
  readonly kernelArgs: StructLayout<K>;
  /** Which field receives which address. */
  readonly fields: CollectorFieldMap<K>;
  /** What finalize does with collectors a run left behind. */
  readonly finalizeMode: CollectorFinalizeMode;
}

/** Creates a collector; injectable so tests can make one fail on purpose. */
export type CollectorFactory = (ctx: CollectorContext, spec: SharedCollectorSpec) => RunCollector;

/** The device a run's collectors serve. */
export interface CollectorDevice {
  /** Device memory, through the runner's allocator (so `memoryStats()` counts collector buffers). */
  readonly memory: CollectorDeviceMemory;
  /** The device's properties (scheduler threads, whether it is simulated). */
  readonly properties: DeviceProperties;
  /** The logical device id (the trace's process). */
  readonly deviceId: number;
}

/** The collector specs a run's diagnostics ask for, in creation order. */
export function sharedCollectorSpecs(diagnostics: RunContext['settings']['diagnostics']): SharedCollectorSpec[] {
  const specs: SharedCollectorSpec[] = [];
  for (const name of SHARED_DIAGNOSTICS) {
    if (name === 'tensorDump' && diagnostics.tensorDump === true) specs.push({ name });
    if (name === 'l2Swimlane' && (diagnostics.l2Swimlane ?? 0) > 0) specs.push({ name, level: diagnostics.l2Swimlane! });
    if (name === 'pmu' && (diagnostics.pmu ?? 0) > 0) specs.push({ name, eventGroup: diagnostics.pmu! });
    if (name === 'scopeStats' && diagnostics.scopeStats === true) specs.push({ name });
  }
  return specs;
}

/**
 * The shared collectors of one runner: initializes them for each run (step 3) and remembers the
 * latest run's collectors (shared or not, e.g. a2a3's dep_gen) so the arch's finalize can deal with
 * those a timed-out run left behind.
 */
export class SharedCollectorWiring<K extends CommonKernelArgs> {
  private lastRun: RunContext | null = null;

  /**
   * @param spec the arch's fields and finalize mode
   * @param factory creates a collector (default `createCollector` of `@npurun/collectors`)
   */
  constructor(
    /** The arch's wiring. */
    readonly spec: CollectorWiringSpec<K>,
    private readonly factory: CollectorFactory = createCollector,
  ) {}

  /**
   * Step 3 for the shared diagnostics of `ctx`: creates and initializes every enabled collector;
   * if any fails, finalizes the ones already initialized and rethrows, leaving KernelArgs and the
   * run untouched. Then publishes the addresses, sets the flag bits, registers the collectors with
   * the run and records what ran in `ctx.runInfo` (PMU values are marked simulated on a simulator).
   *
   * Collectors that offer `initAsync` are initialized with it, so allocating their buffers never
   * holds the event loop for long.
   *
   * @returns the collectors, in registration order
   * @throws whatever a collector's creation or `init()` throws (`COLLECTOR_*`);
   *   InvalidArgumentError when the field map does not fit a collector's addresses
   */
  async initRun(ctx: RunContext, device: CollectorDevice): Promise<RunCollector[]> {
    this.lastRun = ctx;
    const specs = sharedCollectorSpecs(ctx.settings.diagnostics);
    if (specs.length === 0) return [];
    const props = device.properties;
    const collectorCtx: CollectorContext = {
      arch: this.spec.arch,
      memory: device.memory,
      numCores: ctx.settings.blockDim * 3,
      // The collectors serve the scheduler threads (the dispatch block's schedulers).
      aicpuThreads: Math.min(ctx.settings.aicpuThreads, props.aicpuSchedulerThreads),
      deviceId: device.deviceId,
      simulated: props.simulated,
    };
    const created = specs.map((s) => this.factory(collectorCtx, s));
    const initialized: { collector: RunCollector; addresses: CollectorAddresses }[] = [];
    try {
      for (const collector of created) {
        const addresses = collector.initAsync !== undefined ? await collector.initAsync() : collector.init();
        initialized.push({ collector, addresses });
      }
      // Staged on a copy, so a field-map error leaves the run's KernelArgs as they were.
      const staged = ctx.kernelArgs.slice();
      let flags = this.fieldLayout.readField(staged, 'enableProfilingFlag') as number;
      for (const { collector, addresses } of initialized) {
        this.publish(staged, collector.name as SharedDiagnosticName, addresses);
        flags |= 1 << DiagnosticFlagBit[collector.name];
      }
      this.fieldLayout.writeField(staged, 'enableProfilingFlag', flags >>> 0);
      ctx.kernelArgs.set(staged);
    } catch (e) {
      throw rollBack(e, initialized.map((i) => i.collector));
    }
    for (const { collector } of initialized) ctx.addCollector(collector, { shared: true });
    ctx.runInfo.diagnosticsWiring = this.describe(initialized.map((i) => i.collector), props);
    return initialized.map((i) => i.collector);
  }

  /**
   * The arch part of finalize for the latest run's collectors (the run's own end already
   * finalized them unless it timed out; both operations are idempotent): `finalize` mode unmaps and
   * frees them, `stop` mode stops them and leaves their memory to the allocator sweep.
   *
   * @throws TeardownError with every failure (each collector is attempted)
   */
  async finalizeRunner(): Promise<void> {
    const ctx = this.lastRun;
    this.lastRun = null;
    if (ctx === null) return;
    const errors: unknown[] = [];
    for (const entry of ctx.collectors) {
      try {
        if (this.spec.finalizeMode === 'finalize') entry.collector.finalize();
        else await entry.collector.stop();
      } catch (e) {
        errors.push(e);
      }
    }
    if (errors.length > 0) throw new TeardownError('finalizeCollectors', errors);
  }

  /**
   * The KernelArgs layout seen through the fields this module writes: the field map's names are
   * checked against `K` at compile time, the values (addresses and the flag word) are u64/u32.
   */
  private get fieldLayout(): StructLayout<Record<string, bigint | number>> {
    return this.spec.kernelArgs as unknown as StructLayout<Record<string, bigint | number>>;
  }

  private publish(kernelArgs: Uint8Array, name: SharedDiagnosticName, addresses: CollectorAddresses): void {
    const { dataBase, ringTable } = this.spec.fields;
    const layout = this.fieldLayout;
    layout.writeField(kernelArgs, dataBase[name], addresses.dataBase);
    const tableField = ringTable[name];
    if (tableField === undefined && addresses.ringTable !== undefined) {
      throw new InvalidArgumentError('initDiagnostics', `fields.ringTable.${name}`, undefined, `a KernelArgs field on ${this.spec.arch}: the ${name} collector publishes a per-core ring table`);
    }
    if (tableField !== undefined) {
      if (addresses.ringTable === undefined) {
        throw new InvalidArgumentError('initDiagnostics', `fields.ringTable.${name}`, tableField, `no field on ${this.spec.arch}: the ${name} collector publishes no ring table`);
      }
      layout.writeField(kernelArgs, tableField, addresses.ringTable);
    }
  }

  private describe(collectors: readonly RunCollector[], props: DeviceProperties): Record<string, unknown> {
    const info: Record<string, unknown> = {
      collectors: collectors.map((c) => c.name),
      timestampHz: props.timestampHz,
      hostAccess: props.hostMapping ? 'mapped' : 'shadow',
    };
    const pmu = collectors.find((c): c is PmuCollector => c instanceof PmuCollector);
    if (pmu !== undefined) {
      info.pmu = {
        requested: pmu.eventGroup.requested,
        eventGroup: pmu.eventGroup.table.group,
        eventGroupName: pmu.eventGroup.table.name,
        simulated: props.simulated,
      };
    }
    return info;
  }
}

/** Finalizes what was initialized (newest first) and returns the error to throw. */
function rollBack(cause: unknown, initialized: readonly RunCollector[]): unknown {
  const errors: unknown[] = [];
  for (const c of [...initialized].reverse()) {
    try {
      c.finalize();
    } catch (e) {
      errors.push(e);
    }
  }
  return errors.length === 0 ? cause : new TeardownError('initDiagnostics', [cause, ...errors]);
}
