import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import AjvDraft04 from 'ajv-draft-04';
import { parse } from 'yaml';
import { freshBundles } from '../faces/fresh-bundles';
import { runCli } from '../faces/run-cli';
import { actionlint } from '../templates/actionlint';
import { expandTemplate } from '../templates/run-azure-pipeline';
import { asPipelineYaml, explain, validatePipeline, validateWorkflow } from '../templates/schemas';

/**
 * `amlops init` through the bundled CLI (so dist/cli.js carries the file templates): the layout for
 * each --ci choice, its YAML valid against the schemas, notebooks valid nbformat 4, refusal to
 * overwrite, and the generated project's own tests, the emulator integration test included.
 */
// Jupyter's own schema, from Debian's python3-nbformat (installed by .ci/run).
const NBFORMAT_SCHEMA = '/usr/lib/python3/dist-packages/nbformat/v4/nbformat.v4.schema.json';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-init-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const files = (dir: string): string[] =>
  fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();

async function init(dir: string, ...args: string[]) {
  return runCli(['init', dir, ...args], {}, { cwd: tmp, timeoutMs: 60_000 });
}

const common = [
  '.cloud/dev.yml',
  '.cloud/prod.yml',
  '.cloud/compute/cpu-cluster.yml',
  '.cloud/model.yml',
  '.cloud/smoke-cases.yml',
  '.cloud/dev/endpoint.yml',
  '.cloud/dev/deployment.yml',
  '.cloud/prod/endpoint.yml',
  '.cloud/prod/deployment.yml',
  '.cloud/prod/batch-endpoint.yml',
  '.cloud/prod/batch-deployment.yml',
  'code/prep/prep.py',
  'code/prep/environment.yml',
  'code/train/train.py',
  'code/train/environment.yml',
  'code/evaluate/evaluate.py',
  'code/evaluate/environment.yml',
  'code/score/score.py',
  'code/score/environment.yml',
  'data/sample.csv',
  'docs/getting-started.md',
  'docs/ci.md',
  'pipelines/train.yml',
  'tests/test_code.py',
  'tests/test_pipeline_emulator.py',
  'notebooks/ada/01-explore-data-product.ipynb',
  'notebooks/ada/02-log-metrics-and-params.ipynb',
  'notebooks/ada/03-submit-training-job.ipynb',
  'README.md',
];

