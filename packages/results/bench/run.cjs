#!/usr/bin/env node
/**
 * Report benchmarks. Writes bench/results.json ({ name, value, unit, baseline, baselineValue, ratio }),
 * each figure measured beside its baseline in the same run:
 * - time to first render of report.html at 100 k tasks in headless Chromium (navigation start to the
 *   swimlane's first frame, the page's own `performance.now()`), against the same data drawn the
 *   naive way, one absolutely positioned DOM element per bar;
 * - writing the report (read the run, build the model, write the HTML) against reading the run alone.
 *
 *   node bench/run.cjs            100 k tasks
 *   node bench/run.cjs --tasks N  another size
 */
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { buildReportModel, readRun, scriptSafeJson, writeReport } = require('../dist');
const { measure, writeResults } = require('../../../scripts/bench-kit.cjs');
const { writeSyntheticRun } = require('./synthetic-run.cjs');

const argAt = process.argv.indexOf('--tasks');
const TASKS = argAt > 0 ? Number(process.argv[argAt + 1]) : 100_000;
const LOADS = 3;

function findChromium() {
  return [process.env.NPURUN_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((c) => c && fs.existsSync(c));
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** The baseline page: the same bars, one DOM element each, laid out before "first render" is taken. */
function domBaselineHtml(model) {
  const script = `
const m = JSON.parse(document.getElementById('d').textContent);
const tl = m.timeline, b = tl.bars, host = document.getElementById('host');
const scale = 4000 / tl.endUs;
host.style.height = (tl.lanes.length * 18) + 'px';
for (let i = 0; i < b.lane.length; i++) {
  const e = document.createElement('div');
  e.className = 'bar';
  e.title = tl.names[b.name[i]];
  e.style.left = (b.start[i] * scale) + 'px';
  e.style.width = Math.max(1, b.dur[i] * scale) + 'px';
  e.style.top = (b.lane[i] * 18) + 'px';
  host.appendChild(e);
}
void host.offsetHeight;
requestAnimationFrame(() => { window.__npurunReport = { firstRenderMs: performance.now() }; document.body.dataset.rendered = 'true'; });`;
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><style>#host{position:relative;width:4000px}.bar{position:absolute;height:14px;background:#3b82f6}</style></head>
<body><div id="host"></div><script type="application/json" id="d">${scriptSafeJson(model)}</script><script>${script}</script></body></html>`;
}

async function firstRenderMs(chromium, executablePath, file) {
  const samples = [];
  for (let i = 0; i < LOADS; i++) {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'npurun-bench-chromium-'));
    const ctx = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    });
    try {
      const page = await ctx.newPage();
      await page.setViewportSize({ width: 1600, height: 1000 });
      await page.goto(`file://${file}`);
      await page.waitForFunction(() => document.body.dataset.rendered === 'true', null, { timeout: 300_000 });
      samples.push(await page.evaluate(() => window.__npurunReport.firstRenderMs));
    } finally {
      await ctx.close();
      fs.rmSync(profile, { recursive: true, force: true });
    }
  }
  return median(samples);
}

async function main() {
  const results = [];
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'npurun-report-bench-'));
  try {
    const dir = path.join(root, 'run');
    const shape = writeSyntheticRun(dir, TASKS);
    const label = `${TASKS / 1000} k tasks`;
    console.log(`synthetic run: ${shape.tasks} tasks, ${shape.arrows} dependency edges, 72 cores, PMU rows`);

    const t0 = performance.now();
    readRun(dir);
    const readMs = performance.now() - t0;
    const t1 = performance.now();
    const report = writeReport(dir);
    const writeMs = performance.now() - t1;
    const size = fs.statSync(report).size;
    console.log(`report.html: ${(size / 2 ** 20).toFixed(1)} MiB`);
    results.push(measure(`writeReport (read, model, HTML), ${label}`, writeMs, 'ms', 'readRun of the same directory alone', readMs));

    const executablePath = findChromium();
    if (executablePath === undefined) {
      console.log('first-render figure skipped: no Chromium (apt-get install -y chromium, or set NPURUN_CHROMIUM)');
    } else {
      const { chromium } = require('playwright-core');
      const baseline = path.join(root, 'dom-baseline.html');
      fs.writeFileSync(baseline, domBaselineHtml(buildReportModel(readRun(dir))));
      const ours = await firstRenderMs(chromium, executablePath, report);
      const dom = await firstRenderMs(chromium, executablePath, baseline);
      results.push(measure(`report.html time to first render, ${label} (headless Chromium)`, ours, 'ms', 'same data as one DOM element per bar', dom));
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  writeResults(path.join(__dirname, 'results.json'), results);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
