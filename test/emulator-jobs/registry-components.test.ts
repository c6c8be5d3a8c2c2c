import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Emulator } from '../../emulator';
import { errorMessage } from '../../shared/errors';
import { runStep } from '../../shared/run-step';
import { emulatorInputs, secretEnvOf } from '../support/connection';
import { startTestEmulator } from '../support/emulator';
import { bearer, request } from '../emulator/helpers';
import { RecordingHost } from '../support/recording-host';
import { Workspace } from './helpers';

/**
 * A pipeline whose step names a component of the registry (azureml://registries/<r>/components/...)
 * that uses a registry environment: submit-job passes the references through as az ml does, and
 * the emulator resolves both and runs the step. Registry components and environments are served
 * by their ARM routes (validated against the spec after each test).
 */

let emulator: Emulator;
let ws: Workspace;
let project: string;
let registry: string;

async function registryArm(method: string, below: string, body?: unknown) {
  const i = emulator.info;
  const url = `${i.armEndpoint.replace(/\/$/, '')}/subscriptions/${i.subscriptionId}/resourceGroups/${i.resourceGroup}/providers/Microsoft.MachineLearningServices/registries/${registry}/${below}?api-version=2024-10-01`;
  return request(i, method, url, { headers: bearer(emulator.issueAccessToken()), body });
}

beforeAll(async () => {
  emulator = await startTestEmulator({ jobStatusDelayMs: 20, computeProvisioningMs: 20 });
  registry = emulator.info.registry;
  ws = new Workspace(emulator);
  await ws.createCompute();
  project = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-registry-components-'));
  const env = await registryArm('PUT', 'environments/python/versions/1', {
    properties: { image: 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest' },
  });
  expect(env.status).toBe(201);
  for (const [version, word] of [
    ['1', 'old'],
    ['2', 'hello'],
  ]) {
    const res = await registryArm('PUT', `components/greet/versions/${version}`, {
      properties: {
        componentSpec: {
          name: 'greet',
          version,
          type: 'command',
          inputs: { who: { type: 'string' } },
          outputs: { out: { type: 'uri_folder' } },
          command: `echo "${word} \${{inputs.who}}" | tee \${{outputs.out}}/greeting.txt`,
          environment: `azureml://registries/${registry}/environments/python/versions/1`,
        },
      },
    });
    expect(res.status).toBe(201);
  }
  const pipeline = (component: string) =>
    [
      'type: pipeline',
      'settings: { default_compute: azureml:cpu-cluster }',
      'jobs:',
      '  greet:',
      `    component: ${component}`,
      '    inputs: { who: registry }',
      '',
    ].join('\n');
  fs.writeFileSync(
    path.join(project, 'latest.yml'),
    pipeline(`azureml://registries/${registry}/components/greet/labels/latest`),
  );
  fs.writeFileSync(
    path.join(project, 'version.yml'),
    pipeline(`azureml://registries/${registry}/components/greet/versions/1`),
  );
  fs.writeFileSync(
    path.join(project, 'missing.yml'),
    pipeline(`azureml://registries/${registry}/components/nobody/versions/1`),
  );
}, 60_000);

afterEach(() => expect(emulator.specViolations).toEqual([]));

afterAll(async () => {
  await emulator?.stop();
  if (project) fs.rmSync(project, { recursive: true, force: true });
});

async function submit(file: string): Promise<{ host: RecordingHost; error?: string }> {
  const host = new RecordingHost(
    { ...emulatorInputs(emulator), file, wait: 'true', timeout: '120' },
    secretEnvOf(emulator),
    project,
  );
  try {
    await runStep('submit-job', host);
    return { host };
  } catch (err) {
    return { host, error: errorMessage(err) };
  }
}

async function stepLog(jobName: string): Promise<string> {
  const children = (await ws.history(`runs/${jobName}/children`)).json.value as { runId: string }[];
  return ws.logText(children[0].runId);
}

test('a registry component by label runs its latest version, by version that version', async () => {
  const latest = await submit('latest.yml');
  expect(latest.error).toBeUndefined();
  expect(latest.host.outputs.status).toBe('Completed');
  const job = await ws.waitForJob(latest.host.outputs['job-name']);
  expect(job.properties.jobs.greet).toMatchObject({
    componentId: `azureml://registries/${registry}/components/greet/labels/latest`,
    _source: 'REMOTE.REGISTRY',
  });
  expect(await stepLog(latest.host.outputs['job-name'])).toMatch(/^hello registry$/m);

  const pinned = await submit('version.yml');
  expect(pinned.error).toBeUndefined();
  expect(await stepLog(pinned.host.outputs['job-name'])).toMatch(/^old registry$/m);
}, 120_000);

test('a registry component that does not exist fails the step with its reference', async () => {
  const { error } = await submit('missing.yml');
  expect(error).toMatch(/components\/nobody\/versions\/1 does not exist in the registry/);
}, 60_000);

test('registry components and environments are listed and read as ARM resources; versions are immutable', async () => {
  const list = await registryArm('GET', 'components');
  expect(list.json.value.map((c: { name: string }) => c.name)).toEqual(['greet']);
  expect((await registryArm('GET', 'components/greet')).json.properties.latestVersion).toBe('2');
  const versions = await registryArm('GET', 'components/greet/versions');
  expect(versions.json.value.map((v: { name: string }) => v.name)).toEqual(['2', '1']);
  expect((await registryArm('GET', 'environments/python/versions/1')).status).toBe(200);
  expect((await registryArm('GET', 'environments/nothing')).status).toBe(404);
  const changed = await registryArm('PUT', 'environments/python/versions/1', {
    properties: { image: 'python:3.12' },
  });
  expect(changed.status).toBe(409);
  expect(changed.json.error.message).toMatch(/registry versions cannot be changed/);
});
