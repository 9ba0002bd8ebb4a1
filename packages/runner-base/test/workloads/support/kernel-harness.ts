// Calls one workload kernel on the simulator through test/workloads/programs/kernel_harness.cc:
// no runner, no scheduler, just the HAL, the kernel image in device memory and a faked ctx.
import * as path from 'node:path';
import { compileDeviceProgram, openDevice, type AicpuProgram, type HalDevice, type HalStream, type SimPlatform } from '@npurun/hal-native';
import { simDeviceIncludeDir } from '../../../src/sim-executor';

/** The kernel ctx fields a call fakes (defaults: a cube/vector task, block 0 of 1). */
export interface FakeCtx {
  coreType: 'cube' | 'vector';
  blockIdx?: number;
  blockNum?: number;
  subBlockIdx?: number;
  subBlockNum?: number;
  coreId?: number;
  taskId?: number;
}

const HARNESS_ARGS_BYTES = 72;

/** Compiles the harness program (cached by content). */
export function compileHarness(): Promise<Uint8Array> {
  return compileDeviceProgram({
    sources: [path.join(__dirname, '..', 'programs', 'kernel_harness.cc')],
    includeDirs: [simDeviceIncludeDir],
  });
}

/** One simulated device with the harness loaded. */
export class KernelHarness {
  readonly device: HalDevice;
  private readonly program: AicpuProgram;
  private readonly stream: HalStream;
  private readonly images = new Map<Uint8Array, bigint>();

  constructor(platform: SimPlatform, harnessImage: Uint8Array) {
    this.device = openDevice({ platform, sim: { memoryBytes: 512 * 1024 * 1024 } });
    this.program = this.device.loadAicpuProgram(harnessImage);
    this.stream = this.device.createStream();
  }

  /** Allocates device memory holding a copy of `data`. */
  upload(data: ArrayBufferView): bigint {
    const addr = this.device.malloc(Math.max(1, data.byteLength));
    this.device.copyToDevice(addr, data);
    return addr;
  }

  /** Reads `view.byteLength` bytes at `addr` into `view`. */
  read<T extends ArrayBufferView>(view: T, addr: bigint): T {
    this.device.copyFromDevice(view, addr);
    return view;
  }

  /**
   * Calls `entry` of `image` with `args` (u64 each) as `ctx`, and waits.
   *
   * @throws Error when the harness reports a failure (the HAL's launch error)
   */
  async call(image: Uint8Array, entry: string, args: readonly (bigint | number)[], ctx: FakeCtx): Promise<void> {
    let imageAddr = this.images.get(image);
    if (imageAddr === undefined) {
      imageAddr = this.upload(image);
      this.images.set(image, imageAddr);
    }
    const entryAddr = this.upload(new TextEncoder().encode(`${entry}\0`));
    const argsAddr = this.upload(BigUint64Array.from(args, (a) => BigInt(a)));
    const block = new DataView(new ArrayBuffer(HARNESS_ARGS_BYTES));
    [imageAddr, BigInt(image.byteLength), entryAddr, argsAddr, BigInt(args.length)].forEach((v, i) => block.setBigUint64(i * 8, v, true));
    const u32 = [
      ctx.coreType === 'cube' ? 0 : 1,
      ctx.blockIdx ?? 0,
      ctx.blockNum ?? 1,
      ctx.subBlockIdx ?? 0,
      ctx.subBlockNum ?? 1,
      ctx.coreId ?? 0,
      ctx.taskId ?? 0,
      0,
    ];
    u32.forEach((v, i) => block.setUint32(40 + i * 4, v, true));
    try {
      this.device.launchAicpu(this.stream, this.program, 'call_kernel', 1, block);
      await this.stream.synchronize(30_000);
    } finally {
      this.device.free(entryAddr);
      this.device.free(argsAddr);
    }
  }

  /** Closes the device (frees everything). */
  close(): void {
    this.device.close();
  }
}
