import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { declarations } from '../shared/declarations';
import { paths, root } from './paths';
import { zipEntries } from './zip-list';

/** Files each task folder must carry into the extension for the agent to run it. */
export const TASK_FILES = ['task.json', 'index.js', 'lib.json'];

/** What a .vsix lacks: `<folder>/<file>` for every task file not in it. */
export function missingFromVsix(vsix: string): string[] {
  const entries = new Set(zipEntries(vsix));
  return declarations.flatMap((d) =>
    TASK_FILES.map((f) => `${path.basename(paths.taskDir(d.pascal))}/${f}`).filter((e) => !entries.has(e)),
  );
}

/** Runs tfx offline on a folder holding vss-extension.json and the task folders; returns the .vsix path. */
export function createVsix(tasksDir: string, outDir: string, args: readonly string[] = []): string {
  const tfxPackage = path.dirname(require.resolve('tfx-cli/package.json', { paths: [root] }));
  const pkg = JSON.parse(fs.readFileSync(path.join(tfxPackage, 'package.json'), 'utf8')) as {
    bin: Record<string, string>;
  };
  fs.mkdirSync(outDir, { recursive: true });
  const tfx = spawnSync(
    process.execPath,
    [
      path.join(tfxPackage, pkg.bin.tfx),
      'extension',
      'create',
      '--root',
      tasksDir,
      '--manifest-globs',
      path.basename(paths.vssExtension),
      '--output-path',
      outDir,
      '--no-prompt',
      '--json',
      ...args,
    ],
    { encoding: 'utf8', cwd: root },
  );
  if (tfx.status !== 0) throw new Error(`tfx extension create failed:\n${tfx.stdout}\n${tfx.stderr}`);
  return (JSON.parse(tfx.stdout.slice(tfx.stdout.indexOf('{'))) as { path: string }).path;
}

/**
 * `npm run package:ado [-- --publisher <id> ...]`: the Azure DevOps extension in dist/, built
 * offline by tfx from tasks/vss-extension.json, then checked to hold every task folder.
 */
export function main(args: string[]): number {
  const vsix = createVsix(path.join(root, path.dirname(paths.vssExtension)), path.join(root, 'dist'), args);
  const missing = missingFromVsix(vsix);
  if (missing.length) {
    console.error(`${vsix} lacks: ${missing.join(', ')} (did the build run?)`);
    return 1;
  }
  console.log(
    `wrote ${path.relative(root, vsix)} (${(fs.statSync(vsix).size / 1024).toFixed(0)} KiB, ${declarations.length} tasks)`,
  );
  return 0;
}
