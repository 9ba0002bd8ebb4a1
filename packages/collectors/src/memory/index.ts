/** Host access to device memory: the interface and its two strategies. */
import type { HostAccessMode } from '../arch';
import type { CollectorDeviceMemory } from '../collector';
import type { DeviceAccess } from './access';
import { MappedAccess } from './mapped';
import { ShadowAccess } from './shadow';

export type { DeviceAccess, DeviceWindow, SharedRegion } from './access';
export { MappedAccess } from './mapped';
export { ShadowAccess } from './shadow';

/** Creates the access strategy `mode` over `memory`. */
export function createDeviceAccess(mode: HostAccessMode, memory: CollectorDeviceMemory): DeviceAccess {
  return mode === 'mapped' ? new MappedAccess(memory) : new ShadowAccess(memory);
}
