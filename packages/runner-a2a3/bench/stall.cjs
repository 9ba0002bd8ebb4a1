#!/usr/bin/env node
// runner-a2a3 event-loop stall figures (see scripts/stall-bench.cjs): inside A2A3Runner.run() and
// over a workload helper call, alternating_matmul_add fill_cores with every diagnostic on, a2a3sim.
// Writes bench/results-stall.json (merged into the root bench/results.json with results.json).
'use strict';
const path = require('node:path');
const { writeResults } = require('../../../scripts/bench-kit.cjs');
const { stallFigures } = require('../../../scripts/stall-bench.cjs');

writeResults(path.join(__dirname, 'results-stall.json'), stallFigures(path.join(__dirname, '..', 'dist'), 'a2a3'));
