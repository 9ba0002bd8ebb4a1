#!/usr/bin/env node
// The public surface of a package, checked: API Extractor compares the package's dist/index.d.ts
// with its checked-in report (etc/<name>.api.md) and fails when they differ, so a change to what a
// package exports is a visible diff in review. `--update` rewrites the report instead.
//
//   node ../../scripts/api-report.cjs [--update]     (from a package directory, after its build)
'use strict';
const path = require('node:path');
const { Extractor, ExtractorConfig } = require('@microsoft/api-extractor');

const update = process.argv.includes('--update');
const packageDir = process.cwd();
const configFile = path.join(packageDir, 'api-extractor.json');
const config = ExtractorConfig.loadFileAndPrepare(configFile);
const result = Extractor.invoke(config, { localBuild: update, showVerboseMessages: false });
if (result.succeeded) {
  if (result.apiReportChanged && update) console.log(`api-report: updated ${path.relative(packageDir, config.reportFilePath)}`);
  process.exit(0);
}
if (result.apiReportChanged) {
  console.error(
    `api-report: the public API of ${config.packageJson?.name ?? packageDir} differs from ${path.relative(packageDir, config.reportFilePath)}.\n` +
      `If the change is intended, run \`pnpm api:update\` and commit the report.`,
  );
} else {
  console.error(`api-report: ${result.errorCount} errors, ${result.warningCount} warnings`);
}
process.exit(1);
