/** One entry point for the runner: create the collector for a diagnostic. */
import type { RunCollector } from './collector';
import { CollectorError, CollectorErrorCode } from './errors';
import type { CollectorContext } from './framework/context';
import { L2SwimlaneCollector } from './l2-swimlane/collector';
import { PmuCollector } from './pmu/collector';
import { ScopeStatsCollector } from './scope-stats/collector';
import { TensorDumpCollector, type TensorDumpCollectorOptions } from './tensor-dump/collector';

/** Per-diagnostic options of {@link createCollector}. */
export type SharedCollectorSpec =
  | { readonly name: 'l2Swimlane'; readonly level: number }
  | ({ readonly name: 'tensorDump' } & TensorDumpCollectorOptions)
  | { readonly name: 'pmu'; readonly eventGroup: number }
  | { readonly name: 'scopeStats' };

/**
 * Creates one of the four shared collectors (dep_gen is the a2a3 runner's own).
 *
 * @throws CollectorError `COLLECTOR_INVALID_ARGUMENT` for an unknown name or bad options.
 */
export function createCollector(ctx: CollectorContext, spec: SharedCollectorSpec): RunCollector {
  switch (spec?.name) {
    case 'l2Swimlane':
      return new L2SwimlaneCollector(ctx, { level: spec.level });
    case 'tensorDump':
      return new TensorDumpCollector(ctx, spec);
    case 'pmu':
      return new PmuCollector(ctx, { eventGroup: spec.eventGroup });
    case 'scopeStats':
      return new ScopeStatsCollector(ctx);
    default:
      throw new CollectorError(
        CollectorErrorCode.InvalidArgument,
        'createCollector',
        `unknown collector ${JSON.stringify((spec as { name?: unknown } | undefined)?.name)} (expected l2Swimlane, tensorDump, pmu or scopeStats)`,
      );
  }
}
