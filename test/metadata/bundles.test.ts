import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { declarations } from '../../shared/declarations';
import { cleanEnv, nodeBinary, runNode, testedNodes } from '../faces/child';
import { freshBundles } from '../faces/fresh-bundles';
import { parseAdoOutput } from '../faces/run-ado';

const root = path.join(__dirname, '..', '..');
const nodes = testedNodes.map(nodeBinary);

function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

describe('bundles', () => {
  let fresh: string;
  beforeAll(async () => {
    fresh = await freshBundles();
  });

  it('the committed actions/dist is what a fresh build produces (run `npm run build` and commit it)', async () => {
    // Built again here, not taken from the shared cache, so this also proves the build is deterministic.
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-dist-'));
    try {
      await new Promise<void>((resolve, reject) => {
        const child = spawn(process.execPath, ['build/run-ts.mjs', 'build/bundle.ts', 'github', '--out-dir', out], {
          cwd: root,
          stdio: 'ignore',
        });
        child.on('error', reject);
        child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`bundle failed (${code})`))));
      });
      const committed = path.join(root, 'actions', 'dist');
      const built = path.join(out, 'actions', 'dist');
      const names = [...new Set([...listFiles(committed), ...listFiles(built)])];
      const differing = names.filter((n) => {
        const a = path.join(committed, n);
        const b = path.join(built, n);
        return !fs.existsSync(a) || !fs.existsSync(b) || !fs.readFileSync(a).equals(fs.readFileSync(b));
      });
      if (differing.length)
        throw new Error(
          `actions/dist is stale: ${differing.join(', ')}. Run \`npm run build\` and commit actions/dist.`,
        );
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it('the faces never share a bundle: no task-lib in the GitHub one, no @actions/* in the tasks or the CLI', () => {
    const packages = (file: string) => fs.readFileSync(file, 'utf8').match(/^\S+@\S+ \(/gm) ?? [];
    const github = packages(path.join(fresh, 'actions/dist/licenses.txt'));
    expect(github.some((p) => p.startsWith('@actions/core@'))).toBe(true);
    expect(github.filter((p) => p.startsWith('azure-pipelines-task-lib@'))).toEqual([]);
    for (const decl of declarations) {
      const task = packages(path.join(fresh, `tasks/Aml${decl.pascal}V1/licenses.txt`));
      expect(task.some((p) => p.startsWith('azure-pipelines-task-lib@'))).toBe(true);
      expect(task.filter((p) => p.startsWith('@actions/'))).toEqual([]);
    }
    const cli = packages(path.join(fresh, 'dist/cli.licenses.txt'));
    expect(cli.filter((p) => p.startsWith('@actions/') || p.startsWith('azure-pipelines-task-lib@'))).toEqual([]);
  });

  describe.each(nodes)('run with no node_modules anywhere above them (%s)', (node) => {
    let dir: string;
    beforeAll(() => {
      // os.tmpdir() has no node_modules on its path, so any unbundled require would fail.
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-standalone-'));
      fs.cpSync(path.join(fresh, 'actions', 'dist'), path.join(dir, 'actions-dist'), { recursive: true });
      fs.cpSync(path.join(fresh, 'tasks', 'AmlConnectV1'), path.join(dir, 'AmlConnectV1'), { recursive: true });
      fs.cpSync(path.join(fresh, 'dist', 'cli.js'), path.join(dir, 'cli.js'));
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
    const notFound = /Cannot find module|MODULE_NOT_FOUND/;

    it('GitHub entry: the missing-input error, not a missing module', async () => {
      const r = await runNode(node, [path.join(dir, 'actions-dist', 'connect.js')], { cwd: dir, env: cleanEnv() });
      expect(r.stdout + r.stderr).not.toMatch(notFound);
      expect(r.stdout).toMatch(/^::error::connect failed: .*input 'workspace'/m);
      expect(r.code).toBe(1);
    });

    it('task folder: the missing-connection error, with task-lib messages loaded', async () => {
      const work = fs.mkdtempSync(path.join(dir, 'agent-'));
      const r = await runNode(node, [path.join(dir, 'AmlConnectV1', 'index.js')], {
        cwd: work,
        env: cleanEnv({ AGENT_TEMPDIRECTORY: work }),
      });
      expect(r.stdout + r.stderr).not.toMatch(notFound);
      // Without lib.json task-lib would print its message keys instead of text.
      expect(r.stdout + r.stderr).not.toMatch(/LIB_|Resource file haven't been set/);
      const run = parseAdoOutput(r.stdout, r.stderr, r.code);
      expect(run.failed).toBe(true);
      expect(run.issues.map((i) => i.message)).toEqual([
        expect.stringMatching(/^connect failed: input 'azureSubscription' is required/),
      ]);
    });

    it('CLI: --help', async () => {
      const r = await runNode(node, [path.join(dir, 'cli.js'), '--help'], { cwd: dir, env: cleanEnv() });
      expect(r.stderr).not.toMatch(notFound);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('amlops');
    });
  });
});
