import { CALLABLE_ALIGN, CallableError, GraphError, InvalidArgumentError, RunnerErrorCode, RuntimeImageHeader, decodeRuntimeImage, fnv1a64, type Callable } from '../src';
import { FakeHal } from './support/fake-hal';
import { TestKernelArgs, makeRunner } from './support/test-runner';

interface Args {
  a: bigint;
  f: bigint;
}

function vectorCallable(seed: number): Callable<Args> {
  const img = (n: number): Uint8Array => new Uint8Array(100 + n).fill(seed + n);
  return {
    kernels: [
      { name: 'kernel_add', image: img(0), coreType: 'vector', argCount: 3 },
      { name: 'kernel_add_scalar', image: img(1), coreType: 'vector', argCount: 3 },
      { name: 'kernel_mul', image: img(2), entry: 'mul_entry', coreType: 'vector', argCount: 3 },
    ],
    orchestrate: (args) => ({
      tasks: [
        { kernel: 0, args: [{ kind: 'addr', value: args.a }, { kind: 'addr', value: args.a }, { kind: 'addr', value: args.f }] },
        { kernel: 1, args: [{ kind: 'addr', value: args.f }, { kind: 'scalar', value: 1 }, { kind: 'addr', value: args.f }], deps: [0] },
        { kernel: 2, args: [{ kind: 'addr', value: args.f }, { kind: 'addr', value: args.f }, { kind: 'addr', value: args.f }], deps: [1] },
      ],
      blockDim: 3,
    }),
  };
}

/** Captures the runtime image each AI Core launch sees. */
function capturingHal(): { fake: FakeHal; images: ReturnType<typeof decodeRuntimeImage>[] } {
  const images: ReturnType<typeof decodeRuntimeImage>[] = [];
  const fake = new FakeHal({
    onAicoreLaunch: (launch, f) => {
      const rt = TestKernelArgs.readField(f.read(launch.kernelArgsAddr, TestKernelArgs.size), 'runtimeArgs');
      const total = Number(RuntimeImageHeader.readField(f.read(rt, RuntimeImageHeader.size), 'totalSize'));
      images.push(decodeRuntimeImage(f.read(rt, total)));
    },
  });
  return { fake, images };
}

