#!/usr/bin/env node
// Runs a TypeScript build script on Node 20 (which cannot strip types) without a loader:
// esbuild bundles the script and the project sources it imports into one CommonJS file, leaving
// node_modules packages external, and Node runs that. Takes ~50 ms, so there is no cache.
import { build } from 'esbuild';
import { mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const [script, ...args] = process.argv.slice(2);
if (!script) {
  console.error('usage: node build/run-ts.mjs <script.ts> [args...]');
  process.exit(2);
}
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, '.tmp', 'run-ts');
mkdirSync(outDir, { recursive: true });
// The pid keeps concurrent runs (e.g. jest workers) from overwriting each other's output.
const outfile = join(outDir, `${basename(script, '.ts')}-${process.pid}.cjs`);
await build({
  entryPoints: [resolve(script)],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  absWorkingDir: root,
  logLevel: 'warning',
});
process.argv = [process.argv[0], resolve(script), ...args];
try {
  const mod = createRequire(import.meta.url)(outfile);
  // Scripts export main(args); running it here (not on import) lets tests import the same modules.
  if (typeof mod.main === 'function') {
    const code = await mod.main(args);
    if (typeof code === 'number') process.exitCode = code;
  }
} finally {
  rmSync(outfile, { force: true });
}
