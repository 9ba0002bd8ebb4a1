// Every workload case through the real simulated runtime (runner-base's AI CPU scheduler and AI
// Core executor from device/src) on a2a3sim, driven by a minimal DeviceRunnerBase subclass with no
// diagnostics. The arch packages run the same workloads through A2A3Runner / A5Runner; this test
// keeps the workloads honest inside runner-base until then.
import { openDevice } from '@npurun/hal-native';
import { TestKernelArgs as KernelArgs } from '../support/test-runner';
import { DeviceRunnerBase, type ExecutorBinaries } from '../../src/device-runner-base';
import type { RunContext } from '../../src/run-context';
import { resolveExecutors } from '../../src/sim-executor';
import { runWorkload, workloadNames, workloads } from '../../src/workloads';

class PlainSimRunner extends DeviceRunnerBase {
  constructor(executors: ExecutorBinaries) {
    super(
      { arch: 'a2a3', kernelArgs: KernelArgs, executors, kernelArgsUpload: 'beforeAicpuLaunch', diagnostics: [] },
      { platform: 'a2a3sim', halFactory: openDevice, sim: { memoryBytes: 1 << 30 } },
    );
  }

  protected override initDiagnostics(_ctx: RunContext): void {}
}

const cases = workloadNames.flatMap((w) => workloads[w].cases.map((c) => [w, c.name] as const));

let runner: PlainSimRunner;

beforeAll(async () => {
  runner = new PlainSimRunner(await resolveExecutors('a2a3', KernelArgs, 'a2a3sim', undefined));
}, 240_000);

afterAll(async () => {
  await runner?.finalize();
});

test.each(cases)('%s / %s verifies on the simulated runtime', async (workload, caseName) => {
  const before = runner.memoryStats().liveAllocations;
  const result = await runWorkload(runner, workload, { case: caseName });
  expect(result.mismatches).toEqual([]);
  expect(result.checks.filter((c) => !c.passed)).toEqual([]);
  expect(result.verified).toBe(true);
  for (const run of result.runs) expect(run.deviceWallNs).toBeGreaterThan(0n);
  // the runner's slots (device wall, run scratch) appear on the first run; nothing else may outlive the case
  expect(runner.memoryStats().liveAllocations).toBeLessThanOrEqual(before + 2);
  expect(runner.callableStats()).toMatchObject({ liveBuffers: 0, liveCallables: 0 });
}, 120_000);

test('spmd_basic launches the arch maximum with blockDim 0, 24 when fixed', async () => {
  const auto = await runWorkload(runner, 'spmd_basic', { case: 'auto_block_dim' });
  const fixed = await runWorkload(runner, 'spmd_basic', { case: 'block_dim_24', run: { blockDim: 7 } });
  expect(auto.runs[0]!.blockDim).toBe(runner.deviceProperties.maxBlockDim);
  expect(fixed.runs[0]!.blockDim).toBe(7);
  expect(auto.verified && fixed.verified).toBe(true);
});