describe('callable registry', () => {
  test('prepare once, run five times: one upload; kernels resolve into the device copy', async () => {
    const { fake, images } = capturingHal();
    const runner = makeRunner(fake);
    const a = runner.allocateTensor(64);
    const f = runner.allocateTensor(64);
    const callable = vectorCallable(1);
    runner.prepareCallable(0, callable);
    expect(runner.hasCallable(0)).toBe(true);
    for (let i = 0; i < 5; i++) {
      const r = await runner.runPrepared(0, { a, f });
      expect(r.blockDim).toBe(3);
    }
    expect(runner.callableStats()).toMatchObject({ prepares: 1, uploads: 1, dedupHits: 0, liveBuffers: 1, liveCallables: 1 });
    expect(images).toHaveLength(5);
    const kernels = images[0]!.kernels;
    expect(kernels.map((k) => k.entry)).toEqual(['kernel_add', 'kernel_add_scalar', 'mul_entry']);
    // images packed at 64-byte offsets inside one device buffer holding the exact bytes
    const base = kernels[0]!.imageAddr;
    kernels.forEach((k, i) => {
      expect(Number(k.imageAddr - base) % CALLABLE_ALIGN).toBe(0);
      expect(Buffer.from(fake.read(k.imageAddr, Number(k.imageSize)))).toEqual(Buffer.from(callable.kernels[i]!.image));
    });
    expect(images[4]!.tasks[0]!.args).toEqual([a, a, f]);
  });

  test('two ids alternating with different bytes: two uploads', async () => {
    const runner = makeRunner(new FakeHal());
    const a = runner.allocateTensor(64);
    runner.prepareCallable(1, vectorCallable(1));
    runner.prepareCallable(2, vectorCallable(50));
    for (let i = 0; i < 3; i++) {
      await runner.runPrepared(1, { a, f: a });
      await runner.runPrepared(2, { a, f: a });
    }
    expect(runner.callableStats()).toMatchObject({ prepares: 2, uploads: 2, dedupHits: 0, liveBuffers: 2 });
  });

  test('preparing an id twice is a typed error and changes nothing', () => {
    const fake = new FakeHal();
    const runner = makeRunner(fake);
    runner.prepareCallable('x', vectorCallable(1));
    const mallocs = fake.calls.malloc;
    let err: unknown;
    try {
      runner.prepareCallable('x', vectorCallable(2));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CallableError);
    expect((err as CallableError).code).toBe(RunnerErrorCode.CallableExists);
    expect((err as Error).message).toContain('"x"');
    expect(fake.calls.malloc).toBe(mallocs);
    expect(runner.callableStats().prepares).toBe(1);
  });

  test('running or unregistering an unknown id is a typed error', async () => {
    const runner = makeRunner(new FakeHal());
    await expect(runner.runPrepared(7, {})).rejects.toMatchObject({ code: RunnerErrorCode.CallableUnknown });
    expect(() => runner.unregisterCallable(7)).toThrow(CallableError);
  });

  test('prepare, run, unregister, prepare, run: two uploads, memory returned in between', async () => {
    const runner = makeRunner(new FakeHal());
    const a = runner.allocateTensor(64);
    const before = runner.memoryStats().liveAllocations;
    runner.prepareCallable(0, vectorCallable(1));
    await runner.runPrepared(0, { a, f: a });
    runner.unregisterCallable(0);
    expect(runner.hasCallable(0)).toBe(false);
    expect(runner.memoryStats().liveAllocations).toBe(before + 2); // + the runner's slots from the run: device wall, run scratch
    await expect(runner.runPrepared(0, { a, f: a })).rejects.toMatchObject({ code: RunnerErrorCode.CallableUnknown });
    runner.prepareCallable(0, vectorCallable(1));
    await runner.runPrepared(0, { a, f: a });
    expect(runner.callableStats()).toMatchObject({ prepares: 2, uploads: 2, liveBuffers: 1 });
  });

  test('identical bytes share one device copy and unregister independently', async () => {
    const { fake, images } = capturingHal();
    const runner = makeRunner(fake);
    const a = runner.allocateTensor(64);
    runner.prepareCallable(0, vectorCallable(9));
    runner.prepareCallable(1, vectorCallable(9)); // equal bytes, different object
    expect(runner.callableStats()).toMatchObject({ prepares: 2, uploads: 1, dedupHits: 1, liveBuffers: 1 });
    await runner.runPrepared(0, { a, f: a });
    await runner.runPrepared(1, { a, f: a });
    expect(images[0]!.kernels[0]!.imageAddr).toBe(images[1]!.kernels[0]!.imageAddr);
    const frees = fake.calls.free;
    runner.unregisterCallable(0);
    expect(fake.calls.free).toBe(frees); // still shared
    await runner.runPrepared(1, { a, f: a }); // the survivor still runs
    const beforeLast = fake.calls.free;
    runner.unregisterCallable(1);
    expect(fake.calls.free).toBe(beforeLast + 1);
    expect(runner.callableStats().liveBuffers).toBe(0);
  });

  test('a failed upload leaves nothing registered and nothing allocated', () => {
    const fake = new FakeHal();
    const runner = makeRunner(fake);
    runner.init();
    fake.fail('copyToDevice');
    expect(() => runner.prepareCallable(0, vectorCallable(1))).toThrow(expect.objectContaining({ code: 'HAL_INTERNAL' }));
    expect(runner.hasCallable(0)).toBe(false);
    expect(runner.memoryStats().liveAllocations).toBe(0);
    runner.prepareCallable(0, vectorCallable(1));
    expect(runner.callableStats()).toMatchObject({ prepares: 1, uploads: 1 });
  });

  test('malformed callables and ids are rejected', () => {
    const runner = makeRunner(new FakeHal());
    expect(() => runner.prepareCallable(-1, vectorCallable(1))).toThrow(InvalidArgumentError);
    expect(() => runner.prepareCallable('', vectorCallable(1))).toThrow(/id must be a non-negative integer or a non-empty string/);
    expect(() => runner.prepareCallable(0, { kernels: [], orchestrate: () => ({ tasks: [] }) })).toThrow(InvalidArgumentError);
    expect(() =>
      runner.prepareCallable(0, { kernels: [{ name: 'k', image: new Uint8Array(0), coreType: 'vector' }], orchestrate: () => ({ tasks: [] }) }),
    ).toThrow(GraphError);
  });

  test('a graph the orchestration gets wrong fails like any bad graph', async () => {
    const runner = makeRunner(new FakeHal());
    runner.prepareCallable(0, { ...vectorCallable(1), orchestrate: () => ({ tasks: [{ kernel: 0, args: [] }] }) });
    await expect(runner.runPrepared(0, {})).rejects.toMatchObject({ reason: 'argumentCount' });
  });

  test('finalize frees the callable copies', async () => {
    const fake = new FakeHal();
    const runner = makeRunner(fake);
    runner.prepareCallable(0, vectorCallable(1));
    runner.prepareCallable(1, vectorCallable(2));
    await runner.finalize();
    expect(fake.calls.free).toBe(2);
    expect(fake.memory.size).toBe(0);
  });
});

describe('fnv1a64', () => {
  test.each([
    ['', 0xcbf29ce484222325n],
    ['a', 0xaf63dc4c8601ec8cn],
    ['foobar', 0x85944171f73967e8n],
  ])('%p', (text, hash) => {
    expect(fnv1a64(Buffer.from(text))).toBe(hash);
  });

  test('agrees with a bigint reference on random bytes', () => {
    const bytes = new Uint8Array(1000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919 + 13) & 0xff;
    let h = 0xcbf29ce484222325n;
    for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & ((1n << 64n) - 1n);
    expect(fnv1a64(bytes)).toBe(h);
  });
});
