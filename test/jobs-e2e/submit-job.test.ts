import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Emulator } from '../../emulator';
import { emulatorInputs, secretEnvOf, spnEndpointOf } from '../support/connection';
import { startTestEmulator } from '../support/emulator';
import { runAdoTask } from '../faces/run-ado';
import { runGithubStep } from '../faces/run-github';

/**
 * submit-job as users run it: a job YAML from their repository, submitted through the GitHub and
 * Azure DevOps faces to the emulator, which runs it on this machine.
 */
let emulator: Emulator;
let project: string;

beforeAll(async () => {
  emulator = await startTestEmulator({ computeProvisioningMs: 100 });
  project = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-jobs-'));
  const src = path.join(project, 'src');
  fs.mkdirSync(src, { recursive: true });
  fs.writeFileSync(
    path.join(src, 'train.py'),
    [
      'import sys, time, os',
      'import mlflow',
      'print("training starts", flush=True)',
      'for epoch in range(3):',
      '    mlflow.log_metric("loss", 1.0 / (epoch + 1), step=epoch)',
      '    print(f"epoch {epoch}", flush=True)',
      '    time.sleep(1)',
      'mlflow.log_metric("accuracy", 0.91)',
      'os.makedirs(sys.argv[2], exist_ok=True)',
      'open(os.path.join(sys.argv[2], "model.txt"), "w").write("weights for lr " + sys.argv[1])',
      'print("training done", flush=True)',
      '',
    ].join('\n'),
  );
  fs.writeFileSync(
    path.join(src, 'fail.py'),
    'import sys\nprint("about to fail", flush=True)\nsys.exit("bad data: column price missing")\n',
  );
  fs.writeFileSync(
    path.join(src, 'slow.py'),
    'import time\nfor i in range(120):\n    print(i, flush=True)\n    time.sleep(1)\n',
  );
  fs.writeFileSync(path.join(src, '.amlignore'), '*.tmp\n');
  fs.writeFileSync(path.join(src, 'scratch.tmp'), 'not uploaded');
  const job = (name: string, command: string, extra = '') =>
    fs.writeFileSync(
      path.join(project, `${name}.yml`),
      [
        '$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json',
        'code: src',
        `command: ${command}`,
        'environment:',
        '  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest',
        'compute: azureml:cpu-cluster',
        'experiment_name: amlops-tests',
        extra,
      ].join('\n'),
    );
  job(
    'train',
    'python train.py ${{inputs.learning_rate}} ${{outputs.model}}',
    'inputs:\n  learning_rate: 0.01\noutputs:\n  model:\n    type: uri_folder\n',
  );
  job('fail', 'python fail.py');
  await createCluster('cpu-cluster');
  fs.writeFileSync(
    path.join(src, 'prep.py'),
    'import os, sys\nos.makedirs(sys.argv[1], exist_ok=True)\nopen(os.path.join(sys.argv[1], "rows.csv"), "w").write("x,y\\n1,2\\n2,4\\n")\nprint("prepared 2 rows", flush=True)\n',
  );
  fs.writeFileSync(
    path.join(src, 'fit.py'),
    'import os, sys\nrows = open(os.path.join(sys.argv[1], "rows.csv")).read().splitlines()[1:]\nos.makedirs(sys.argv[2], exist_ok=True)\nopen(os.path.join(sys.argv[2], "model.txt"), "w").write(str(len(rows)))\nprint(f"fitted on {len(rows)} rows", flush=True)\n',
  );
  fs.writeFileSync(
    path.join(src, 'score.py'),
    'import os, sys\nn = open(os.path.join(sys.argv[1], "model.txt")).read()\nprint(f"scored with a model of {n} rows", flush=True)\n',
  );
  fs.writeFileSync(
    path.join(src, 'trial.py'),
    'import sys\nimport mlflow\nlr = float(sys.argv[1])\nmlflow.log_metric("accuracy", 1 - abs(lr - 0.1))\nprint(f"trial lr={lr}", flush=True)\n',
  );
  const step = (cmd: string, io: string) =>
    `    type: command\n    code: src\n    command: ${cmd}\n    environment:\n      image: python:3.11\n${io}`;
  fs.writeFileSync(
    path.join(project, 'pipeline.yml'),
    [
      'type: pipeline',
      'display_name: three steps',
      'experiment_name: amlops-tests',
      'settings:',
      '  default_compute: azureml:cpu-cluster',
      'jobs:',
      '  prep:',
      step('python prep.py ${{outputs.data}}', '    outputs:\n      data:\n        type: uri_folder\n'),
      '  fit:',
      step(
        'python fit.py ${{inputs.data}} ${{outputs.model}}',
        '    inputs:\n      data: ${{parent.jobs.prep.outputs.data}}\n    outputs:\n      model:\n        type: uri_folder\n',
      ),
      '  score:',
      step('python score.py ${{inputs.model}}', '    inputs:\n      model: ${{parent.jobs.fit.outputs.model}}\n'),
    ].join('\n'),
  );
  fs.writeFileSync(
    path.join(project, 'sweep.yml'),
    [
      'type: sweep',
      'experiment_name: amlops-tests',
      'compute: azureml:cpu-cluster',
      'trial:',
      '  code: src',
      '  command: python trial.py ${{search_space.lr}}',
      '  environment:',
      '    image: python:3.11',
      'sampling_algorithm: grid',
      'search_space:',
      '  lr:',
      '    type: choice',
      '    values: [0.01, 0.1, 0.5]',
      'objective:',
      '  goal: maximize',
      '  primary_metric: accuracy',
      'limits:',
      '  max_total_trials: 3',
      '  max_concurrent_trials: 2',
      '',
    ].join('\n'),
  );
  job('slow', 'python slow.py');
});
afterAll(async () => {
  await emulator?.stop();
});
afterEach(() => expect(emulator.specViolations).toEqual([]));

