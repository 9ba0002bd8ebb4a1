/**
 * Host views over a `SharedArrayBuffer` (what worker threads share) cannot be handed to the HAL,
 * which copies from and into ordinary buffers only; these helpers stage such a view through a
 * private copy, so every `ArrayBufferView` works the same at the runner's API.
 */

/** The device copies the helpers need. */
interface ViewCopies {
  copyToDevice(dst: bigint, src: ArrayBufferView): void;
  copyFromDevice(dst: ArrayBufferView, src: bigint): void;
}

/** Whether `view` lies in a `SharedArrayBuffer` (from any realm). */
export function isSharedView(view: ArrayBufferView): boolean {
  return Object.prototype.toString.call(view.buffer) === '[object SharedArrayBuffer]';
}

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/** Host → device copy of the whole of `view`. */
export function copyToDeviceView(memory: ViewCopies, addr: bigint, view: ArrayBufferView): void {
  memory.copyToDevice(addr, isSharedView(view) ? bytesOf(view).slice() : view);
}

/** Device → host copy filling the whole of `view`. */
export function copyFromDeviceView(memory: ViewCopies, view: ArrayBufferView, addr: bigint): void {
  if (!isSharedView(view)) {
    memory.copyFromDevice(view, addr);
    return;
  }
  const staging = new Uint8Array(view.byteLength);
  memory.copyFromDevice(staging, addr);
  bytesOf(view).set(staging);
}
