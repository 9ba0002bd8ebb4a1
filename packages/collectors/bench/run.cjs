#!/usr/bin/env node
/**
 * Collector benchmarks. Writes bench/results.json: an array of
 * { name, value, unit, baseline, baselineValue, ratio }, each figure measured side by side with its
 * baseline in the same run. Each case runs in its own child process so RSS figures are clean.
 *
 *   node bench/run.cjs            all cases (a few minutes on 2 cores)
 *   node bench/run.cjs --quick    1 M export only, smaller drain (CI smoke)
 */
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const MiB = 1024 * 1024;

const quick = process.argv.includes('--quick');
const child = path.join(__dirname, 'cases.cjs');

function runCase(name, arg) {
  const out = execFileSync(process.execPath, ['--max-old-space-size=6144', child, name, String(arg)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 900_000,
  });
  return JSON.parse(out.trim().split('\n').pop());
}

const results = [];
function add(name, value, unit, baseline, baselineValue) {
  const ratio = baselineValue === null || baselineValue === 0 ? null : value / baselineValue;
  results.push({ name, value, unit, baseline, baselineValue, ratio });
  console.log(`${name}: ${value.toFixed(2)} ${unit}  (baseline ${baseline}: ${baselineValue === null ? 'n/a' : baselineValue.toFixed(2)})`);
}

for (const n of quick ? [1_000_000] : [1_000_000, 10_000_000]) {
  const label = `${n / 1_000_000}M`;
  // Side by side in one run: the byte formatter the collector uses, and the string-building writer
  // it replaced (writeL2PerfJsonText), each in a fresh process on the same records.
  const ours = runCase('export', n);
  const base = runCase('export-text', n);
  const note = 'string-building writer (writeL2PerfJsonText), same records';
  add(`swimlane export throughput (${label} records)`, ours.recordsPerSec, 'records/s', note, base.recordsPerSec);
  add(`swimlane export peak RSS growth (${label} records)`, ours.rssGrowthMiB, 'MiB', note, base.rssGrowthMiB);
  add(`longest event-loop stall during the export (${label} records)`, ours.maxStallMs, 'ms', note, base.maxStallMs);
  // Whether the export ran at disk speed: its bytes per second beside what the disk sustains (a
  // plain write of the same number of bytes, flushed, just before), and the share of the export
  // spent waiting for the file to catch up (high: disk-bound; low: formatting-bound).
  add(
    `swimlane export bytes/s vs the disk (${label} records; ${(100 * ours.diskWaitShare).toFixed(0)}% of the export waited for the file)`,
    ours.bytesPerSec / MiB,
    'MiB/s',
    'plain file-stream write of the same number of bytes, flushed to the disk, same process, just before',
    ours.plainWriteBytesPerSec / MiB,
  );
  // What the formatting alone sustains, no file: the same records into a sink that discards them.
  const fmt = runCase('format', n);
  const fmtBase = runCase('format-text', n);
  add(`swimlane export formatting alone, no file (${label} records)`, fmt.recordsPerSec, 'records/s', 'string-building writer into the same discarding sink', fmtBase.recordsPerSec);
}

// The Perfetto trace of the same kind of records, formatted on the event loop in slices (no
// host graph or PMU data: the records alone). Its stall is set beside an idle await's.
const trace = runCase('trace', 1_000_000);
add('swimlane.trace.json export, 1M records (on the event loop, in slices)', trace.tasksPerSec, 'records/s', 'l2_perf_records.json of the same records, task table formatted off the event loop, same process', trace.tableTasksPerSec);
add('longest event-loop stall during the swimlane.trace.json export (1M records)', trace.maxStallMs, 'ms', 'the same monitor over an idle await as long as the export, same process', trace.idleStallMs);

const drain = runCase('drain', quick ? 4_000 : 40_000);
add('sim drain throughput, producer at full speed (a2a3sim, PMU)', drain.fullSpeed.collectedPerSec, 'records/s', 'device production rate, same run', drain.fullSpeed.producedPerSec);
add('sim drops at full speed, no backpressure (a2a3sim, PMU)', drain.fullSpeed.dropped, 'records', 'records produced', drain.fullSpeed.total);
add('sim drain throughput with producer backpressure (a2a3sim, PMU)', drain.backpressure.collectedPerSec, 'records/s', 'full-speed device production rate', drain.fullSpeed.producedPerSec);
add('sim drops with producer backpressure (a2a3sim, PMU)', drain.backpressure.dropped, 'records', 'records produced', drain.backpressure.total);

fs.writeFileSync(path.join(__dirname, 'results.json'), JSON.stringify(results, null, 2) + '\n');
console.log(`wrote ${path.join(__dirname, 'results.json')}`);
