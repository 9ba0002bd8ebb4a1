/**
 * What a run hands the l2 swimlane export so the trace carries what the host knows (see
 * `@npurun/collectors`' `TraceInputs`): the task table, a trace process unique to the run, and the
 * PMU samples and scope boundaries of the run's other collectors. Those collectors are created
 * before the l2 swimlane (see `SHARED_DIAGNOSTICS`), so they have reconciled by the time it exports.
 */
import { PmuCollector, ScopeStatsCollector, type ExportOptions, type TraceInputs } from '@npurun/collectors';
import type { RunCollectorEntry, RunContext } from './run-context';

/** A trace pid from the run id: a positive 31-bit integer, unique per run in practice. */
export function tracePid(runId: string): number {
  // FNV-1a over the id's characters; 0 is avoided so the pid never looks like "no process".
  let h = 0x811c9dc5;
  for (let i = 0; i < runId.length; i++) {
    h ^= runId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return (h & 0x7fffffff) || 1;
}

/** The trace's process name: arch, platform, device, and the workload and case when known. */
export function traceProcessName(arch: string, platform: string, deviceId: number, tag: RunContext['settings']['tag']): string {
  const what = tag === undefined ? '' : ` ${tag.workload}/${tag.case}`;
  return `npurun ${arch} ${platform} device ${deviceId}${what}`;
}

/** Export options the run adds for `entry`: the l2 swimlane gets its trace inputs. */
export function traceExportOptions(ctx: RunContext, entry: RunCollectorEntry, arch: string, platform: string, deviceId: number): Partial<ExportOptions> {
  if (entry.collector.name !== 'l2Swimlane') return {};
  const s = ctx.settings;
  const pmu = ctx.collectors.find((e) => e.collector instanceof PmuCollector && e.phase === 'tornDown')?.collector as PmuCollector | undefined;
  const scope = ctx.collectors.find((e) => e.collector instanceof ScopeStatsCollector && e.phase === 'tornDown')?.collector as ScopeStatsCollector | undefined;
  const trace: TraceInputs = {
    process: { pid: tracePid(s.runId ?? ''), name: traceProcessName(arch, platform, deviceId, s.tag) },
    ...(s.taskTable !== undefined ? { tasks: s.taskTable.tasks } : {}),
    ...(pmu !== undefined ? { pmu: pmu.samples() } : {}),
    ...(scope !== undefined ? { scopes: () => scope.boundaries() } : {}),
  };
  return { trace };
}
