#!/usr/bin/env node
// The `amlops` command. dist/cli.js is the bundled CLI, built by `npm run build` (which `npm ci`
// runs through the prepare script), so this works without TypeScript tooling at run time.
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS launcher: require is the point */
const path = require('node:path');
const fs = require('node:fs');

const bundle = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(bundle)) {
  process.stderr.write(`amlops: ${bundle} is missing; run \`npm run build\` first.\n`);
  process.exit(1);
}
require(bundle).cli(process.argv.slice(2));
