#!/usr/bin/env node
// The main job: every bundled workload on both simulators with every diagnostic on. Writes
// out/<arch>/<workload>/ (swimlane trace, l2 records, tensor dump, PMU CSV, scope stats, deps.json
// on a2a3, run.json), prints one table row per run and the path of each trace. Exits non-zero when
// anything failed or did not verify.
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const { A2A3Runner } = require('../packages/runner-a2a3');
const { A5Runner } = require('../packages/runner-a5');
const { workloads, summarizeCase, failedCase, formatTable } = require('../packages/runner-base');

const outRoot = path.resolve(__dirname, '..', 'out');

const arches = [
  { arch: 'a2a3', create: (o) => A2A3Runner.create(o), diagnostics: { l2Swimlane: 3, tensorDump: true, pmu: 1, scopeStats: true, depGen: true } },
  { arch: 'a5', create: (o) => A5Runner.create(o), diagnostics: { l2Swimlane: 3, tensorDump: true, pmu: 1, scopeStats: true } },
];

async function main() {
  fs.rmSync(outRoot, { recursive: true, force: true });
  const rows = [];
  for (const { arch, create, diagnostics } of arches) {
    const runner = await create({ platform: `${arch}sim`, runTimeoutMs: 120_000 });
    try {
      for (const workload of Object.values(workloads)) {
        const outputDir = path.join(outRoot, arch, workload.name);
        try {
          const result = await workload.run(runner, { run: { diagnostics, outputDir } });
          rows.push({ arch, ...summarizeCase(result) });
        } catch (error) {
          rows.push({ arch, ...failedCase(workload.name, workload.defaultCase, error) });
        }
      }
    } finally {
      await runner.finalize();
    }
  }
  for (const arch of arches.map((a) => a.arch)) {
    console.log(`\n${arch}sim`);
    console.log(formatTable(rows.filter((r) => r.arch === arch)));
  }
  const bad = rows.filter((r) => r.status !== 'ok');
  console.log(bad.length === 0 ? `\nall ${rows.length} runs verified; outputs under ${outRoot}` : `\n${bad.length} of ${rows.length} runs failed`);
  process.exitCode = bad.length === 0 ? 0 : 1;
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
