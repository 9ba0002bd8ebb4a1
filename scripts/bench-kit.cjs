// Shared helpers of the packages' benchmarks: median timing and the results.json record shape
// of the benchmark format ({ name, value, unit, baseline, baselineValue, ratio }).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

/** Median seconds per call of fn over at least minRuns runs (and at least ~0.3 s), after a warm-up. */
function timeIt(fn, { minRuns = 5, minSeconds = 0.3 } = {}) {
  fn();
  const samples = [];
  const start = process.hrtime.bigint();
  while (samples.length < minRuns || Number(process.hrtime.bigint() - start) / 1e9 < minSeconds) {
    const t0 = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e9);
    if (samples.length > 10_000) break;
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

/** One results.json record; ratio = value / baselineValue. */
function measure(name, value, unit, baseline, baselineValue) {
  const round = (x) => Number(x.toPrecision(4));
  const record = { name, value: round(value), unit, baseline, baselineValue: round(baselineValue), ratio: round(value / baselineValue) };
  console.log(`${name}: ${record.value} ${unit}  (baseline ${baseline}: ${record.baselineValue} ${unit}; ratio ${record.ratio})`);
  return record;
}

function writeResults(file, results) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
}

module.exports = { timeIt, measure, writeResults };
