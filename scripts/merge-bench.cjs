#!/usr/bin/env node
// Merges every package's bench/results.json into the root bench/results.json.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const merged = [];
for (const pkg of fs.readdirSync(path.join(root, 'packages')).sort()) {
  // results.json, then any results-<part>.json a package writes from a second bench script.
  const dir = path.join(root, 'packages', pkg, 'bench');
  if (!fs.existsSync(dir)) continue;
  const files = fs.readdirSync(dir).filter((f) => /^results(-[\w-]+)?\.json$/.test(f)).sort((a, b) => (a === 'results.json' ? -1 : b === 'results.json' ? 1 : a.localeCompare(b)));
  for (const f of files) for (const r of JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'))) merged.push({ package: `@npurun/${pkg}`, ...r });
}
fs.mkdirSync(path.join(root, 'bench'), { recursive: true });
fs.writeFileSync(path.join(root, 'bench', 'results.json'), JSON.stringify(merged, null, 2) + '\n');
console.log(`bench/results.json: ${merged.length} figures`);
