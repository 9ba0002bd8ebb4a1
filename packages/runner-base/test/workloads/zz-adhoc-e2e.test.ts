import { openDevice } from '@npurun/hal-native';
import { resolveExecutors } from '../../src/sim-executor';
import { workloadNames, workloads, runWorkload } from '../../src/workloads';
import { TestKernelArgs, TestRunner } from '../support/test-runner';

test('all workloads on the real simulated runtime', async () => {
  const ex = await resolveExecutors('a2a3', TestKernelArgs, 'a2a3sim', undefined);
  const runner = new TestRunner({ platform: 'a2a3sim', halFactory: openDevice, runTimeoutMs: 60_000 }, { aicore: ex.aicore, aicpu: ex.aicpu });
  (runner as any).spec.executors = ex;
  try {
    for (const w of workloadNames) {
      for (const c of workloads[w].cases) {
        const t = Date.now();
        const r = await runWorkload(runner, w, { case: c.name });
        console.log(w, c.name, r.verified, r.mismatchCount, JSON.stringify(r.mismatches.slice(0, 3)), r.checks.filter((x) => !x.passed), r.runs.map((x) => x.blockDim), Date.now() - t, 'ms');
      }
    }
    console.log(runner.memoryStats(), runner.callableStats());
  } finally {
    await runner.finalize();
  }
}, 600_000);
