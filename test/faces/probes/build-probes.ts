import * as fs from 'node:fs';
import * as path from 'node:path';
import { build } from 'esbuild';

/** Bundles the probes like the faces (everything inlined) into args[0]: node build/run-ts.mjs <this> <dir>. */
export async function main(args: string[]): Promise<number> {
  const [outDir] = args;
  // build/run-ts.mjs sets argv[1] to this script's real path (__dirname is its temporary bundle's).
  const here = path.dirname(process.argv[1]);
  await build({
    entryPoints: { 'github-probe': path.join(here, 'github-probe.ts'), 'ado-probe': path.join(here, 'ado-probe.ts') },
    outdir: outDir,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'warning',
  });
  // task-lib reads its messages from beside the bundle, as in a task folder.
  const taskLib = path.join(here, '..', '..', '..', 'node_modules', 'azure-pipelines-task-lib');
  fs.copyFileSync(path.join(taskLib, 'lib.json'), path.join(outDir, 'lib.json'));
  fs.cpSync(path.join(taskLib, 'Strings'), path.join(outDir, 'Strings'), { recursive: true });
  return 0;
}