describe.each([
  ['github', ['.github/workflows/ml-pipeline.yml', '.github/CODEOWNERS'], ['.ado/azure-pipelines.yml']],
  ['azure-devops', ['.ado/azure-pipelines.yml'], ['.github/workflows/ml-pipeline.yml', '.github/CODEOWNERS']],
  ['both', ['.github/workflows/ml-pipeline.yml', '.ado/azure-pipelines.yml'], []],
] as const)('amlops init --ci %s', (ci, present, absent) => {
  const dir = path.join(tmp, `project-${ci}`);
  let written: string[] = [];

  beforeAll(async () => {
    const run = await init(dir, '--ci', ci, '--person', 'ada');
    expect([run.code, run.stderr]).toEqual([0, expect.stringContaining('Wrote')]);
    written = files(dir);
    expect((run.json as { files: string[] }).files).toEqual(written);
  }, 120_000);

  it('writes the standard layout with the chosen CI only', () => {
    expect(written).toEqual(expect.arrayContaining([...common, ...present]));
    for (const file of absent) expect(written).not.toContain(file);
    expect(written.filter((f) => f.includes('%%'))).toEqual([]);
    for (const f of written) expect(fs.readFileSync(path.join(dir, f), 'utf8')).not.toMatch(/%%[A-Z]+%%/);
  });

  it('writes YAML that parses, CI pipelines valid against their schemas and clean under actionlint', async () => {
    for (const f of written.filter((x) => /\.ya?ml$/.test(x))) {
      expect(() => parse(fs.readFileSync(path.join(dir, f), 'utf8'))).not.toThrow();
    }
    for (const f of written.filter((x) => x.startsWith('.github/workflows/'))) {
      const text = fs.readFileSync(path.join(dir, f), 'utf8');
      expect(validateWorkflow(parse(text)) || explain(validateWorkflow.errors)).toBe(true);
      expect(await actionlint(text, f)).toEqual([]);
    }
    if (written.includes('.ado/azure-pipelines.yml')) {
      // Expanded through this repository's templates, as Azure DevOps does with the amlops resource.
      const expanded = expandTemplate(path.join(dir, '.ado/azure-pipelines.yml'), {});
      expect(validatePipeline(asPipelineYaml(expanded)) || explain(validatePipeline.errors)).toBe(true);
    }
  });

  it('writes notebooks valid against the nbformat 4 schema', () => {
    expect(fs.existsSync(NBFORMAT_SCHEMA) || `${NBFORMAT_SCHEMA} missing: apt-get install python3-nbformat`).toBe(true);
    const validate = new AjvDraft04({ strict: false, allErrors: true }).compile(
      JSON.parse(fs.readFileSync(NBFORMAT_SCHEMA, 'utf8')),
    );
    const notebooks = written.filter((f) => f.endsWith('.ipynb'));
    expect(notebooks).toHaveLength(3);
    for (const f of notebooks) {
      const nb = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
      expect(validate(nb) || `${f}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });
});

describe('an existing project', () => {
  const dir = path.join(tmp, 'existing');

  it('is not touched without --force: the files in the way are listed and nothing is written', async () => {
    fs.mkdirSync(path.join(dir, 'code', 'train'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'code', 'train', 'train.py'), '# my own training code\n');
    fs.writeFileSync(path.join(dir, 'README.md'), '# mine\n');
    const run = await init(dir, '--ci', 'github', '--person', 'ada');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('already has 2 of the files');
    expect(run.stderr).toMatch(/code\/train\/train\.py[\s\S]*--force/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(files(dir)).toEqual(['README.md', 'code/train/train.py']);
    expect(fs.readFileSync(path.join(dir, 'README.md'), 'utf8')).toBe('# mine\n');
  });

  it('is overwritten with --force', async () => {
    const run = await init(dir, '--ci', 'github', '--person', 'ada', '--force');
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('(2 overwritten)');
    expect(fs.readFileSync(path.join(dir, 'code', 'train', 'train.py'), 'utf8')).toContain('logistic regression');
  });

  it('a wrong --ci or a missing folder is a usage error', async () => {
    const bad = await init(path.join(tmp, 'bad'), '--ci', 'gitlab');
    expect([bad.code, bad.stderr]).toEqual([
      2,
      expect.stringContaining("--ci must be one of github, azure-devops, both, not 'gitlab'"),
    ]);
    const none = await runCli(['init', '--ci', 'github'], {}, { cwd: tmp });
    expect([none.code, none.stderr]).toEqual([2, expect.stringContaining('init needs the folder')]);
    expect(fs.existsSync(path.join(tmp, 'bad'))).toBe(false);
  });
});

describe('--registry', () => {
  it('names the registry dev promotes into and prod deploys from, in the pipelines and the prod files', async () => {
    const dir = path.join(tmp, 'registry');
    const run = await init(dir, '--ci', 'both', '--person', 'ada', '--registry', 'contoso-ml');
    expect([run.code, run.stderr]).toEqual([0, expect.stringContaining('Wrote')]);
    const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
    for (const f of ['.cloud/prod/deployment.yml', '.cloud/prod/batch-deployment.yml']) {
      expect(read(f)).toContain('model: azureml://registries/contoso-ml/models/');
    }
    expect(parse(read('.github/workflows/ml-pipeline.yml')).jobs.promote.with.registry).toBe('contoso-ml');
    const stages = parse(read('.ado/azure-pipelines.yml')).stages as { parameters: { registry?: string } }[];
    expect(stages.map((st) => st.parameters.registry).filter(Boolean)).toEqual(['contoso-ml']);
    for (const f of files(dir)) expect(read(f)).not.toContain('ml-registry');
  });

  it('is ml-registry by default, listed in the help, and refused when it is no registry name, writing nothing', async () => {
    const plain = path.join(tmp, 'project-github');
    expect(fs.readFileSync(path.join(plain, '.cloud/prod/deployment.yml'), 'utf8')).toContain(
      'azureml://registries/ml-registry/',
    );
    const help = await runCli(['init', '--help'], {}, { cwd: tmp });
    expect(help.stdout).toMatch(/--registry <name>\s+Azure ML registry/);
    const bad = await init(path.join(tmp, 'bad-registry'), '--ci', 'github', '--registry', 'my registry!');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--registry must be an Azure ML registry name');
    expect(bad.stderr).toContain("got 'my registry!'");
    expect(fs.existsSync(path.join(tmp, 'bad-registry'))).toBe(false);
    const missing = await init(path.join(tmp, 'bad-registry'), '--ci', 'github', '--registry');
    expect([missing.code, missing.stderr]).toEqual([2, expect.stringContaining('--registry needs a value')]);
  });
});

it("the generated project's tests pass, the pipeline run on the emulator included", async () => {
  const dir = path.join(tmp, 'project-github');
  const bundles = await freshBundles();
  const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = spawn('python3', ['-m', 'unittest', 'discover', '-s', 'tests', '-v'], {
      cwd: dir,
      env: { ...process.env, AMLOPS_CLI: path.join(bundles, 'bin', 'amlops.cjs'), NODE_EXTRA_CA_CERTS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.stderr.on('data', (d: Buffer) => (text += d.toString()));
    child.on('close', (c) => resolve({ code: c, out: text }));
  });
  expect(out).toMatch(/test_the_training_pipeline_completes_with_an_accuracy .* ok/);
  expect(out).not.toMatch(/skipped/);
  expect([code, out]).toEqual([0, expect.stringMatching(/Ran 7 tests[\s\S]*OK/)]);
}, 240_000);