async function createCluster(name: string): Promise<void> {
  const { info } = emulator;
  const url = `${info.armEndpoint}subscriptions/${info.subscriptionId}/resourceGroups/${info.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/dev/computes/${name}?api-version=2024-10-01`;
  const res = await fetch(url, {
    method: 'PUT',
    headers: { authorization: `Bearer ${emulator.issueAccessToken()}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      location: info.location,
      properties: {
        computeType: 'AmlCompute',
        properties: { vmSize: 'Standard_DS3_v2', scaleSettings: { maxNodeCount: 2 } },
      },
    }),
  });
  expect(res.status).toBeLessThan(300);
}

const where = () => emulatorInputs(emulator);
const secretEnv = () => secretEnvOf(emulator);
const jobRequests = (method: string, what: string) =>
  emulator.requests.filter((r) => r.method === method && r.path.includes(`/${what}/`));

describe('submit-job on GitHub', () => {
  it('streams the logs while the job runs and reports status, metrics and outputs', async () => {
    const run = await runGithubStep('submit-job', { ...where(), file: 'train.yml', name: 'train-1' }, secretEnv(), {
      cwd: project,
      timeoutMs: 90_000,
    });
    expect([run.code, run.annotations]).toEqual([0, []]);
    const out = run.stdout;
    // Streamed, not dumped at the end: the job's lines come before the step saw it complete.
    expect(out.indexOf('epoch 0')).toBeGreaterThan(-1);
    expect(out.indexOf('epoch 0')).toBeLessThan(out.indexOf("Job 'train-1': Completed"));
    expect(out).toContain('training done');
    expect(run.outputs).toMatchObject({ 'job-name': 'train-1', status: 'Completed' });
    expect(JSON.parse(run.outputs.metrics)).toMatchObject({ accuracy: 0.91 });
    expect(JSON.parse(run.outputs.outputs).model).toMatch(/^azureml:\/\//);
    expect(run.summary).toMatch(/accuracy \| 0\.91/);
    expect(run.log).not.toContain(emulator.info.clientSecret);
  }, 120_000);

  it('re-submitting unchanged code uploads nothing and creates no new code version', async () => {
    emulator.clearRequests();
    const run = await runGithubStep('submit-job', { ...where(), file: 'train.yml', name: 'train-2' }, secretEnv(), {
      cwd: project,
      timeoutMs: 90_000,
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('is unchanged: nothing to upload');
    expect(jobRequests('PUT', 'codes')).toEqual([]);
    expect(jobRequests('PUT', 'environments')).toEqual([]);
  }, 120_000);

  it("fails with the job's own error when the job fails", async () => {
    const run = await runGithubStep('submit-job', { ...where(), file: 'fail.yml', name: 'fail-1' }, secretEnv(), {
      cwd: project,
      timeoutMs: 90_000,
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('about to fail');
    const errors = run.annotations.filter((a) => a.kind === 'error').map((a) => a.message);
    expect(errors).toEqual([
      expect.stringMatching(/^submit-job failed: job 'fail-1' failed: .*bad data: column price missing/s),
    ]);
  }, 120_000);

  it('cancels the Azure ML job when the CI run is canceled', async () => {
    const run = await runGithubStep('submit-job', { ...where(), file: 'slow.yml', name: 'slow-1' }, secretEnv(), {
      cwd: project,
      timeoutMs: 60_000,
      onSpawn: (child) => setTimeout(() => child.kill('SIGTERM'), 6000),
    });
    expect(run.code).not.toBe(0);
    expect(jobRequests('POST', 'jobs').some((r) => r.path.endsWith('/jobs/slow-1/cancel'))).toBe(true);
    const deadline = Date.now() + 20_000;
    let status = '';
    while (Date.now() < deadline) {
      const res = await fetch(
        `${emulator.info.armEndpoint}subscriptions/${emulator.info.subscriptionId}/resourceGroups/${emulator.info.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/dev/jobs/slow-1?api-version=2024-10-01`,
        { headers: { authorization: `Bearer ${emulator.issueAccessToken()}` } },
      );
      status = ((await res.json()) as { properties: { status: string } }).properties.status;
      if (status === 'Canceled') break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(status).toBe('Canceled');
  }, 90_000);

  it('runs a three-step pipeline, passing data between steps, each step in its own log group', async () => {
    const run = await runGithubStep('submit-job', { ...where(), file: 'pipeline.yml', name: 'pipe-1' }, secretEnv(), {
      cwd: project,
      timeoutMs: 120_000,
    });
    expect([run.code, run.annotations]).toEqual([0, []]);
    expect(run.outputs.status).toBe('Completed');
    expect(run.stdout).toMatch(/::group::step prep[\s\S]*prepared 2 rows[\s\S]*::endgroup::/);
    expect(run.stdout).toMatch(/::group::step fit[\s\S]*fitted on 2 rows/);
    expect(run.stdout).toMatch(/::group::step score[\s\S]*scored with a model of 2 rows/);
  }, 150_000);

  it('runs a sweep and reports the best trial', async () => {
    const run = await runGithubStep('submit-job', { ...where(), file: 'sweep.yml', name: 'sweep-1' }, secretEnv(), {
      cwd: project,
      timeoutMs: 120_000,
    });
    expect([run.code, run.annotations]).toEqual([0, []]);
    expect(run.outputs.status).toBe('Completed');
    // Grid over [0.01, 0.1, 0.5] with accuracy = 1 - |lr - 0.1|: the 0.1 trial wins with 1.0.
    expect(run.outputs['best-trial']).not.toBe('');
    expect(JSON.parse(run.outputs.metrics)).toEqual({ accuracy: 1 });
  }, 150_000);

  it('rides out throttling and resets during upload and wait', async () => {
    fs.writeFileSync(path.join(project, 'src', 'changed.txt'), `new content ${Date.now()}`);
    emulator.faults.add({ method: 'PUT', path: /\/codes\/[^/]+\/versions\/1$/, fault: { status: 503 } });
    emulator.faults.add({
      method: 'PUT',
      path: /\/jobs\/train-faults$/,
      fault: { status: 429, headers: { 'Retry-After': '1' } },
    });
    emulator.faults.add({ method: 'GET', path: /\/jobs\/train-faults$/, times: 2, fault: { resetConnection: true } });
    emulator.faults.add({ method: 'GET', path: /\/runs\/train-faults\/details$/, times: 2, fault: { status: 503 } });
    const run = await runGithubStep(
      'submit-job',
      { ...where(), file: 'train.yml', name: 'train-faults' },
      secretEnv(),
      {
        cwd: project,
        timeoutMs: 90_000,
      },
    );
    fs.rmSync(path.join(project, 'src', 'changed.txt'));
    expect([run.code, run.annotations]).toEqual([0, []]);
    expect(run.outputs.status).toBe('Completed');
    expect(run.stdout).toContain('training done');
    expect(emulator.faults.pending()).toEqual([]);
  }, 120_000);

  it('names the YAML line of a mistake and submits nothing', async () => {
    fs.writeFileSync(
      path.join(project, 'bad.yml'),
      'command: echo hi\ncode: src\nenvironment: azureml:missing:1\nresources:\n  instance_count: many\n',
    );
    emulator.clearRequests();
    const run = await runGithubStep('submit-job', { ...where(), file: 'bad.yml' }, secretEnv(), { cwd: project });
    expect(run.code).toBe(1);
    expect(run.annotations.map((a) => a.message)).toEqual([
      expect.stringMatching(/^submit-job failed: bad\.yml:5:\d+: /),
    ]);
    expect(emulator.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });
});

describe('submit-job on Azure DevOps', () => {
  it('runs the job and sets the output variables', async () => {
    const { info } = emulator;
    const endpoint = spnEndpointOf(emulator);
    const run = await runAdoTask(
      'submit-job',
      { workspace: 'dev', 'resource-group': info.resourceGroup, file: 'train.yml', name: 'train-ado' },
      endpoint,
      {},
      { cwd: project, timeoutMs: 90_000 },
    );
    expect([run.failed, run.issues.filter((i) => i.type === 'error')]).toEqual([false, []]);
    expect(run.outputs).toMatchObject({ jobName: 'train-ado', status: 'Completed' });
    expect(run.log).toContain('epoch 2');
  }, 120_000);
});
