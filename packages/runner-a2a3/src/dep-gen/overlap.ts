/**
 * How a consumer's tensor region relates to a producer's on the same buffer, as the tensormap
 * decides it: `covered` when the consumer's region contains the producer's, `other` when they
 * only intersect, `none` when they are disjoint.
 *
 * Regions are strided hyper-rectangles: element `(c0, …, cn)` is at
 * `start_offset + Σ ci · strides[i]` (elements). When both tensors share element type, rank and
 * strides, the start offset is split into per-dimension offsets (largest stride first) and the
 * per-dimension segments are compared exactly. Otherwise only the byte extents are compared and
 * an intersection counts as `other` unless both are contiguous and one extent contains the other.
 */
import type { CapturedTensor } from './records';
import { dtypeBytes } from './dtype';

/** The relation of two regions. */
export type Overlap = 'covered' | 'other' | 'none';

interface Extent {
  readonly begin: bigint;
  readonly end: bigint; // exclusive
}

function elementBytes(t: CapturedTensor): bigint {
  return BigInt(dtypeBytes(t.dtype) ?? 1);
}

/** Byte extent `[begin, end)` relative to the buffer start; empty when a dimension is 0. */
function byteExtent(t: CapturedTensor): Extent {
  const eb = elementBytes(t);
  let last = t.startOffset;
  for (let d = 0; d < t.shapes.length; d++) {
    const n = BigInt(t.shapes[d]!);
    if (n === 0n) return { begin: 0n, end: 0n };
    last += (n - 1n) * BigInt(t.strides[d]!);
  }
  return { begin: t.startOffset * eb, end: (last + 1n) * eb };
}

function intersects(a: Extent, b: Extent): boolean {
  return a.begin < b.end && b.begin < a.end && a.begin < a.end && b.begin < b.end;
}

function contains(outer: Extent, inner: Extent): boolean {
  return outer.begin <= inner.begin && inner.end <= outer.end;
}

function sameGrid(a: CapturedTensor, b: CapturedTensor): boolean {
  if (a.dtype !== b.dtype || a.shapes.length !== b.shapes.length || a.shapes.length === 0) return false;
  return a.strides.every((s, i) => s === b.strides[i] && s > 0);
}

/** Per-dimension offsets of `start` on a grid, dimensions visited by descending stride. */
function offsetsOnGrid(start: bigint, strides: readonly number[]): bigint[] {
  const order = strides.map((s, i) => [s, i] as const).sort((x, y) => y[0] - x[0]);
  const out = new Array<bigint>(strides.length).fill(0n);
  let rest = start;
  for (const [s, i] of order) {
    const stride = BigInt(s);
    out[i] = rest / stride;
    rest %= stride;
  }
  return out;
}

/** The relation of the consumer's region to the producer's (both on the same buffer). */
export function regionOverlap(consumer: CapturedTensor, producer: CapturedTensor): Overlap {
  const c = byteExtent(consumer);
  const p = byteExtent(producer);
  if (!intersects(c, p)) return 'none';
  if (sameGrid(consumer, producer)) {
    const co = offsetsOnGrid(consumer.startOffset, consumer.strides);
    const po = offsetsOnGrid(producer.startOffset, producer.strides);
    let covers = true;
    for (let d = 0; d < consumer.shapes.length; d++) {
      const cs: Extent = { begin: co[d]!, end: co[d]! + BigInt(consumer.shapes[d]!) };
      const ps: Extent = { begin: po[d]!, end: po[d]! + BigInt(producer.shapes[d]!) };
      if (!intersects(cs, ps)) return 'none';
      if (!contains(cs, ps)) covers = false;
    }
    return covers ? 'covered' : 'other';
  }
  return consumer.isContiguous && producer.isContiguous && contains(c, p) ? 'covered' : 'other';
}
