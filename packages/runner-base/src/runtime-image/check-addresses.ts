/**
 * Host-side check of the device addresses a task graph carries, made before any device call: a
 * task argument that lies in no live allocation of the runner would make device
 * code read or write memory it does not own — on hardware silently, on the simulator as a device
 * fault. Caught here, it is a {@link GraphError} that names the task and the argument.
 */
import { GraphError } from '../errors';
import type { TaskGraph } from './task-graph';

/** A live allocation: `[addr, addr + size)`. */
export interface LiveRange {
  /** Start address. */
  addr: bigint;
  /** Size in bytes. */
  size: bigint;
}

/** Finds the live range containing `[addr, addr + bytes)`, by binary search over sorted ranges. */
function owner(sorted: readonly LiveRange[], addr: bigint, bytes: bigint): LiveRange | undefined {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = sorted[mid]!;
    if (addr < r.addr) hi = mid - 1;
    else if (addr >= r.addr + r.size) lo = mid + 1;
    else return addr + bytes <= r.addr + r.size ? r : undefined;
  }
  return undefined;
}

function hex(v: bigint): string {
  return `0x${v.toString(16)}`;
}

/**
 * Checks every address argument of every task that runs a kernel against `live`: each must lie
 * inside one live allocation, and a described tensor's bytes must fit in it. (Kernel images need no check here: a
 * task whose image cannot be loaded fails the run naming the task.)
 *
 * @throws GraphError (`argumentAddress`) naming the task, the argument and the address
 */
export function checkGraphAddresses(graph: TaskGraph, live: readonly LiveRange[]): void {
  const sorted = [...live].sort((a, b) => (a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : 0));
  graph.tasks.forEach((task, t) => {
    // A dependency-only task carries its arguments for the record; nothing ever dereferences them.
    if (task.kernel === null || task.kernel === undefined) return;
    const kernel = typeof task.kernel === 'number' ? graph.kernels[task.kernel]?.name : undefined;
    const who = `task ${t}${task.label !== undefined ? ` ('${task.label}')` : ''}${kernel !== undefined ? ` (kernel '${kernel}')` : ''}`;
    (task.args ?? []).forEach((arg, a) => {
      if (arg.kind !== 'addr') return;
      if (owner(sorted, arg.value, 1n) === undefined) {
        throw new GraphError('argumentAddress', `${who} argument ${a}: ${hex(arg.value)} is not inside a live device allocation of this runner (freed, never allocated, or not a device address)`, t);
      }
      if (arg.tensor !== undefined) {
        const bytes = BigInt(arg.tensor.bytes);
        const range = owner(sorted, arg.value, bytes);
        if (range === undefined) {
          throw new GraphError('argumentAddress', `${who} argument ${a}: the tensor at ${hex(arg.value)} is ${bytes} bytes, which runs past the end of its allocation`, t);
        }
      }
    });
  });
}
