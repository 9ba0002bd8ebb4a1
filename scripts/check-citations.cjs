#!/usr/bin/env node
// Nothing the project ships or documents may point at material a user does not have: the
// specification and reference notes the project was written from live outside the repository, so a
// `SPEC §n`, a `../shared/...` path or "the reference" in a comment, a README or a `.d.ts` tooltip
// leads nowhere. The repo's own docs say what users need.
//
//   node scripts/check-citations.cjs            every file git tracks (text only)
//   node scripts/check-citations.cjs <dir>...    every file under the given directories (e.g. unpacked tarballs)
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

/** What may not appear, with why, for the message. */
const FORBIDDEN = [
  { re: /SPEC\s*§\s*\d/, what: 'a "SPEC §n" citation' },
  { re: /SPEC\.md/, what: 'a path to SPEC.md' },
  { re: /\.\.\/shared\b/, what: 'a path into ../shared' },
  { re: /\bshared\/reference\b/, what: 'a path into shared/reference' },
  { re: /\bthe reference\b/i, what: '"the reference"' },
  { re: /\breference collectors\.md\b/, what: 'a citation of the reference collectors.md' },
];

const SELF = path.resolve(__filename);
const BINARY = /\.(node|so|bin|png|jpg|gz|tgz|npy)$/;

function gitFiles(root) {
  return execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    .split('\0')
    .filter((f) => f !== '' && f !== 'pnpm-lock.yaml')
    .map((f) => path.join(root, f));
}

function walk(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(full));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

/** Every `{ file, line, text, what }` that breaks the rule, among `files`. */
function findCitations(files) {
  const hits = [];
  for (const file of files) {
    if (path.resolve(file) === SELF || BINARY.test(file) || !fs.existsSync(file)) continue;
    const bytes = fs.readFileSync(file);
    if (bytes.includes(0)) continue; // binary
    const lines = bytes.toString('utf8').split('\n');
    lines.forEach((text, i) => {
      for (const rule of FORBIDDEN) if (rule.re.test(text)) hits.push({ file, line: i + 1, text: text.trim(), what: rule.what });
    });
  }
  return hits;
}

module.exports = { findCitations, FORBIDDEN };

if (require.main === module) {
  const root = path.resolve(__dirname, '..');
  const dirs = process.argv.slice(2);
  const files = dirs.length > 0 ? dirs.flatMap((d) => walk(path.resolve(d))) : gitFiles(root);
  const hits = findCitations(files);
  for (const h of hits) console.error(`${path.relative(process.cwd(), h.file)}:${h.line}: ${h.what}: ${h.text.slice(0, 160)}`);
  if (hits.length > 0) {
    console.error(`check-citations: ${hits.length} citation(s) of material users do not have; say it in the repo's own words`);
    process.exit(1);
  }
  console.log(`check-citations: ${files.length} files, no citations`);
}
