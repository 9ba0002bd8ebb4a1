// A run directory of N tasks in the files' real formats, written with the package's own formatters:
// a wavefront over 72 cores (blockDim 24) where each task waits for the task that ran on the same
// core before it and for one on the neighbouring core (two arrows per task), with PMU rows and
// level-3 scheduler phases. What a 100 k-task simulator run would write, without waiting for one.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { formatL2PerfRecords, formatPmuCsv } = require('../dist');

function writeSyntheticRun(dir, n) {
  fs.mkdirSync(dir, { recursive: true });
  const cores = 72;
  const blockDim = 24;
  const kernels = ['matmul_tile128', 'add_tile128', 'vector_mul', 'vector_add'].map((name, id) => ({ id, name, coreType: id === 0 ? 'cube' : 'vector' }));
  const tasks = [];
  const l2tasks = [];
  const pmuRows = [];
  const phases = [[], [], [], []];
  for (let i = 0; i < n; i++) {
    const core = i % cores;
    const wave = Math.floor(i / cores);
    const funcId = core < blockDim ? 0 : 1 + (i % 3);
    const deps = i >= cores ? [i - cores, i - cores + (core === cores - 1 ? 0 : 1)] : [];
    tasks.push({ id: i, kernel: kernels[funcId].name, funcIds: [funcId], label: `tile ${wave}.${core}`, coreType: kernels[funcId].coreType, deps: [...new Set(deps)] });
    const start = wave * 12 + (core % 7) * 0.4;
    const dur = 8 + (i % 5);
    l2tasks.push({ taskId: i, funcId, coreId: core, coreType: core < blockDim ? 'aic' : 'aiv', ringId: 0, startUs: start, endUs: start + dur, durationUs: dur, dispatchUs: start - 0.5, finishUs: start + dur + 0.3 });
    pmuRows.push({ threadId: core % 4, coreId: core, taskId: i, funcId, coreType: core < blockDim ? 0 : 1, totalCycles: BigInt(Math.round(dur * 50)), counters: [1, 2, 3, 4, 5, 6, 7].map((k) => k * (i % 97)), eventType: 1, eventGroup: 'ARITHMETIC_UTILIZATION (simulated)' });
    if (core === 0) phases[wave % 4].push({ startUs: start - 1, endUs: start - 0.5, phase: 'dispatch', loopIter: wave, tasksProcessed: cores, popHit: cores, popMiss: 0 });
  }
  const run = {
    npurunVersion: '0.1.0',
    runId: `synthetic-${n}`,
    status: 'ok',
    arch: 'a2a3',
    platform: 'a2a3sim',
    simulated: true,
    deviceId: 0,
    blockDim,
    aicpuThreads: 6,
    diagnostics: { l2Swimlane: 3, pmu: 1 },
    deviceWallNs: String(Math.round((n / cores) * 12000)),
    hostTimings: { totalMs: 1 },
    graph: { tasks: n, kernels: kernels.length, edges: tasks.reduce((s, t) => s + t.deps.length, 0), dummies: 0 },
    collectors: [],
    workload: 'synthetic',
    case: `${n}_tasks`,
    kernels,
    tasks,
  };
  fs.writeFileSync(path.join(dir, 'run.json'), `${JSON.stringify(run, null, 2)}\n`);
  fs.writeFileSync(path.join(dir, 'l2_perf_records.json'), formatL2PerfRecords({ level: 3, tasks: l2tasks, schedulerPhases: phases, coreToThread: Array.from({ length: cores }, (_, c) => c % 4) }));
  fs.writeFileSync(path.join(dir, 'pmu.csv'), formatPmuCsv({ counterNames: ['cube_fp16_exec', 'cube_int8_exec', 'vec_fp32_exec', 'vec_fp16_128lane_exec', 'vec_fp16_64lane_exec', 'vec_int32_exec', 'vec_misc_exec'], hasEventGroup: true, rows: pmuRows }));
  return { tasks: n, arrows: run.graph.edges };
}

module.exports = { writeSyntheticRun };
