import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.join(__dirname, '..', '..');
const eslint = path.join(root, 'node_modules', 'eslint', 'bin', 'eslint.js');
const FACES = ['actions', 'tasks', 'cli'].map((d) => path.join(root, d) + path.sep);

function sources(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.[cm]?tsx?$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name));
}

/** import/export ... from '<x>', import('<x>'), require('<x>'). */
function specifiers(code: string): string[] {
  const found: string[] = [];
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;
  for (let m = re.exec(code); m; m = re.exec(code)) found.push(m[1]);
  return found;
}

describe('the core is CI-neutral', () => {
  it('nothing in shared/ imports a CI library or a face', () => {
    const offences: string[] = [];
    for (const file of sources(path.join(root, 'shared'))) {
      for (const spec of specifiers(fs.readFileSync(file, 'utf8'))) {
        const resolved = spec.startsWith('.') ? path.resolve(path.dirname(file), spec) : '';
        if (
          /^@actions\//.test(spec) ||
          /^azure-pipelines-task-lib(\/|$)/.test(spec) ||
          FACES.some((f) => (resolved + path.sep).startsWith(f))
        ) {
          offences.push(`${path.relative(root, file)} imports ${spec}`);
        }
      }
    }
    expect(offences).toEqual([]);
  });

  it('eslint enforces it: an @actions/core import in shared/ is an error', () => {
    const r = spawnSync(
      process.execPath,
      [eslint, '--format', 'json', '--stdin', '--stdin-filename', 'shared/probe.ts'],
      {
        cwd: root,
        input:
          "import * as core from '@actions/core';\nimport * as tl from 'azure-pipelines-task-lib/task';\nexport const x = [core, tl];\n",
        encoding: 'utf8',
      },
    );
    const [result] = JSON.parse(r.stdout) as { messages: { ruleId: string }[] }[];
    expect(result.messages.filter((m) => m.ruleId === 'no-restricted-imports')).toHaveLength(2);
  });

  it('eslint finds no restricted import in shared/', () => {
    const r = spawnSync(process.execPath, [eslint, '--format', 'json', 'shared'], {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    const results = JSON.parse(r.stdout) as { filePath: string; messages: { ruleId: string; message: string }[] }[];
    const restricted = results.flatMap((f) =>
      f.messages
        .filter((m) => m.ruleId === 'no-restricted-imports')
        .map((m) => `${path.relative(root, f.filePath)}: ${m.message}`),
    );
    expect(restricted).toEqual([]);
  });
});
