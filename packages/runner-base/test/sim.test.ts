/**
 * End-to-end against the real simulator (`openDevice({ platform: 'a2a3sim' })`): a tiny executor
 * pair built here reads the runtime image through the generated header, resolves kernels in device
 * memory with the simulator's `resolve_kernel`, runs them in dependency order, and writes the
 * device wall time. This checks the format and the shared run steps against a real consumer; the
 * real scheduler is the arch packages' business.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { emitCHeader, openDevice } from '@npurun/hal-native';
import { RunTimeoutError, compileKernel, type Callable, type TaskSpec } from '../src';
import { TestKernelArgs, TestRunner } from './support/test-runner';

let includeDir: string;
let executors: { aicore: Uint8Array; aicpu: Uint8Array };
let kernels: { writeConst: Uint8Array; copyFirst: Uint8Array };

const AICPU_SRC = `
#include <npurun/device_abi.h>
#include <npurun/runtime_image.h>
#include <test_kernel_args.h>
#include <cstring>

NPURUN_DEVICE_PROGRAM;

typedef void (*kernel_fn)(const uint64_t *args, uint32_t arg_count);

NPURUN_DEVICE_EXPORT int npurun_aicpu_init(const npurun_aicpu_ctx *ctx, void *args, uint64_t size) {
  (void)ctx;
  return size == sizeof(npurun_kernel_args) ? 0 : 1;
}

/* Thread 0 runs the graph in dependency order (pending counts + successor lists). */
NPURUN_DEVICE_EXPORT int npurun_aicpu_run(const npurun_aicpu_ctx *ctx, void *args, uint64_t size) {
  if (size != sizeof(npurun_kernel_args)) return 2;
  if (ctx->thread_idx != 0) return 0;
  const npurun_kernel_args *ka = (const npurun_kernel_args *)args;
  uint64_t t0 = ctx->sim->read_timestamp();
  char *base = (char *)(uintptr_t)ka->runtime_args;
  const npurun_rt_header *h = (const npurun_rt_header *)base;
  if (h->magic != NPURUN_RT_MAGIC || h->version != NPURUN_RT_VERSION) return 3;
  npurun_rt_task *tasks = (npurun_rt_task *)(base + h->tasks_offset);
  const npurun_rt_kernel *ks = (const npurun_rt_kernel *)(base + h->kernels_offset);
  const uint64_t *argv = (const uint64_t *)(base + h->args_offset);
  const uint32_t *succ = (const uint32_t *)(base + h->successors_offset);
  uint32_t done = 0;
  while (done < h->task_count) {
    int progressed = 0;
    for (uint32_t i = 0; i < h->task_count; i++) {
      npurun_rt_task *t = &tasks[i];
      if (t->state != 0 || t->pending != 0) continue;
      if (!(t->flags & NPURUN_RT_TASK_DUMMY)) {
        const npurun_rt_kernel *k = &ks[t->kernel_ids[0]];
        kernel_fn fn = (kernel_fn)ctx->sim->resolve_kernel(ctx->sim->device, k->image_addr, k->image_size, (const char *)k->entry);
        if (fn == 0) return 4;
        fn(argv + t->arg_offset, t->arg_count);
      }
      t->state = 1;
      for (uint32_t s = 0; s < t->successor_count; s++) tasks[succ[t->successor_offset + s]].pending--;
      done++;
      progressed = 1;
    }
    if (!progressed) return 5;
  }
  uint64_t ticks = ctx->sim->read_timestamp() - t0;
  uint64_t ns = ticks * 1000000000ull / ctx->sim->timestamp_hz + 1;
  memcpy((void *)(uintptr_t)ka->device_wall_data_base, &ns, 8);
  return 0;
}
`;

const AICORE_SRC = `
#include <npurun/device_abi.h>
#include <test_kernel_args.h>
NPURUN_DEVICE_PROGRAM;
NPURUN_DEVICE_EXPORT void npurun_aicore_entry(const npurun_aicore_ctx *ctx, uint64_t kernel_args_addr) {
  /* Touch the device-resident KernelArgs copy: a host address here would fault like hardware. */
  const npurun_kernel_args *ka = (const npurun_kernel_args *)(uintptr_t)kernel_args_addr;
  (void)ka->runtime_args;
  (void)ctx;
}
`;

const HANG_AICORE_SRC = `
#include <npurun/device_abi.h>
#include <time.h>
NPURUN_DEVICE_PROGRAM;
NPURUN_DEVICE_EXPORT void npurun_aicore_entry(const npurun_aicore_ctx *ctx, uint64_t kernel_args_addr) {
  (void)kernel_args_addr;
  struct timespec ts = {0, 1000000};
  while (!NPURUN_SHOULD_STOP(ctx)) nanosleep(&ts, 0);
}
`;

beforeAll(async () => {
  includeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rb-sim-inc-'));
  fs.writeFileSync(path.join(includeDir, 'test_kernel_args.h'), emitCHeader({ guard: 'TEST_KERNEL_ARGS_H', structs: [TestKernelArgs] }));
  const build = (name: string, code: string): Promise<Uint8Array> => compileKernel({ platform: 'a2a3sim', sources: [{ name, code }], includeDirs: [includeDir] });
  const [aicpu, aicore, writeConst, copyFirst] = await Promise.all([
    build('aicpu.cpp', AICPU_SRC),
    build('aicore.cpp', AICORE_SRC),
    build('write_const.cpp', `#include <npurun/device_abi.h>\nNPURUN_DEVICE_PROGRAM;\nNPURUN_DEVICE_EXPORT void write_const(const uint64_t *a, uint32_t n) { if (n == 1) *(float *)(uintptr_t)a[0] = 42.0f; }\n`),
    build('copy_first.cpp', `#include <npurun/device_abi.h>\nNPURUN_DEVICE_PROGRAM;\nNPURUN_DEVICE_EXPORT void copy_first(const uint64_t *a, uint32_t n) { if (n == 2) *(float *)(uintptr_t)a[1] = *(const float *)(uintptr_t)a[0]; }\n`),
  ]);
  executors = { aicore, aicpu };
  kernels = { writeConst, copyFirst };
}, 120_000);

