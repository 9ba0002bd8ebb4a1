import type { HalDevice } from '@npurun/hal-native';
import type { CollectorDeviceMemory } from '../../src';

/** The runner's role in tests: CollectorDeviceMemory straight over a HAL device, with live counts. */
export function halMemory(d: HalDevice): CollectorDeviceMemory & { live: Set<bigint> } {
  const live = new Set<bigint>();
  return {
    live,
    alloc: (size) => {
      const a = d.malloc(size);
      live.add(a);
      return a;
    },
    free: (addr) => {
      d.free(addr);
      live.delete(addr);
    },
    copyToDevice: (dst, src) => d.copyToDevice(dst, src),
    copyFromDevice: (dst, src) => d.copyFromDevice(dst, src),
    mapToHost: (addr, size) => d.mapToHost(addr, size),
    unmapFromHost: (addr) => d.unmapFromHost(addr),
  };
}
