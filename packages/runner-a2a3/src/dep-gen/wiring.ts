/**
 * dep_gen in an a2a3 run.
 *
 * - Step 3 ({@link initDepGen}): when `diagnostics.depGen` is on, create and `init()` the
 *   collector, register it as non-shared (the base's steps 6 and 9 start it and tear it down),
 *   write `depGenDataBase` and set flag bit 3.
 * - Before step 8 ({@link settleDepGen}): stop and reconcile it, so its edges exist when the l2
 *   swimlane collector exports `swimlane.trace.json` in step 8. The device finished in step 7, so
 *   nothing more can arrive; `deps.json` itself is still written in step 9.
 * - Step 8 ({@link depGenExportOptions}): hand the edges to the l2 swimlane export as
 *   `dependencyEdges` (only when the capture was sound, so no partial graph is drawn).
 */
import { DiagnosticFlagBit, archConstants, type CollectorDeviceMemory, type DependencyEdge, type ExportOptions } from '@npurun/collectors';
import type { DeviceProperties } from '@npurun/hal-native';
import type { RunCollectorEntry, RunContext } from '@npurun/runner-base';
import { A2A3KernelArgs } from '../kernel-args';
import { DepGenCollector } from './collector';

const collectors = new WeakMap<RunContext, DepGenCollector>();

/** The dep_gen collector of a run, if it has one. */
export function depGenCollectorOf(ctx: RunContext): DepGenCollector | undefined {
  return collectors.get(ctx);
}

/**
 * Step 3 for dep_gen. Does nothing when `diagnostics.depGen` is off (then `depGenDataBase` stays 0
 * and bit 3 clear).
 *
 * @throws CollectorError `COLLECTOR_INIT_FAILED` when allocating or mapping its buffers fails
 *   (everything it allocated is released first)
 */
export async function initDepGen(ctx: RunContext, memory: CollectorDeviceMemory, props: DeviceProperties, deviceId: number): Promise<void> {
  if (ctx.settings.diagnostics.depGen !== true) return;
  const context = {
    arch: 'a2a3' as const,
    memory,
    numCores: ctx.settings.blockDim * 3,
    // Only validated here: dep_gen has one producer, whatever the thread count.
    aicpuThreads: Math.min(ctx.settings.aicpuThreads, archConstants('a2a3').maxAicpuThreads),
    deviceId,
    simulated: props.simulated,
  };
  // The simulated orchestrator submits exactly the graph's tasks; the runtime's own on hardware may not.
  const collector = new DepGenCollector(context, props.simulated ? { expectedTasks: ctx.settings.image.taskCount } : {});
  const addresses = await collector.initAsync();
  ctx.addCollector(collector, { shared: false });
  collectors.set(ctx, collector);
  A2A3KernelArgs.writeField(ctx.kernelArgs, 'depGenDataBase', addresses.dataBase);
  const flags = A2A3KernelArgs.readField(ctx.kernelArgs, 'enableProfilingFlag');
  A2A3KernelArgs.writeField(ctx.kernelArgs, 'enableProfilingFlag', (flags | (1 << DiagnosticFlagBit.depGen)) >>> 0);
}

/**
 * Stops and reconciles the run's dep_gen collector ahead of the shared teardown, so the l2 export
 * can draw its edges. The base's step 9 still tears it down (stop is a no-op by then) and exports
 * `deps.json`.
 */
export async function settleDepGen(ctx: RunContext): Promise<void> {
  const entry = ctx.collectors.find((e) => e.collector === collectors.get(ctx));
  if (entry === undefined || entry.phase !== 'started') return;
  await entry.collector.stop();
  await entry.collector.reconcile({ incomplete: false });
}

/** The edges dep_gen captured in this run, when the capture was sound. */
export function depGenEdges(ctx: RunContext): DependencyEdge[] | undefined {
  return collectors.get(ctx)?.dependencyEdges();
}

/** Export options dep_gen adds for one collector: the l2 swimlane gets the dependency edges. */
export function depGenExportOptions(ctx: RunContext, entry: RunCollectorEntry): Partial<ExportOptions> {
  if (entry.collector.name !== 'l2Swimlane') return {};
  const edges = depGenEdges(ctx);
  return edges === undefined ? {} : { dependencyEdges: edges };
}
