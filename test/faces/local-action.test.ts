import * as fs from 'node:fs';
import * as path from 'node:path';
import { cleanEnv, runNode } from './child';
import { freshBundles, repoRoot } from './fresh-bundles';

/**
 * @github/local-action runs an action's entry in-process and replaces @actions/core with stubs
 * that print and collect outputs. It can do so only for source (its README: "supports
 * non-transpiled action code only"), so:
 *  - on the shipped bundle it is a launcher (dotenv file, action.yml): our bundled core is not
 *    stubbed, errors still come out as ::error:: and the exit code is kept;
 *  - on TypeScript source it stubs core (outputs show in its table) but ends with exit code 0
 *    even after setFailed, so a failure can only be seen in the log.
 */
const localAction = path.join(repoRoot, 'node_modules', '@github', 'local-action', 'bin', 'local-action.js');
const work = path.join(repoRoot, '.tmp', 'local-action');

function envFile(name: string, inputs: Record<string, string>): string {
  fs.mkdirSync(work, { recursive: true });
  const file = path.join(work, `${name}.${process.pid}.env`);
  fs.writeFileSync(
    file,
    Object.entries(inputs)
      .map(([k, v]) => `INPUT_${k.toUpperCase()}=${v}\n`)
      .join(''),
  );
  return file;
}

const runLocalAction = (actionDir: string, entry: string, env: string) =>
  runNode(process.execPath, [localAction, 'run', actionDir, entry, env], {
    cwd: repoRoot,
    env: cleanEnv({ NO_COLOR: '1' }),
    timeoutMs: 120_000,
  });

describe('@github/local-action', () => {
  // Files are named by pid: jest workers may run this file's siblings at the same time.
  afterAll(() => {
    for (const f of fs.existsSync(work) ? fs.readdirSync(work) : []) {
      if (f.includes(`.${process.pid}.`) || f.includes(`-${process.pid}.`))
        fs.rmSync(path.join(work, f), { force: true });
    }
  });

  it('runs the shipped bundle of an action: one ::error:: and a failing exit code', async () => {
    const bundles = await freshBundles();
    const env = envFile('bad-cloud', { cloud: 'Mars', workspace: 'w', 'resource-group': 'rg', 'subscription-id': 's' });
    const r = await runLocalAction(path.join(bundles, 'actions', 'connect'), '../dist/connect.js', env);
    expect(r.stdout).toContain('Action Metadata');
    expect(r.stdout).toMatch(/^::error::connect failed: input 'cloud' must be one of .* got 'Mars'$/m);
    expect(r.code).not.toBe(0);
  }, 120_000);

  it('runs the GitHub host from source with its @actions/core stubs collecting the outputs', async () => {
    fs.mkdirSync(work, { recursive: true });
    const entry = path.join(work, `probe-${process.pid}.ts`);
    fs.writeFileSync(entry, `export { run } from ${JSON.stringify(path.join(__dirname, 'probes', 'github-probe'))};\n`);
    const env = envFile('probe', { 'client-id': 'abc' });
    const actionDir = path.join(repoRoot, 'actions', 'connect');
    const r = await runLocalAction(actionDir, path.relative(actionDir, entry), env);
    expect(r.code).toBe(0);
    const outputs = r.stdout.slice(r.stdout.indexOf('Action Outputs'));
    expect(outputs).toMatch(/'plain'\s*│\s*'value'/);
    expect(r.stdout).toContain('input client-id=abc');
  }, 120_000);
});
