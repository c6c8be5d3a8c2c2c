import * as fs from 'node:fs';
import * as path from 'node:path';
import { declarations } from '../shared/declarations';
import { renderActionYml } from './metadata/action-yml';
import { END, renderStepsBlock, spliceReadme, START } from './metadata/readme';
import { renderTaskJson } from './metadata/task-json';
import { renderVssExtension } from './metadata/vss-extension';
import { packageVersion, paths, root } from './paths';

export interface GeneratedFile {
  /** POSIX path relative to the repository root. */
  path: string;
  content: string;
}

const read = (rel: string): string | undefined => {
  const full = path.join(root, rel);
  return fs.existsSync(full) ? fs.readFileSync(full, 'utf8') : undefined;
};

/** Everything the declarations generate, as it should be on disk now. */
export function generatedFiles(): GeneratedFile[] {
  const files: GeneratedFile[] = [];
  for (const decl of declarations) {
    files.push({ path: paths.actionYml(decl.id), content: renderActionYml(decl) });
    files.push({ path: paths.taskJson(decl.pascal), content: renderTaskJson(decl) });
  }
  files.push({ path: paths.vssExtension, content: renderVssExtension(declarations, packageVersion()) });
  files.push({ path: paths.readme, content: spliceReadme(read(paths.readme), renderStepsBlock(declarations)) });
  return files;
}

/** Generated files left behind by a step that no longer exists. */
export function obsoleteFiles(): string[] {
  const wanted = new Set(generatedFiles().map((f) => f.path));
  const found: string[] = [];
  const list = (dir: string) => (fs.existsSync(path.join(root, dir)) ? fs.readdirSync(path.join(root, dir)) : []);
  for (const d of list('actions')) {
    const rel = `actions/${d}/action.yml`;
    if (!wanted.has(rel) && read(rel)?.startsWith('# Generated from')) found.push(rel);
  }
  for (const d of list('tasks').filter((n) => /^Aml\w+V\d+$/.test(n))) {
    const rel = `tasks/${d}/task.json`;
    if (!wanted.has(rel) && read(rel)?.includes('Generated from the amlops step declaration')) found.push(rel);
  }
  return found;
}

/** Files whose content on disk differs from what the declarations generate, plus obsolete ones. */
export function staleFiles(): string[] {
  return [
    ...generatedFiles()
      .filter((f) => read(f.path) !== f.content)
      .map((f) => f.path),
    ...obsoleteFiles(),
  ];
}

export function main(args: string[]): number {
  if (args.includes('--check')) {
    const stale = staleFiles();
    if (stale.length === 0) return 0;
    console.error(
      `Generated files are out of date with shared/declarations:\n${stale.map((f) => `  ${f}`).join('\n')}`,
    );
    console.error('Run `npm run generate` and commit the result.');
    return 1;
  }
  const readme = read(paths.readme);
  if (readme !== undefined && (!readme.includes(START) || !readme.includes(END))) {
    console.error(`README.md had no ${START} ... ${END} block; appended one at the end.`);
  }
  let written = 0;
  for (const file of generatedFiles()) {
    if (read(file.path) === file.content) continue;
    fs.mkdirSync(path.dirname(path.join(root, file.path)), { recursive: true });
    fs.writeFileSync(path.join(root, file.path), file.content);
    console.log(`wrote ${file.path}`);
    written++;
  }
  for (const rel of obsoleteFiles()) {
    fs.rmSync(path.join(root, rel));
    console.log(`removed ${rel} (no such step any more)`);
  }
  if (written === 0) console.log('generated files are up to date');
  return 0;
}
