import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Emulator } from '../../emulator';
import { startTestEmulator } from '../support/emulator';
import { armGet, armWrites, createCluster, runInProcess, train, writeTrainingProject } from './support';

/**
 * register-model against the emulator: models from a job's output, a local folder and URLs; the
 * metric gate against the version tagged as champion; re-runs that create nothing.
 */
let emulator: Emulator;
let dir: string;
const jobs: Record<string, string> = {};

beforeAll(async () => {
  emulator = await startTestEmulator({ computeProvisioningMs: 50, jobStatusDelayMs: 100 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-models-'));
  writeTrainingProject(dir);
  fs.mkdirSync(path.join(dir, 'local-model'));
  fs.writeFileSync(path.join(dir, 'local-model', 'weights.bin'), 'local weights');
  fs.writeFileSync(path.join(dir, 'local-model', 'MLmodel'), 'flavors: {}\n');
  await createCluster(emulator);
  const [good, better, worse] = await Promise.all([
    train(emulator, dir, 'train-good', 0.8),
    train(emulator, dir, 'train-better', 0.9),
    train(emulator, dir, 'train-worse', 0.7),
  ]);
  Object.assign(jobs, { good, better, worse });
}, 180_000);
afterAll(async () => {
  await emulator?.stop();
});
beforeEach(() => emulator.clearRequests());
afterEach(() => expect(emulator.specViolations).toEqual([]));

const register = (inputs: Record<string, string>) => runInProcess(emulator, dir, 'register-model', inputs);
const modelPuts = () => armWrites(emulator).filter((r) => r.method === 'PUT' && /\/models\//.test(r.path));
const gate = { 'gate-metric': 'accuracy', 'set-baseline': 'true' };

describe('register-model from a job output', () => {
  it('registers the job output with lineage and makes it the champion when there is no baseline', async () => {
    const { host, error } = await register({ name: 'churn', 'job-name': jobs.good, ...gate });
    expect(error).toBeUndefined();
    expect(host.outputs).toMatchObject({
      'model-name': 'churn',
      'model-version': '1',
      'model-id': 'azureml:churn:1',
      action: 'created',
      'metric-value': '0.8',
      'baseline-version': '',
    });
    expect(JSON.parse(host.outputs.metrics)).toMatchObject({ accuracy: 0.8, loss: 0.2 });
    expect(host.lines.join('\n')).toMatch(/no version of churn is tagged stage=champion.*passes/);
    const { body } = await armGet<{ properties: Record<string, any> }>(
      emulator,
      'workspaces/dev/models/churn/versions/1',
    );
    expect(body.properties).toMatchObject({
      modelType: 'custom_model',
      jobName: jobs.good,
      tags: {
        source_job: jobs.good,
        git_commit: 'abc123',
        ci_run_url: 'https://github.com/acme/churn/actions/runs/42',
        'metric.accuracy': '0.8',
        stage: 'champion',
      },
    });
    // Stored at the output's location, so the model outlives the job's own references.
    expect(body.properties.modelUri).toMatch(/^azureml:\/\/.*datastores\/.*\/paths\/.+/);
    expect(body.properties.modelUri).not.toContain('azureml://jobs/');
  }, 60_000);

  it('a re-run finds the existing version and creates nothing', async () => {
    const { host, error } = await register({ name: 'churn', 'job-name': jobs.good, ...gate });
    expect(error).toBeUndefined();
    expect(host.outputs).toMatchObject({ 'model-version': '1', action: 'existing' });
    expect(host.lines.join('\n')).toContain('version 1 is already the baseline');
    expect(armWrites(emulator)).toEqual([]);
  }, 60_000);

  it('a better model passes the gate, becomes version 2 and takes the champion tag', async () => {
    const { host, error } = await register({
      name: 'churn',
      path: `azureml://jobs/${jobs.better}/outputs/model`,
      ...gate,
    });
    expect(error).toBeUndefined();
    expect(host.outputs).toMatchObject({
      'model-version': '2',
      action: 'created',
      'metric-value': '0.9',
      'baseline-version': '1',
      'baseline-value': '0.8',
    });
    const v1 = await armGet<{ properties: Record<string, any> }>(emulator, 'workspaces/dev/models/churn/versions/1');
    const v2 = await armGet<{ properties: Record<string, any> }>(emulator, 'workspaces/dev/models/churn/versions/2');
    expect(v1.body.properties.tags.stage).toBeUndefined();
    expect(v2.body.properties.tags.stage).toBe('champion');
  }, 60_000);

  it('a worse model fails the gate with both values and registers nothing', async () => {
    const { error } = await register({ name: 'churn', 'job-name': jobs.worse, ...gate });
    expect(error).toContain('accuracy 0.7 is worse than required');
    expect(error).toContain("baseline churn:2's 0.9");
    expect(modelPuts()).toEqual([]);
  }, 60_000);

  it('with on-worse skip, a worse model is skipped and the step succeeds', async () => {
    const { host, error } = await register({ name: 'churn', 'job-name': jobs.worse, ...gate, 'on-worse': 'skip' });
    expect(error).toBeUndefined();
    expect(host.outputs).toMatchObject({
      action: 'skipped',
      'model-version': '',
      'metric-value': '0.7',
      'baseline-value': '0.9',
    });
    expect(host.warnings.map((w) => w.message).join('\n')).toContain('model not registered');
    expect(modelPuts()).toEqual([]);
  }, 60_000);

  it('minimize: a lower loss passes, a minimum improvement can still reject it', async () => {
    const lossGate = { 'gate-metric': 'loss', 'gate-goal': 'minimize', 'baseline-tag': 'stage=champion' };
    const rejected = await register({ name: 'churn', 'job-name': jobs.worse, ...lossGate });
    expect(rejected.error).toMatch(/loss 0\.3 is worse than required.*0\.1/);
    const strict = await register({ name: 'churn-loss', 'job-name': jobs.better, ...lossGate, 'set-baseline': 'true' });
    expect(strict.error).toBeUndefined();
    const notEnough = await register({
      name: 'churn-loss',
      'job-name': jobs.good,
      ...lossGate,
      'gate-min-improvement': '0.05',
    });
    expect(notEnough.error).toContain('at least 0.05 lower than');
  }, 60_000);
});

describe('register-model from files', () => {
  it('uploads a local folder content-addressed, and a re-run uploads and creates nothing', async () => {
    const first = await register({ name: 'local-model', path: 'local-model', type: 'mlflow_model' });
    expect(first.error).toBeUndefined();
    expect(first.host.outputs).toMatchObject({ 'model-version': '1', action: 'created' });
    const { body } = await armGet<{ properties: Record<string, any> }>(
      emulator,
      'workspaces/dev/models/local-model/versions/1',
    );
    expect(body.properties.modelUri).toMatch(
      /^azureml:\/\/subscriptions\/.+\/workspaces\/dev\/datastores\/workspaceblobstore\/paths\/LocalUpload\/[0-9a-f]{32}\/local-model$/,
    );
    expect(body.properties.modelType).toBe('mlflow_model');
    emulator.clearRequests();
    const again = await register({ name: 'local-model', path: 'local-model', type: 'mlflow_model' });
    expect(again.host.outputs).toMatchObject({ 'model-version': '1', action: 'existing' });
    expect(armWrites(emulator)).toEqual([]);
    // Changed content is a new version.
    fs.writeFileSync(path.join(dir, 'local-model', 'weights.bin'), 'retrained weights');
    const changed = await register({ name: 'local-model', path: 'local-model', type: 'mlflow_model' });
    expect(changed.host.outputs).toMatchObject({ 'model-version': '2', action: 'created' });
  }, 60_000);

  it('registers a datastore URI and an https URL as given; re-runs find them', async () => {
    const { body } = await armGet<{ properties: Record<string, any> }>(
      emulator,
      'workspaces/dev/models/local-model/versions/1',
    );
    const blobPath = String(body.properties.modelUri).replace(/^.*\/paths\//, '');
    const short = `azureml://datastores/workspaceblobstore/paths/${blobPath}`;
    const fromDatastore = await register({ name: 'from-datastore', path: short });
    expect(fromDatastore.error).toBeUndefined();
    expect(fromDatastore.host.outputs).toMatchObject({ 'model-version': '1', action: 'created' });
    const datastore = await armGet<{ properties: { containerName: string } }>(
      emulator,
      'workspaces/dev/datastores/workspaceblobstore',
    );
    const url = `${emulator.info.blobEndpoint}/${datastore.body.properties.containerName}/${blobPath}`;
    const fromUrl = await register({ name: 'from-datastore', path: url, 'model-version': '7' });
    expect(fromUrl.host.outputs).toMatchObject({ 'model-version': '7', action: 'created' });
    emulator.clearRequests();
    expect((await register({ name: 'from-datastore', path: short })).host.outputs.action).toBe('existing');
    expect((await register({ name: 'from-datastore', path: url })).host.outputs).toMatchObject({
      'model-version': '7',
      action: 'existing',
    });
    expect(armWrites(emulator)).toEqual([]);
  }, 60_000);

  it('takes an az ml model YAML, with inputs overriding it', async () => {
    fs.writeFileSync(
      path.join(dir, 'model.yml'),
      [
        '$schema: https://azuremlschemas.azureedge.net/latest/model.schema.json',
        'name: from-yaml',
        'version: 3',
        'path: local-model',
        'type: custom_model',
        'description: Model created from local files.',
        'tags:',
        '  team: churn',
        'properties:',
        '  framework: sklearn',
        '',
      ].join('\n'),
    );
    const { host, error } = await register({ file: 'model.yml', description: 'overridden' });
    expect(error).toBeUndefined();
    expect(host.outputs).toMatchObject({ 'model-name': 'from-yaml', 'model-version': '3', action: 'created' });
    const { body } = await armGet<{ properties: Record<string, any> }>(
      emulator,
      'workspaces/dev/models/from-yaml/versions/3',
    );
    expect(body.properties).toMatchObject({
      description: 'overridden',
      tags: { team: 'churn', git_commit: 'abc123' },
      properties: { framework: 'sklearn' },
    });
  }, 60_000);
});

describe('register-model refuses bad inputs with one clear message and creates nothing', () => {
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ['no source', { name: 'm' }, /no model to register: set --path or --job-name/],
    ['no name', { path: 'local-model' }, /--name is required/],
    ['both sources', { name: 'm', path: 'local-model', 'job-name': 'x' }, /--job-name cannot be combined with --path/],
    ['missing local path', { name: 'm', path: 'nope' }, /--path 'nope' does not exist/],
    ['runs: URI', { name: 'm', path: 'runs:/abc/model' }, /runs:\/ URIs are not supported/],
    [
      'bad type',
      { name: 'm', path: 'local-model', type: 'onnx' },
      /--type must be one of mlflow_model, custom_model, triton_model/,
    ],
    ['mlflow without MLmodel', { name: 'm', path: 'src', type: 'mlflow_model' }, /not an MLflow model folder/],
    [
      'gate on a local path',
      { name: 'm', path: 'local-model', 'gate-metric': 'accuracy' },
      /--gate-metric compares a metric of the source job/,
    ],
    [
      'bad min improvement',
      { name: 'm', 'job-name': 'j', 'gate-metric': 'a', 'gate-min-improvement': 'lots' },
      /--gate-min-improvement must be a number/,
    ],
    [
      'bad baseline tag',
      { name: 'm', 'job-name': 'j', 'baseline-tag': 'champion' },
      /--baseline-tag must be key=value/,
    ],
    ['bad tags', { name: 'm', path: 'local-model', tags: 'team' }, /--tags needs one key=value per line/],
    ['unknown job', { name: 'm', 'job-name': 'no-such-job' }, /job 'no-such-job' not found in workspace 'dev'/],
    [
      'unknown output',
      { name: 'm', 'job-name': 'train-good', 'job-output': 'weights' },
      /has no output 'weights' \(its outputs: .*model \(custom_model\)/,
    ],
    [
      'unknown metric',
      { name: 'm', 'job-name': 'train-good', 'gate-metric': 'f1' },
      /logged no metric 'f1' \(it logged: .*accuracy/,
    ],
    [
      'taken version',
      { name: 'churn', 'job-name': 'train-worse', 'model-version': '1' },
      /version 1 already exists with other content/,
    ],
  ];
  it.each(cases)(
    '%s',
    async (_what, inputs, message) => {
      const { error } = await register(inputs);
      expect(error).toMatch(message);
      expect(error).not.toMatch(/\n\s+at /);
      expect(armWrites(emulator)).toEqual([]);
    },
    30_000,
  );
});
