import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The repository root. Build scripts run from a temporary bundle (build/run-ts.mjs) and from jest,
 * so __dirname differs; walking up to our package.json works for both.
 */
function findRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && JSON.parse(fs.readFileSync(pkg, 'utf8')).name === 'amlops') return dir;
    if (path.dirname(dir) === dir) throw new Error(`no amlops package.json above ${start}`);
  }
}

export const root = findRoot(__dirname);

export const packageVersion = (): string =>
  JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version;

/** Relative paths (POSIX) of what the generator and the bundler write. */
export const paths = {
  actionYml: (id: string) => `actions/${id}/action.yml`,
  actionEntry: (id: string) => `actions/dist/${id}.js`,
  taskDir: (pascal: string) => `tasks/Aml${pascal}V1`,
  taskJson: (pascal: string) => `tasks/Aml${pascal}V1/task.json`,
  vssExtension: 'tasks/vss-extension.json',
  readme: 'README.md',
};
