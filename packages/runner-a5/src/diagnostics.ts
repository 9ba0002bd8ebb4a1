/**
 * a5 diagnostics wiring: which collectors a run creates and which KernelArgs fields receive their
 * addresses.
 */
import type { DeviceProperties } from '@npurun/hal-native';
import { enabledDiagnostics, InvalidArgumentError, type RunContext } from '@npurun/runner-base';
import type { CollectorDeviceMemory } from '@npurun/collectors';

/** Step 3 of a a5 run. */
export function initA5Diagnostics(ctx: RunContext, _memory: CollectorDeviceMemory, _props: DeviceProperties): void {
  const on = enabledDiagnostics(ctx.settings.diagnostics);
  if (on.length > 0) throw new InvalidArgumentError('run', 'diagnostics', on, 'none yet (collector wiring pending)');
}
