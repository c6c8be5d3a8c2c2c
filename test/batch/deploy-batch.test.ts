import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Emulator } from '../../emulator';
import { errorMessage } from '../../shared/errors';
import { runStep } from '../../shared/run-step';
import { emulatorInputs, secretEnvOf } from '../support/connection';
import { startTestEmulator } from '../support/emulator';
import { RecordingHost } from '../support/recording-host';
import { createBatchCluster, fileWriter, workspaceArm } from './support';

/**
 * deploy-batch as a user runs it: az ml endpoint and deployment YAML from a repository, a local
 * model and scoring script, against the emulator, which really scores the test input.
 */
let emulator: Emulator;
let project: string;

beforeAll(async () => {
  emulator = await startTestEmulator({ computeProvisioningMs: 100, lroRetryAfterSeconds: 0 });
  project = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-batch-'));
  const write = fileWriter(project);
  // The "model" multiplies by a factor kept in its folder.
  write('model/factor.txt', '3\n');
  write(
    'src/score.py',
    [
      'import os',
      'def init():',
      '    global factor',
      '    factor = int(open(os.path.join(os.environ["AZUREML_MODEL_DIR"], "factor.txt")).read())',
      'def run(mini_batch):',
      '    rows = []',
      '    for f in mini_batch:',
      '        for line in open(f).read().split():',
      '            if line == "boom":',
      '                raise ValueError(f"cannot score {os.path.basename(f)}")',
      '            rows.append(f"{os.path.basename(f)},{int(line) * factor}")',
      '    return rows',
      '',
    ].join('\n'),
  );
  write('data/a.txt', '1\n2\n');
  write('data/b.txt', '10\n');
  write('data/c.txt', '7\n');
  write('bad-data/x.txt', 'boom\n');
  write(
    'endpoint.yml',
    '$schema: https://azuremlschemas.azureedge.net/latest/batchEndpoint.schema.json\nname: scorer\nauth_mode: aad_token\n',
  );
  const deployment = (name: string, extra = '') =>
    [
      '$schema: https://azuremlschemas.azureedge.net/latest/modelBatchDeployment.schema.json',
      `name: ${name}`,
      'endpoint_name: scorer',
      'type: model',
      'model:',
      '  path: model',
      'code_configuration:',
      '  code: src',
      '  scoring_script: score.py',
      'environment:',
      '  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest',
      'compute: azureml:batch-cluster',
      'resources:',
      '  instance_count: 1',
      'settings:',
      '  mini_batch_size: 2',
      '  output_action: append_row',
      '  output_file_name: predictions.csv',
      '  retry_settings:',
      '    max_retries: 1',
      '    timeout: 30',
      extra,
    ].join('\n');
  write('deployment.yml', deployment('times-three', '  error_threshold: 0\n'));
  write('bad.yml', deployment('broken').replace('  mini_batch_size: 2', '  mini_batch_size: two'));
  await createBatchCluster(emulator, 'batch-cluster', { maxNodeCount: 2 });
});
afterAll(async () => {
  await emulator?.stop();
});
afterEach(() => expect(emulator.specViolations).toEqual([]));

async function run(inputs: Record<string, string>) {
  const host = new RecordingHost({ ...emulatorInputs(emulator), ...inputs }, secretEnvOf(emulator), project);
  try {
    await runStep('deploy-batch', host);
    return { host, error: undefined as string | undefined };
  } catch (err) {
    return { host, error: errorMessage(err) };
  }
}

const batchWrites = () =>
  emulator.requests.filter((r) => /batchEndpoints/i.test(r.path) && ['PUT', 'PATCH', 'DELETE'].includes(r.method));

test('deploys a model from YAML, makes it the default and scores the test input', async () => {
  const { host, error } = await run({
    'endpoint-file': 'endpoint.yml',
    'deployment-file': 'deployment.yml',
    'test-input': 'data',
  });
  expect(error).toBeUndefined();
  expect(host.outputs.endpoint).toBe('scorer');
  expect(host.outputs.deployment).toBe('times-three');
  expect(host.outputs['scoring-uri']).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/_batch\/dev\/scorer\/jobs$/);
  expect(host.outputs['test-job-name']).toMatch(/^batchjob-/);
  expect(host.outputs['test-output']).toMatch(/predictions\.csv$/);
  // Every input line, scored by the model (x3), in file order.
  expect(host.lines.join('\n')).toContain('a.txt,3\na.txt,6\nb.txt,30\nc.txt,21');
  expect(host.summary).toContain('b.txt,30');

  const endpoint = await arm('GET', 'batchEndpoints/scorer');
  expect(endpoint.properties.defaults.deploymentName).toBe('times-three');
  const deployment = await arm('GET', 'batchEndpoints/scorer/deployments/times-three');
  expect(deployment.properties).toMatchObject({
    miniBatchSize: 2,
    outputAction: 'AppendRow',
    errorThreshold: 0,
    retrySettings: { maxRetries: 1, timeout: 'PT30S' },
    codeConfiguration: { scoringScript: 'score.py' },
    provisioningState: 'Succeeded',
  });
  // The scoring job is an ordinary workspace job.
  const job = await arm('GET', `jobs/${host.outputs['test-job-name']}`);
  expect(job.properties).toMatchObject({ jobType: 'Pipeline', status: 'Completed', experimentName: 'scorer' });
});

test('a re-run changes nothing', async () => {
  emulator.clearRequests();
  const { host, error } = await run({ 'endpoint-file': 'endpoint.yml', 'deployment-file': 'deployment.yml' });
  expect(error).toBeUndefined();
  expect(batchWrites()).toEqual([]);
  expect(emulator.requests.filter((r) => r.method === 'PUT')).toEqual([]);
  expect(host.lines.join('\n')).toContain('Nothing to change');
});

