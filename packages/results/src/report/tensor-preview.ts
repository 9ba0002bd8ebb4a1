/**
 * What the report shows of a dumped tensor: min / max / mean over its finite values, how many are not
 * finite, and a small picture — a heatmap of the last two dimensions (leading dimensions stacked as
 * rows) downsampled to at most 48 × 48 cells by averaging, or a 24-bin histogram for a 0-/1-D tensor.
 * Pure; the page only draws what is computed here.
 */
import type { TensorArray } from '../dtype';

/** Preview of a tensor. */
export interface TensorPreview {
  /** Smallest finite value. */
  min: number;
  /** Largest finite value. */
  max: number;
  /** Mean of the finite values. */
  mean: number;
  /** Values that are NaN or infinite. */
  nonFinite: number;
  /** Elements. */
  count: number;
  /** A heatmap (row-major cells) or a histogram (bin counts over [min, max]). */
  picture: { kind: 'heatmap'; rows: number; cols: number; cells: number[] } | { kind: 'histogram'; bins: number[] };
}

const MAX_CELLS = 48;
const BINS = 24;

/** The preview of `data` with `shape` (its elements in row-major order). */
export function tensorPreview(data: TensorArray, shape: readonly number[]): TensorPreview {
  const n = data.length;
  const at = (i: number): number => Number(data[i]!);
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let finite = 0;
  for (let i = 0; i < n; i++) {
    const v = at(i);
    if (!Number.isFinite(v)) continue;
    finite++;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const stats = { min: finite > 0 ? min : 0, max: finite > 0 ? max : 0, mean: finite > 0 ? sum / finite : 0, nonFinite: n - finite, count: n };
  if (shape.length >= 2 && n > 1) {
    const cols = shape[shape.length - 1]!;
    const rows = Math.floor(n / Math.max(1, cols));
    const outRows = Math.min(MAX_CELLS, rows);
    const outCols = Math.min(MAX_CELLS, cols);
    const cells = new Array<number>(outRows * outCols).fill(0);
    const counts = new Array<number>(outRows * outCols).fill(0);
    for (let r = 0; r < rows; r++) {
      const cr = Math.floor((r * outRows) / rows);
      for (let c = 0; c < cols; c++) {
        const v = at(r * cols + c);
        if (!Number.isFinite(v)) continue;
        const k = cr * outCols + Math.floor((c * outCols) / cols);
        cells[k]! += v;
        counts[k]!++;
      }
    }
    return { ...stats, picture: { kind: 'heatmap', rows: outRows, cols: outCols, cells: cells.map((s, i) => (counts[i]! > 0 ? Number((s / counts[i]!).toPrecision(4)) : 0)) } };
  }
  const bins = new Array<number>(BINS).fill(0);
  const width = stats.max - stats.min;
  for (let i = 0; i < n; i++) {
    const v = at(i);
    if (!Number.isFinite(v)) continue;
    bins[width === 0 ? 0 : Math.min(BINS - 1, Math.floor(((v - stats.min) / width) * BINS))]!++;
  }
  return { ...stats, picture: { kind: 'histogram', bins } };
}
