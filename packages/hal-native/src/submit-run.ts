/**
 * A run's submission made of a device's individual calls: what {@link HalDevice.submitRun} does in
 * one crossing, spelled out. For HAL implementations that have no faster path (test doubles,
 * wrappers), and the plainest statement of what `submitRun` does.
 */
import { HalError } from './errors';
import type { HalDevice, HalStream, RunSubmission, StreamsSyncError, SubmitRunError } from './types';

/**
 * Submits `run` on `device` with its `copyToDevice`, `launchAicpu`, `launchAicore`,
 * `synchronizeStreams` and `copyFromDevice`, in the vendor runtime's order, with the rejections of
 * {@link HalDevice.submitRun}.
 */
export async function submitRunStepwise(device: HalDevice, run: RunSubmission): Promise<bigint> {
  const launched: HalStream[] = [];
  const { aicpu, aicore } = run;
  try {
    for (const u of run.uploads ?? []) device.copyToDevice(u.addr, u.bytes);
    if (run.kernelArgsUpload === 'beforeAicpuLaunch') device.copyToDevice(run.kernelArgsAddr, run.kernelArgs);
    device.launchAicpu(aicpu.stream, aicpu.program, aicpu.initKernel, 1, run.kernelArgs);
    launched.push(aicpu.stream);
    device.launchAicpu(aicpu.stream, aicpu.program, aicpu.runKernel, aicpu.threads, run.kernelArgs);
    if (run.kernelArgsUpload === 'beforeAicoreLaunch') device.copyToDevice(run.kernelArgsAddr, run.kernelArgs);
    device.launchAicore(aicore.stream, aicore.binary, aicore.blockDim, run.kernelArgsAddr);
    launched.push(aicore.stream);
  } catch (error) {
    // Work already started may read memory the caller frees once this settles: wait for it first.
    let waitError: StreamsSyncError | undefined;
    if (launched.length > 0) {
      try {
        await device.synchronizeStreams(launched, run.timeoutMs);
      } catch (e) {
        waitError = e as StreamsSyncError;
      }
    }
    throw withPhase(error, { phase: 'launch', launched: [...launched], ...(waitError !== undefined ? { waitError } : {}) });
  }
  try {
    await device.synchronizeStreams(launched, run.timeoutMs);
  } catch (error) {
    throw withPhase(error, { phase: 'wait' });
  }
  const wall = new BigUint64Array(1);
  try {
    device.copyFromDevice(wall, run.deviceWallAddr);
  } catch (error) {
    throw withPhase(error, { phase: 'read' });
  }
  return wall[0]!;
}

function withPhase(error: unknown, fields: Partial<Record<'phase' | 'launched' | 'waitError', unknown>>): unknown {
  return error instanceof HalError ? (Object.assign(error, fields) as SubmitRunError) : error;
}