test('a scoring script that fails past the error threshold fails the job and the step with its message', async () => {
  const { host, error } = await run({
    'endpoint-file': 'endpoint.yml',
    'deployment-file': 'deployment.yml',
    'test-input': 'bad-data',
  });
  expect(error).toMatch(/test job 'batchjob-[^']+' of deployment 'times-three' failed/);
  expect(error).toContain('ValueError: cannot score x.txt');
  expect(error).toContain('error threshold');
  const job = await arm('GET', `jobs/${host.outputs['test-job-name']}`);
  expect(job.properties.status).toBe('Failed');
});

test('bad YAML names file:line and creates nothing', async () => {
  emulator.clearRequests();
  const { error } = await run({ 'endpoint-file': 'endpoint.yml', 'deployment-file': 'bad.yml' });
  expect(error).toMatch(/^bad\.yml:\d+:\d+: 'mini_batch_size' .* must be a whole number/);
  expect(emulator.requests).toEqual([]);
});

const arm = async (method: string, sub: string): Promise<any> =>
  (await workspaceArm(emulator, 'dev', method, sub)).json;

test('a pipeline component deployment runs the component on the invocation input', async () => {
  const { info } = emulator;
  const componentUrl = `${info.armEndpoint}subscriptions/${info.subscriptionId}/resourceGroups/${info.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/dev/components/count_lines/versions/1?api-version=2024-10-01`;
  const put = await fetch(componentUrl, {
    method: 'PUT',
    headers: { authorization: `Bearer ${emulator.issueAccessToken()}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      properties: {
        componentSpec: {
          name: 'count_lines',
          version: '1',
          type: 'pipeline',
          inputs: { input_data: { type: 'uri_folder' } },
          outputs: { counts: { type: 'uri_folder' } },
          jobs: {
            count: {
              type: 'command',
              command: 'cat ${{inputs.data}}/*.txt | wc -l > ${{outputs.counts}}/lines.txt',
              environment: 'azureml:AzureML-sklearn-1.0-ubuntu20.04-py38-cpu@latest',
              inputs: { data: { job_input_type: 'literal', value: '${{parent.inputs.input_data}}' } },
              outputs: { counts: { type: 'uri_folder', uri: '${{parent.outputs.counts}}' } },
            },
          },
        },
      },
    }),
  });
  expect(put.status).toBeLessThan(300);
  fs.writeFileSync(
    path.join(project, 'pipeline-deployment.yml'),
    [
      '$schema: https://azuremlschemas.azureedge.net/latest/pipelineComponentBatchDeployment.schema.json',
      'name: count-lines',
      'endpoint_name: scorer',
      'type: pipeline',
      'component: azureml:count_lines@latest',
      'settings:',
      '  continue_on_step_failure: false',
      '  default_compute: batch-cluster',
      '',
    ].join('\n'),
  );
  const { host, error } = await run({
    'endpoint-file': 'endpoint.yml',
    'deployment-file': 'pipeline-deployment.yml',
    'test-input': 'data',
  });
  expect(error).toBeUndefined();
  expect(host.outputs['test-output']).toMatch(/lines\.txt$/);
  expect(host.lines.join('\n')).toMatch(/\n\s*4\s*(\n|$)/);
  const deployment = await arm('GET', 'batchEndpoints/scorer/deployments/count-lines');
  expect(deployment.properties.deploymentConfiguration).toMatchObject({
    deploymentConfigurationType: 'PipelineComponent',
    componentId: { referenceType: 'Id', assetId: expect.stringMatching(/\/components\/count_lines\/versions\/1$/) },
    settings: { continue_on_step_failure: 'false', default_compute: 'batch-cluster' },
  });
  // The new deployment became the default; the model deployment stays.
  const endpoint = await arm('GET', 'batchEndpoints/scorer');
  expect(endpoint.properties.defaults.deploymentName).toBe('count-lines');
});

test("a deployment from an existing pipeline job (job_definition) runs that job's steps on the invocation input", async () => {
  // The pipeline job the previous test's invocation ran stands for a job that ran successfully.
  const jobs = emulator.requests.filter((r) => r.method === 'GET' && /\/jobs\/batchjob-[^/]+$/.test(r.path));
  const source = jobs[jobs.length - 1].path.replace(/^.*\/jobs\//, '');
  fs.writeFileSync(
    path.join(project, 'from-job.yml'),
    [
      '$schema: https://azuremlschemas.azureedge.net/latest/pipelineComponentBatchDeployment.schema.json',
      'name: from-job',
      'endpoint_name: scorer',
      'type: pipeline',
      `job_definition: azureml:${source}`,
      'settings:',
      '  default_compute: batch-cluster',
      '',
    ].join('\n'),
  );
  const { host, error } = await run({
    'endpoint-file': 'endpoint.yml',
    'deployment-file': 'from-job.yml',
    'test-input': 'data',
  });
  expect(error).toBeUndefined();
  expect(host.lines.join('\n')).toMatch(/\n\s*4\s*(\n|$)/);
  const deployment = await arm('GET', 'batchEndpoints/scorer/deployments/from-job');
  const componentPath = deployment.properties.deploymentConfiguration.componentId.assetId.replace(
    /^.*\/workspaces\/dev\//,
    '',
  );
  const component = await arm('GET', componentPath);
  expect(component.properties).toMatchObject({
    isAnonymous: true,
    componentSpec: { type: 'pipeline', sourceJobId: source },
  });
});
