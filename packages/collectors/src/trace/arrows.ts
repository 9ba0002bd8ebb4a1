/**
 * Which dependency arrows a run's trace and report draw, and where each came from. The host's graph
 * is always known (it is what the run asked for); dep_gen, where it ran, is what the device
 * captured. Arrows are the union: an edge both agree on is plain `dependency`; when dep_gen ran and
 * the two disagree, the edge is drawn anyway and marked with the side that has it, so a capture that
 * lost or invented an edge shows up instead of being hidden.
 */
import type { HostTask } from './inputs';

/** Where an arrow's edge is known from. */
export type ArrowSource = 'host' | 'device' | 'both';

/** One dependency arrow: producer → consumer. */
export interface DependencyArrow {
  /** Producer task id. */
  readonly pred: number;
  /** Consumer task id. */
  readonly succ: number;
  /** Host graph, device capture (dep_gen), or both. */
  readonly source: ArrowSource;
}

/** The edges of the host graph, deduplicated, in task order. */
export function hostEdges(tasks: readonly HostTask[]): Array<{ pred: number; succ: number }> {
  const out: Array<{ pred: number; succ: number }> = [];
  for (const t of tasks) {
    const seen = new Set<number>();
    for (const d of t.deps) {
      if (seen.has(d)) continue;
      seen.add(d);
      out.push({ pred: d, succ: t.id });
    }
  }
  return out;
}

/**
 * The union of the host graph's edges and the device-captured ones (`undefined` when dep_gen did
 * not run or its capture was not sound), each with its source. Device ids beyond 2^53 cannot be
 * task indices and are skipped.
 */
export function combineArrows(tasks: readonly HostTask[] | undefined, device: Iterable<{ pred: bigint; succ: bigint }> | undefined): DependencyArrow[] {
  const bySource = new Map<string, { pred: number; succ: number; host: boolean; device: boolean }>();
  const add = (pred: number, succ: number, side: 'host' | 'device'): void => {
    const key = `${pred}>${succ}`;
    let e = bySource.get(key);
    if (e === undefined) {
      e = { pred, succ, host: false, device: false };
      bySource.set(key, e);
    }
    e[side] = true;
  };
  for (const e of hostEdges(tasks ?? [])) add(e.pred, e.succ, 'host');
  if (device !== undefined) {
    for (const e of device) {
      if (e.pred > BigInt(Number.MAX_SAFE_INTEGER) || e.succ > BigInt(Number.MAX_SAFE_INTEGER)) continue;
      add(Number(e.pred), Number(e.succ), 'device');
    }
  }
  const out: DependencyArrow[] = [];
  for (const e of bySource.values()) out.push({ pred: e.pred, succ: e.succ, source: e.host && e.device ? 'both' : e.host ? 'host' : 'device' });
  return out;
}

/** The flow name an arrow gets: `dependency`, or the side that alone has it when dep_gen disagrees. */
export function arrowName(source: ArrowSource, depGenRan: boolean): string {
  if (!depGenRan || source === 'both') return 'dependency';
  return source === 'host' ? 'dependency (host graph only)' : 'dependency (dep_gen only)';
}
