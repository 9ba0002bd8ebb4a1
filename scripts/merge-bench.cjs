#!/usr/bin/env node
// Merges every package's bench/results.json into the root bench/results.json.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const merged = [];
for (const pkg of fs.readdirSync(path.join(root, 'packages')).sort()) {
  const file = path.join(root, 'packages', pkg, 'bench', 'results.json');
  if (!fs.existsSync(file)) continue;
  for (const r of JSON.parse(fs.readFileSync(file, 'utf8'))) merged.push({ package: `@npurun/${pkg}`, ...r });
}
fs.mkdirSync(path.join(root, 'bench'), { recursive: true });
fs.writeFileSync(path.join(root, 'bench', 'results.json'), JSON.stringify(merged, null, 2) + '\n');
console.log(`bench/results.json: ${merged.length} figures`);
