#!/usr/bin/env node
// Fails when an exported symbol of a package's public entry (src/index.ts) has no TSDoc comment.
// Usage: node scripts/check-tsdoc.cjs <package dir>...
'use strict';
const path = require('node:path');
const ts = require('typescript');

function checkPackage(dir) {
  const entry = path.resolve(dir, 'src', 'index.ts');
  const configPath = path.resolve(dir, 'tsconfig.json');
  const config = ts.getParsedCommandLineOfConfigFile(configPath, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  const program = ts.createProgram({ rootNames: [entry], options: { ...config.options, noEmit: true, composite: false, declaration: false } });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(entry);
  const moduleSymbol = checker.getSymbolAtLocation(source);
  const missing = [];
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const declarations = symbol.getDeclarations() ?? [];
    // Only our own sources: re-exports of other packages are checked there.
    const own = declarations.filter((d) => !d.getSourceFile().fileName.includes('node_modules') && d.getSourceFile().fileName.startsWith(path.resolve(dir, 'src')));
    if (own.length === 0) continue;
    // A namespace export (`export * as x from './m'`) is documented by its module's header comment.
    const documented = own.some((d) =>
      ts.isSourceFile(d) ? d.text.trimStart().startsWith('/**') : ts.getJSDocCommentsAndTags(d).length > 0 || ts.getJSDocCommentsAndTags(d.parent?.parent ?? d).length > 0,
    );
    if (!documented) {
      const d = own[0];
      const { line } = d.getSourceFile().getLineAndCharacterOfPosition(d.getStart());
      missing.push(`${path.relative(process.cwd(), d.getSourceFile().fileName)}:${line + 1} ${exported.getName()}`);
    }
  }
  return missing;
}

let failed = false;
for (const dir of process.argv.slice(2)) {
  const missing = checkPackage(dir);
  if (missing.length > 0) {
    failed = true;
    console.error(`${dir}: ${missing.length} exports without TSDoc:\n  ${missing.join('\n  ')}`);
  }
}
process.exitCode = failed ? 1 : 0;
