/**
 * The AI Core executor binary and its registration handle.
 *
 * Why register lazily and exactly once per runner: hardware has no unregister for an AI Core
 * binary; each registration pins another device-side copy of the ELF, so registering per run
 * leaks device memory until the device runs out (the upstream runner saw it surface as allocation
 * failures at launch). The handle is therefore cached for the runner's lifetime and only dropped
 * when `finalizeCommon` resets the device, which is what releases the device-side copy.
 */
import type { AicoreBinary, HalDevice } from '@npurun/hal-native';
import { BinaryError } from './errors';

/** Holds the AI Core executor image and its (lazily created) registration. */
export class AicoreExecutor {
  private binary: AicoreBinary | null = null;
  private count = 0;

  /** @param image the executor binary (an ELF shared object on the simulator) */
  constructor(private readonly image: Uint8Array) {}

  /**
   * The registered binary, registering it on the first call.
   *
   * @throws BinaryError `RUNNER_INVALID_BINARY` for an empty image, before any device call;
   *   `HalError` from the registration (nothing is cached then, so a later call retries)
   */
  handle(device: HalDevice): AicoreBinary {
    if (this.binary !== null) return this.binary;
    if (!(this.image instanceof Uint8Array) || this.image.byteLength === 0) {
      throw new BinaryError('launchAicoreKernel', 'the AI Core executor binary is empty; nothing to register');
    }
    this.binary = device.registerAicoreBinary(this.image);
    this.count++;
    return this.binary;
  }

  /** Whether a registration is cached. */
  get isRegistered(): boolean {
    return this.binary !== null;
  }

  /** How many times this executor was registered (1 per device lifetime). */
  get registrations(): number {
    return this.count;
  }

  /** Drops the cached handle (the device was reset, which released the registration). */
  forget(): void {
    this.binary = null;
  }
}
