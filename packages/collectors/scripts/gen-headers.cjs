// Rewrites the checked-in layout headers from the built package (run after `pnpm build`).
const fs = require('node:fs');
const path = require('node:path');
const { collectorHeaders } = require('../dist/index.js');

const root = path.join(__dirname, '..', 'device', 'include');
for (const h of collectorHeaders()) {
  const file = path.join(root, h.relativePath);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, h.text);
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}
