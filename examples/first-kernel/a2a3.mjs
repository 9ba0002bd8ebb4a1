// The first-kernel example on a2a3sim (docs/first-kernel.md walks through it).
// Run: node a2a3.mjs [output directory]
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { A2A3Runner, compileKernel, readRun, scalarArg, tensorArg } from '@npurun/runner-a2a3';

const here = path.dirname(fileURLToPath(import.meta.url));
const outputDir = path.resolve(process.argv[2] ?? path.join(here, 'out', 'a2a3'));
const N = 4096; // elements per tensor
const BYTES = N * 4; // float32

// 1. Compile the kernels: one image, two entry points. The kernel ABI header is on the include path.
const image = await compileKernel({ platform: 'a2a3sim', sources: [path.join(here, 'scale_add.cpp')] });

// 2. A runner with every diagnostic on. The simulated device opens on first use.
const runner = await A2A3Runner.create({
  outputDir,
  diagnostics: { l2Swimlane: 4, tensorDump: true, pmu: 1, scopeStats: true, depGen: true },
});
try {
  // 3. Allocate device tensors and upload the input.
  const x = runner.allocateTensor(BYTES);
  const [y, z, w, v] = [0, 1, 2, 3].map(() => runner.allocateTensor(BYTES));
  const input = Float32Array.from({ length: N }, (_, i) => i % 100);
  runner.copyToDevice(x, input);

  // 4. A callable: the kernels (uploaded once) and a function that builds each run's task graph.
  const SCALE = 0;
  const ADD = 1;
  const f32 = (addr, role) => tensorArg(addr, { bytes: BYTES, dtype: 'float32', shape: [N], role });
  runner.prepareCallable('scale-add', {
    kernels: [
      { name: 'scale', image, coreType: 'vector', argCount: 4 },
      { name: 'add', image, coreType: 'vector', argCount: 4 },
    ],
    orchestrate: ({ result }) => ({
      tasks: [
        // 0 and 1 depend on nothing and may run at the same time; 2 waits for both; 3 for 2.
        { kernel: SCALE, args: [f32(x, 'input'), f32(y, 'output'), scalarArg(2), scalarArg(N)], label: 'y = 2x' },
        { kernel: SCALE, args: [f32(x, 'input'), f32(z, 'output'), scalarArg(3), scalarArg(N)], label: 'z = 3x' },
        { kernel: ADD, args: [f32(y, 'input'), f32(z, 'input'), f32(w, 'output'), scalarArg(N)], deps: [0, 1], label: 'w = y + z' },
        { kernel: ADD, args: [f32(w, 'input'), f32(x, 'input'), f32(v, 'output'), scalarArg(N)], deps: [2], label: 'v = w + x' },
      ],
      outputs: [{ addr: v, view: result }], // copied back to the host after the run
    }),
  });

  // 5. Run it and check the result: v = 2x + 3x + x = 6x.
  const result = new Float32Array(N);
  const run = await runner.runPrepared('scale-add', { result });
  const wrong = input.findIndex((xi, i) => result[i] !== 6 * xi);
  if (wrong !== -1) throw new Error(`v[${wrong}] is ${result[wrong]}, expected ${6 * input[wrong]}`);
  console.log(`a2a3sim: v = 6x verified for ${N} elements; device wall ${Number(run.deviceWallNs) / 1000} µs`);

  // 6. Read what the diagnostics wrote.
  const files = readRun(outputDir);
  const missing = ['trace', 'tensorDump', 'pmu', 'scopeStats', 'deps'].filter((k) => files[k] === undefined);
  if (missing.length > 0 || files.run.tasks.length !== 4) throw new Error(`expected 4 tasks and every file; missing: ${missing.join(', ')}`);
  const tasks = files.run.tasks.map((t) => t.label).join(', ');
  console.log(`wrote ${files.files.length} files to ${outputDir}: ${files.files.join(', ')}`);
  // dep_gen saw the same three edges the graph declared (0 → 2, 1 → 2, 2 → 3).
  if (files.deps.edges.length !== 3) throw new Error(`dep_gen captured ${files.deps.edges.length} edges, expected 3`);
  console.log(`tasks: ${tasks}; dumped tensors: ${files.tensorDump?.tensors.length ?? 0}; dependency edges captured: ${files.deps?.edges.length ?? 0}`);
} finally {
  // 7. Release the device (also on failure).
  await runner.finalize();
}
