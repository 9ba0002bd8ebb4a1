/**
 * What the CLI can run on hardware today. The bundled workloads' kernels are built for the
 * simulator only: on `a2a3` / `a5` they would need kernel images from the vendor's kernel compiler,
 * which this version does not drive. The CLI says so before it opens a device, instead of failing
 * after.
 */
import type { Arch } from '@npurun/hal-native';

/**
 * Why `run <workload>` cannot run on `platform`, or `undefined` when it can (a simulator).
 *
 * @param command - the command name, for the message
 */
export function hardwareRunRefusal(command: string, arch: Arch, platform: string | undefined): string | undefined {
  if (platform === undefined || platform !== arch) return undefined;
  return [
    `${command}: the bundled workloads cannot run on ${platform} in this version: their kernels are built for the simulator`,
    `(${arch}sim) only, and hardware needs kernel images built with the vendor's kernel compiler (ccec), which npurun does not drive yet.`,
    `What works on hardware today: \`${command} info --platform ${platform}\`, and the API — ${arch === 'a2a3' ? 'A2A3Runner' : 'A5Runner'}.create({ platform: '${platform}',`,
    `executors }) with the runtime's own executor binaries and kernel images you built — see "Running on a real device" in the README.`,
    `On the simulator: \`${command} run <workload>\` (--platform ${arch}sim is the default).`,
  ].join('\n');
}
