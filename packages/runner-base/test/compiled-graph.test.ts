/**
 * A graph compiled once runs like the plain graph it came from, without being validated and
 * encoded again: same image on the device, its own copy of the graph, addresses still checked
 * against the runner's live allocations on every run.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compileGraph, decodeRuntimeImage, encodeRuntimeImage, GraphError, InvalidArgumentError, type CompiledGraph, type KernelRef, type TaskGraph, type TaskSpec } from '../src';
import { FakeHal } from './support/fake-hal';
import { makeRunner, TestKernelArgs } from './support/test-runner';

const kernel = { name: 'add', entry: 'kernel_add', imageAddr: 0x100n, imageSize: 64, coreType: 'vector' as const };

/** A fake HAL that records the runtime image each AI Core launch saw on the device. */
function imageRecordingHal(): { fake: FakeHal; images: Uint8Array[] } {
  const images: Uint8Array[] = [];
  const fake = new FakeHal({
    onAicoreLaunch: (launch, f) => {
      const rt = TestKernelArgs.readField(f.read(launch.kernelArgsAddr, TestKernelArgs.size), 'runtimeArgs');
      const total = Number(new DataView(f.read(rt, 80).buffer).getBigUint64(72, true));
      images.push(f.read(rt, total));
    },
  });
  return { fake, images };
}

describe('compileGraph', () => {
  test('encodes what encodeRuntimeImage encodes, and says how big the graph is', async () => {
    const graph: TaskGraph = { kernels: [kernel], tasks: [{ kernel: 0 }, { kernel: null, deps: [0] }, { kernel: 0, deps: [1] }] };
    const compiled = await compileGraph(graph);
    expect(compiled).toEqual({ kind: 'compiledGraph', taskCount: 3, kernelCount: 1, edgeCount: 2 });
    expect(Object.isFrozen(compiled)).toBe(true);

    const { fake, images } = imageRecordingHal();
    const runner = makeRunner(fake);
    await runner.run({ graph: compiled });
    await runner.run({ graph });
    expect(Buffer.from(images[0]!)).toEqual(Buffer.from(encodeRuntimeImage(graph).bytes));
    expect(Buffer.from(images[0]!)).toEqual(Buffer.from(images[1]!));
  });

  test('keeps its own copy: changing the source graph afterwards changes no run of it', async () => {
    const kernels: KernelRef[] = [{ ...kernel }];
    const tasks: TaskSpec[] = [{ kernel: 0, label: 'first' }, { kernel: 0, deps: [0] }];
    const compiled = await compileGraph({ kernels, tasks });
    tasks.pop();
    tasks[0]!.label = 'changed';
    kernels[0]!.entry = 'kernel_mul';
    kernels[0]!.name = 'mul';

    const { fake, images } = imageRecordingHal();
    const outputDir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-base-compiled-'));
    try {
      await makeRunner(fake).run({ graph: compiled, outputDir });
      const decoded = decodeRuntimeImage(images[0]!);
      expect(decoded.header.taskCount).toBe(2);
      expect(decoded.kernels[0]!.entry).toBe('kernel_add');
      // The run's record names kernels and labels tasks from the compiled copy too.
      const record = JSON.parse(fs.readFileSync(path.join(outputDir, 'run.json'), 'utf8')) as { kernels: { name: string }[]; tasks: { label?: string }[] };
      expect(record.kernels.map((k) => k.name)).toEqual(['add']);
      expect(record.tasks.map((t) => t.label)).toEqual(['first', undefined]);
    } finally {
      fs.rmSync(outputDir, { recursive: true, force: true });
    }
  });

  test('refuses a malformed graph as run() would, and one that is not plain data', async () => {
    const bad = { kernels: [kernel], tasks: [{ kernel: 3 }] } as TaskGraph;
    const error = await compileGraph(bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphError);
    expect((error as GraphError).reason).toBe('unknownKernel');

    const withFunction = { kernels: [kernel], tasks: [{ kernel: 0, label: 'x', note: () => 1 }] } as unknown as TaskGraph;
    const refused = await compileGraph(withFunction).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(InvalidArgumentError);
    expect((refused as InvalidArgumentError).message).toMatch(/compileGraph: graph/);
  });

  test('every run still checks the addresses against the live allocations of its runner', async () => {
    const runner = makeRunner(new FakeHal());
    const tensor = runner.allocateTensor(64);
    const compiled = await compileGraph({ kernels: [kernel], tasks: [{ kernel: 0, args: [{ kind: 'addr', value: tensor }] }] });
    await runner.run({ graph: compiled });
    runner.freeTensor(tensor);
    const error = await runner.run({ graph: compiled }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphError);
    expect((error as GraphError).message).toMatch(/is not inside a live device allocation/);
  });

  test('addresses that passed on one runner are checked again on another', async () => {
    const first = makeRunner(new FakeHal());
    const tensor = first.allocateTensor(64);
    const compiled = await compileGraph({ kernels: [kernel], tasks: [{ kernel: 0, args: [{ kind: 'addr', value: tensor }] }] });
    await first.run({ graph: compiled });
    const second = makeRunner(new FakeHal());
    const error = await second.run({ graph: compiled }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphError);
    await first.run({ graph: compiled }); // and the first still runs it
  });

  test('a plain graph is checked on every run, even with no allocation made or freed in between', async () => {
    const runner = makeRunner(new FakeHal());
    const tensor = runner.allocateTensor(64);
    const graph: TaskGraph = { kernels: [kernel], tasks: [{ kernel: 0, args: [{ kind: 'addr', value: tensor }] }] };
    await runner.run({ graph });
    await runner.run({ graph }); // the first run made the runner's own buffers: nothing changes now
    graph.tasks[0]!.args = [{ kind: 'addr', value: 0x8n }]; // the caller changes it in place, to an address it never allocated
    const error = await runner.run({ graph }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphError);
  });

  test('run() refuses an object that claims to be a compiled graph but was not made by compileGraph', async () => {
    const compiled = await compileGraph({ kernels: [kernel], tasks: [{ kernel: 0 }] });
    const forged: CompiledGraph = { ...compiled };
    const runner = makeRunner(new FakeHal());
    const error = await runner.run({ graph: forged }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).message).toMatch(/compiled graph made by compileGraph/);
  });
});
