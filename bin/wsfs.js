#!/usr/bin/env node
'use strict';
// Entry point of the `wsfs` command; the code lives in dist/ (built by `npm install` / `npm run build`).
let cli;
try {
  cli = require('../dist/src/fs/cli.js');
} catch (error) {
  if (error && error.code === 'MODULE_NOT_FOUND') {
    process.stderr.write('wsfs: the project is not built yet. Run `npm install` (or `npm run build`) first.\n');
    process.exit(1);
  }
  throw error;
}
cli.main(process.argv).catch((error) => {
  process.stderr.write(`wsfs: ${error && error.message ? error.message : String(error)}\n`);
  process.exit(1);
});
