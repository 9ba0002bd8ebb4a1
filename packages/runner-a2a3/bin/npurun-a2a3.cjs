#!/usr/bin/env node
'use strict';
require('../dist/cli')
  .main(process.argv.slice(2))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      // A bug in npurun itself (the command reports every expected failure as an exit code).
      console.error('npurun-a2a3: internal error:', error);
      process.exitCode = 1;
    },
  );
