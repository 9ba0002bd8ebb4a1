#!/usr/bin/env node
// runner-a5 benchmark: the event-loop stall figures (see scripts/stall-bench.cjs) — inside
// A5Runner.run() and over a workload helper call, alternating_matmul_add fill_cores with every
// diagnostic on, a5sim. The run path's host overhead is runner-base's, measured through
// runner-a2a3. Writes bench/results.json.
'use strict';
const path = require('node:path');
const { writeResults } = require('../../../scripts/bench-kit.cjs');
const { stallFigures } = require('../../../scripts/stall-bench.cjs');

writeResults(path.join(__dirname, 'results.json'), stallFigures(path.join(__dirname, '..', 'dist'), 'a5'));
