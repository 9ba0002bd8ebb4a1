/**
 * The front of KernelArgs every arch shares: 40 bytes of zeros, then `deviceArgs`,
 * `runtimeArgs` and `regs`. The vendor runtime's AI CPU loader fixes this layout, so the arch
 * packages spread these fields first into their own declaration and add what differs after @64.
 */
import { array, ptr, u64 } from '@npurun/hal-native';

/** The four fixed front fields, with their asserted offsets. */
export const KERNEL_ARGS_FRONT = {
  unused: { type: array(u64, 5), offset: 0, doc: 'zeros: layout fixed by the vendor AI CPU loader' },
  deviceArgs: { type: ptr, offset: 40 },
  runtimeArgs: { type: ptr, offset: 48, doc: 'device address of the runtime image' },
  regs: { type: ptr, offset: 56, doc: 'per-core dispatch registers (simulator: the dispatch block)' },
} as const;
