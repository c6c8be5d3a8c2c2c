import * as fs from 'node:fs';
import * as path from 'node:path';

/** The repository root, found from wherever this code was bundled to. */
export function projectRoot(from = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && JSON.parse(fs.readFileSync(pkg, 'utf8')).name === 'amlops') return dir;
    if (path.dirname(dir) === dir) return process.cwd();
  }
}
