/**
 * Large host↔device copies in pieces, pausing for the event loop between pieces once a time slice
 * is used up. A copy is a synchronous HAL call; one of tens of megabytes (a workload's tensors, a
 * run's outputs) would otherwise hold the caller's event loop for as long as the copy and its page
 * faults take.
 *
 * The last piece is copied first: a range that does not fit its allocation fails before anything
 * was copied, as the whole-view copy would.
 */
import { TimeSlicer, UnitCost } from '@npurun/collectors';
import type { DeviceReadback } from './run-types';

/**
 * Bytes per piece: a copy this size takes well under a millisecond on warm pages, and a few
 * milliseconds at most when every page of both sides faults in for the first time (fresh host
 * buffers, never-touched device memory), so one piece never holds the event loop for long.
 */
export const COPY_PIECE_BYTES = 64 * 1024;

/** The copies this module needs (a runner, its allocator, or the HAL device). */
export interface CopyTarget {
  /** Host → device copy of the whole view. */
  copyToDevice(addr: bigint, view: ArrayBufferView): void;
  /** Device → host copy filling the whole view. */
  copyFromDevice(view: ArrayBufferView, addr: bigint): void;
}

/** The byte ranges of a view's pieces, the last one first. */
function pieces(view: ArrayBufferView): Array<{ offset: number; bytes: Uint8Array }> {
  const all = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  const out: Array<{ offset: number; bytes: Uint8Array }> = [];
  for (let offset = 0; offset < all.length; offset += COPY_PIECE_BYTES) out.push({ offset, bytes: all.subarray(offset, offset + COPY_PIECE_BYTES) });
  if (out.length > 1) out.unshift(out.pop()!);
  return out;
}

/**
 * Copies each piece in turn, pausing before a piece when what the earlier ones cost says it would
 * carry the slice past its end (pieces cost alike within a copy: they fault in the same way), and
 * after the last piece when the slice is used up.
 */
async function copyPieces(count: number, copyPiece: (index: number) => void, slicer: TimeSlicer): Promise<void> {
  const cost = new UnitCost();
  for (let i = 0; i < count; i++) {
    if (i > 0) await slicer.pauseUnlessFits(cost.expected);
    cost.measure(() => copyPiece(i));
  }
  await slicer.pauseIfDue();
}

/** Copies the whole of `view` to device memory at `addr`, a piece at a time. */
export async function copyToDeviceSliced(target: Pick<CopyTarget, 'copyToDevice'>, addr: bigint, view: ArrayBufferView, slicer: TimeSlicer = new TimeSlicer()): Promise<void> {
  if (view.byteLength <= COPY_PIECE_BYTES) {
    target.copyToDevice(addr, view);
    return;
  }
  const all = pieces(view);
  await copyPieces(all.length, (i) => target.copyToDevice(addr + BigInt(all[i]!.offset), all[i]!.bytes), slicer);
}

/** Fills the whole of `view` from device memory at `addr`, a piece at a time. */
export async function copyFromDeviceSliced(target: Pick<CopyTarget, 'copyFromDevice'>, view: ArrayBufferView, addr: bigint, slicer: TimeSlicer = new TimeSlicer()): Promise<void> {
  if (view.byteLength <= COPY_PIECE_BYTES) {
    target.copyFromDevice(view, addr);
    return;
  }
  const all = pieces(view);
  await copyPieces(all.length, (i) => target.copyFromDevice(all[i]!.bytes, addr + BigInt(all[i]!.offset)), slicer);
}

let zeroPiece: Uint8Array | undefined;

/**
 * Zeroes `bytes` bytes of device memory at `addr` from one shared piece of zeros, so zeroing a
 * large tensor neither allocates a host buffer its size nor stalls the event loop.
 */
export async function zeroDeviceSliced(target: Pick<CopyTarget, 'copyToDevice'>, addr: bigint, bytes: number, slicer: TimeSlicer = new TimeSlicer()): Promise<void> {
  // Never written: every copy from it sends zeros.
  zeroPiece ??= new Uint8Array(COPY_PIECE_BYTES);
  const zeros = zeroPiece;
  await copyPieces(
    Math.ceil(bytes / COPY_PIECE_BYTES),
    (i) => {
      const offset = i * COPY_PIECE_BYTES;
      target.copyToDevice(addr + BigInt(offset), zeros.subarray(0, Math.min(COPY_PIECE_BYTES, bytes - offset)));
    },
    slicer,
  );
}

/** A run's readbacks (step 10), in order, each a piece at a time. */
export async function readOutputsSliced(target: Pick<CopyTarget, 'copyFromDevice'>, outputs: readonly DeviceReadback[]): Promise<void> {
  const slicer = new TimeSlicer();
  for (const o of outputs) await copyFromDeviceSliced(target, o.view, o.addr, slicer);
}
