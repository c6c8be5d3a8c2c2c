import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Emulator } from '../../emulator';
import { testedNodes } from '../faces/child';
import { runAdoTask } from '../faces/run-ado';
import { runGithubStep } from '../faces/run-github';
import { emulatorInputs, secretEnvOf, spnEndpointOf } from '../support/connection';
import { startTestEmulator } from '../support/emulator';
import { createBatchCluster, fileWriter } from './support';

/**
 * deploy-batch through the real faces, on the machine's Node and on Node 24 (GitHub's runtime):
 * the GitHub bundle deploys and test-scores, the Azure DevOps task deploys and refuses a bad file.
 */
let emulator: Emulator;
let dir: string;

beforeAll(async () => {
  emulator = await startTestEmulator({ computeProvisioningMs: 20, lroRetryAfterSeconds: 0 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-batch-faces-'));
  const write = fileWriter(dir);
  write('model/factor.txt', '2\n');
  write(
    'src/score.py',
    [
      'import os',
      'def init():',
      '    global factor',
      '    factor = int(open(os.path.join(os.environ["AZUREML_MODEL_DIR"], "factor.txt")).read())',
      'def run(mini_batch):',
      '    return [f"{os.path.basename(f)},{int(open(f).read()) * factor}" for f in mini_batch]',
      '',
    ].join('\n'),
  );
  write('data/a.txt', '21\n');
  write('endpoint.yml', 'name: face-scorer\nauth_mode: aad_token\n');
  const deployment = [
    'name: doubler',
    'model:',
    '  path: model',
    'code_configuration:',
    '  code: src',
    '  scoring_script: score.py',
    'environment:',
    '  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest',
    'compute: azureml:cpu',
    'settings:',
    '  mini_batch_size: 1',
    '',
  ].join('\n');
  write('deployment.yml', deployment);
  write('bad.yml', deployment.replace('  mini_batch_size: 1', '  mini_batch_size: 0'));
  await createBatchCluster(emulator, 'cpu');
}, 60_000);
afterAll(async () => {
  await emulator?.stop();
});
afterEach(() => expect(emulator.specViolations).toEqual([]));

/** Anything that looks like a bearer token (JWT) or the client secret. */
const secretsIn = (text: string): string[] =>
  [...text.matchAll(/eyJ[\w-]{10,}\.[\w-]{10,}/g)]
    .map((m) => m[0])
    .concat(text.includes(emulator.info.clientSecret) ? ['client secret'] : []);

describe.each(testedNodes)('deploy-batch as a GitHub Action (node %s)', (node) => {
  it('deploys, scores the test input and shows the predictions; keys and tokens stay out of the log', async () => {
    const endpoint = `gh-${node}`;
    const inputs = {
      ...emulatorInputs(emulator),
      'endpoint-file': 'endpoint.yml',
      'deployment-file': 'deployment.yml',
      'endpoint-name': endpoint,
      'test-input': 'data',
    };
    const run = await runGithubStep('deploy-batch', inputs, secretEnvOf(emulator), {
      cwd: dir,
      node,
      timeoutMs: 120_000,
    });
    expect([run.code, run.annotations]).toEqual([0, []]);
    expect(run.outputs).toMatchObject({ endpoint, deployment: 'doubler' });
    expect(run.outputs['scoring-uri']).toMatch(new RegExp(`/_batch/dev/${endpoint}/jobs$`));
    expect(run.outputs['test-job-name']).toMatch(/^batchjob-/);
    expect(run.outputs['test-output']).toMatch(/predictions\.csv$/);
    expect(run.log).toContain('a.txt,42');
    expect(run.summary).toContain('a.txt,42');
    expect(secretsIn(run.log + run.summary)).toEqual([]);
  }, 180_000);
});

describe.each(testedNodes)('deploy-batch as an Azure DevOps task (node %s)', (node) => {
  it('deploys with a service connection; a bad deployment file fails with file:line and creates nothing', async () => {
    const endpoint = `ado-${node}`;
    const where: Record<string, string> = { ...emulatorInputs(emulator) };
    delete where.cloud;
    const inputs = {
      ...where,
      'endpoint-file': 'endpoint.yml',
      'deployment-file': 'deployment.yml',
      'endpoint-name': endpoint,
    };
    const run = await runAdoTask(
      'deploy-batch',
      inputs,
      spnEndpointOf(emulator),
      {},
      { cwd: dir, node, timeoutMs: 120_000 },
    );
    expect(run.issues.filter((i) => i.type === 'error')).toEqual([]);
    expect(run.outputs).toMatchObject({ endpoint, deployment: 'doubler' });
    expect(run.outputs.scoringUri).toMatch(new RegExp(`/_batch/dev/${endpoint}/jobs$`));
    expect(secretsIn(run.log)).toEqual([]);

    emulator.clearRequests();
    const bad = await runAdoTask(
      'deploy-batch',
      { ...inputs, 'endpoint-name': `${endpoint}-bad`, 'deployment-file': 'bad.yml' },
      spnEndpointOf(emulator),
      {},
      { cwd: dir, node, timeoutMs: 60_000 },
    );
    expect(bad.code).not.toBe(0);
    expect(bad.issues.map((i) => i.message).join('\n')).toMatch(/bad\.yml:\d+:\d+: 'mini_batch_size' .* at least 1/);
    expect(bad.stdout).not.toMatch(/\n\s+at /);
    expect(emulator.requests.filter((r) => r.method === 'PUT')).toEqual([]);
  }, 180_000);
});