afterAll(() => {
  fs.rmSync(includeDir, { recursive: true, force: true });
});

function simRunner(aicore = executors.aicore, outputDir?: string): TestRunner {
  return new TestRunner({ platform: 'a2a3sim', sim: { memoryBytes: 1 << 28 }, halFactory: openDevice, ...(outputDir !== undefined ? { outputDir } : {}) }, { aicore, aicpu: executors.aicpu });
}

/** dummy_task shapes: producer → dummies → consumer, and a many-to-one barrier. */
function dummyCallable(): Callable<{ x: bigint; y: bigint; w: bigint; chain: number; barrier: boolean }> {
  return {
    kernels: [
      { name: 'write_const', image: kernels.writeConst, coreType: 'cube', argCount: 1 },
      { name: 'copy_first', image: kernels.copyFirst, coreType: 'cube', argCount: 2 },
    ],
    orchestrate: ({ x, y, w, chain, barrier }) => {
      const tasks: TaskSpec[] = [{ kernel: 0, args: [{ kind: 'addr', value: x }] }];
      if (barrier) tasks.push({ kernel: 0, args: [{ kind: 'addr', value: w }] });
      tasks.push({ kernel: null, deps: barrier ? [0, 1] : [0] });
      for (let i = 1; i < chain; i++) tasks.push({ kernel: null, deps: [tasks.length - 1] });
      tasks.push({ kernel: 1, args: [{ kind: 'addr', value: x }, { kind: 'addr', value: y }], deps: [tasks.length - 1] });
      return { tasks, blockDim: 1, aicpuThreads: 2 };
    },
  };
}

describe('against the a2a3 simulator', () => {
  test('runs a prepared callable end to end, repeatedly, and finalizes leak-free', async () => {
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rb-sim-out-'));
    const runner = simRunner(executors.aicore, outDir);
    try {
      const x = runner.allocateTensor(64);
      const y = runner.allocateTensor(64);
      const w = runner.allocateTensor(64);
      runner.setupStaticArena(1 << 20, 1 << 16, 0);
      runner.prepareCallable('dummy', dummyCallable());
      for (const [chain, barrier] of [
        [1, false],
        [6, false],
        [1, true],
      ] as const) {
        runner.copyToDevice(x, new Float32Array(16).fill(-1));
        runner.copyToDevice(y, new Float32Array(16).fill(-1));
        runner.copyToDevice(w, new Float32Array(16).fill(-1));
        const yHost = new Float32Array(16);
        const wHost = new Float32Array(16);
        const result = await runner.runPrepared('dummy', { x, y, w, chain, barrier }, { outputs: [{ addr: y, view: yHost }, { addr: w, view: wHost }] });
        expect(yHost[0]).toBe(42);
        expect([...yHost.slice(1)]).toEqual(new Array(15).fill(-1));
        expect(wHost[0]).toBe(barrier ? 42 : -1);
        expect(result.deviceWallNs).toBeGreaterThan(0n);
        expect(result.blockDim).toBe(1);
      }
      expect(runner.aicoreRegistrations).toBe(1);
      expect(runner.callableStats()).toMatchObject({ uploads: 1, prepares: 1 });
      const json = JSON.parse(fs.readFileSync(path.join(outDir, 'run.json'), 'utf8')) as { status: string; simulated: boolean };
      expect(json).toMatchObject({ status: 'ok', simulated: true });
      // tensors 3 + arenas 2 + callable 1 + device wall 1 + run scratch 1
      expect(runner.memoryStats().liveAllocations).toBe(8);
    } finally {
      await runner.finalize();
      fs.rmSync(outDir, { recursive: true, force: true });
    }
    expect(runner.memoryStats()).toEqual({ liveBytes: 0n, liveAllocations: 0 });
  });

  test('a hanging AI Core times out, faults the runner, and finalize still cleans up', async () => {
    const hang = await compileKernel({ platform: 'a2a3sim', sources: [{ name: 'hang.cpp', code: HANG_AICORE_SRC }] });
    const runner = simRunner(hang);
    runner.prepareCallable(0, dummyCallable());
    const t = runner.allocateTensor(64);
    await expect(runner.runPrepared(0, { x: t, y: t, w: t, chain: 1, barrier: false }, { timeoutMs: 200 })).rejects.toBeInstanceOf(RunTimeoutError);
    expect(runner.isFaulted).toBe(true);
    await runner.finalize();
    expect(runner.memoryStats().liveAllocations).toBe(0);
  });

  test('arena failure and retry against the simulator memory limit', async () => {
    const runner = new TestRunner({ sim: { memoryBytes: 8 << 20 }, halFactory: openDevice }, executors);
    try {
      expect(() => runner.setupStaticArena(4 << 20, 4 << 20, 4 << 20)).toThrow(expect.objectContaining({ code: 'ARENA_FAILED' }));
      expect(runner.memoryStats().liveAllocations).toBe(0);
      runner.setupStaticArena(2 << 20, 2 << 20, 2 << 20);
      expect(runner.acquirePooledRuntimeArena()).not.toBeNull();
    } finally {
      await runner.finalize();
    }
  });
});
