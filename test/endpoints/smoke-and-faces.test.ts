import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Emulator } from '../../emulator';
import { testedNodes } from '../faces/child';
import { runAdoTask } from '../faces/run-ado';
import { runGithubStep } from '../faces/run-github';
import { emulatorInputs, secretEnvOf, spnEndpointOf } from '../support/connection';
import { startTestEmulator } from '../support/emulator';
import { runInProcess } from '../models/support';
import { endpointNow, listKeys, writeProject } from './support';

/**
 * The smoke-test step on its own (whole endpoint, one deployment, failing cases) and both steps
 * through the real faces: the GitHub bundle on GitHub's Node and the Azure DevOps task. Endpoints
 * with Azure ML token and Entra token auth are deployed from inputs alone (no YAML).
 */

let emulator: Emulator;
let project: string;

beforeAll(async () => {
  emulator = await startTestEmulator({
    onlineProvisioningMs: 100,
    computeProvisioningMs: 100,
    lroRetryAfterSeconds: 0,
  });
  project = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-smoke-'));
  writeProject(project);
  fs.writeFileSync(path.join(project, 'request.json'), '{"data": [4, 5]}');
  fs.writeFileSync(
    path.join(project, 'wrong.yml'),
    [
      '- name: right',
      '  request: request.json',
      '  expect: {json: {sum: 9}}',
      '- name: wrong',
      '  body: {"data": [1]}',
      '  expect: {json: {sum: 2}}',
      '',
    ].join('\n'),
  );
}, 60_000);

afterAll(async () => {
  await emulator?.stop();
  if (project) fs.rmSync(project, { recursive: true, force: true });
});

const fromInputs = (endpoint: string, authMode: string) => ({
  'endpoint-name': endpoint,
  'deployment-name': 'blue',
  'auth-mode': authMode,
  model: 'model',
  'code-path': 'src/v1',
  'scoring-script': 'score.py',
  'deployment-environment': 'mcr.microsoft.com/azureml/minimal-ubuntu22.04-py39-cpu-inference:latest',
  'instance-type': 'Standard_DS2_v2',
  'smoke-cases': 'smoke.yml',
  timeout: '2m',
});

test.each([
  ['aml_token', 'AMLToken'],
  ['aad_token', 'AADToken'],
])(
  'an endpoint with auth %s deployed from inputs alone, smoke-tested with its token',
  async (mode, rest) => {
    const name = `tok-${mode.replace('_', '')}`;
    const { host, error } = await runInProcess(emulator, project, 'deploy-online', fromInputs(name, mode));
    expect(error).toBeUndefined();
    expect(host.outputs).toMatchObject({ action: 'created', traffic: '{"blue":100}' });
    expect((await endpointNow(emulator, 'dev', name)).properties.authMode).toBe(rest);
    const smoke = await runInProcess(emulator, project, 'smoke-test', {
      endpoint: name,
      'request-file': 'request.json',
      'expect-json': '{"version": "v1", "sum": 9}',
      'max-latency': '5s',
    });
    expect(smoke.error).toBeUndefined();
    expect(smoke.host.outputs).toMatchObject({ passed: '1', failed: '0' });
    // Tokens are JWTs: none may reach the log, the summary or the outputs.
    expect(host.everything() + smoke.host.everything()).not.toMatch(/eyJ[\w-]{10,}\.[\w-]{10,}/);
  },
  120_000,
);

test('failing cases fail the step with each reason; one deployment is reached through the header', async () => {
  await runInProcess(emulator, project, 'deploy-online', fromInputs('smoky', 'key'));
  const failing = await runInProcess(emulator, project, 'smoke-test', { endpoint: 'smoky', cases: 'wrong.yml' });
  expect(failing.error).toBe('1 of 2 smoke case(s) failed:\nwrong (wrong.yml:4): $.sum is 1, expected 2');
  expect(failing.host.outputs).toMatchObject({ passed: '1', failed: '1' });
  expect(failing.host.summary).toMatch(/\| right \| ✅ passed \| 200 \|/);
  expect(failing.host.summary).toMatch(/\| wrong \| ❌ failed \| 200 \| .* \| \$\.sum is 1, expected 2 \|/);
  const missing = await runInProcess(emulator, project, 'smoke-test', {
    endpoint: 'smoky',
    deployment: 'nosuch',
    'request-file': 'request.json',
  });
  expect(missing.error).toMatch(
    /request\.json \(--request-file\): status 404, expected 200: .*Specified deployment \[nosuch\] does not exist/,
  );
  const key = await listKeys(emulator, 'dev', 'smoky');
  expect(failing.host.everything() + missing.host.everything()).not.toContain(key);
}, 120_000);

test('bad inputs: one message, nothing sent', async () => {
  const none = await runInProcess(emulator, project, 'smoke-test', { endpoint: 'smoky' });
  expect(none.error).toBe('nothing to test: give --cases or --request-file');
  const json = await runInProcess(emulator, project, 'smoke-test', {
    endpoint: 'smoky',
    'request-file': 'request.json',
    'expect-json': '{sum: 9',
  });
  expect(json.error).toMatch(/^--expect-json is not valid JSON/);
});

const node = testedNodes[testedNodes.length - 1];

test(`GitHub Action (node ${node}): deploy-online rolls green out on blue, smoke-test checks it; the key is never printed`, async () => {
  const inputs = { ...emulatorInputs(emulator), ...fromInputs('gh-ep', 'key') };
  const env = secretEnvOf(emulator);
  const first = await runGithubStep('deploy-online', inputs, env, { cwd: project, node, timeoutMs: 120_000 });
  expect([first.code, first.annotations.filter((a) => a.kind === 'error')]).toEqual([0, []]);
  const green = await runGithubStep(
    'deploy-online',
    { ...inputs, 'deployment-name': 'green', 'code-path': 'src/v2', 'step-wait': '200ms' },
    env,
    { cwd: project, node, timeoutMs: 120_000 },
  );
  expect(green.code).toBe(0);
  expect(green.outputs).toMatchObject({
    action: 'rolled-out',
    traffic: '{"green":100}',
    'previous-traffic': '{"blue":100}',
  });
  expect(green.summary).toContain('| traffic 10% | blue 90%, green 10% | ✅');
  const smoke = await runGithubStep(
    'smoke-test',
    { ...emulatorInputs(emulator), endpoint: 'gh-ep', cases: 'wrong.yml' },
    env,
    { cwd: project, node, timeoutMs: 60_000 },
  );
  expect(smoke.code).not.toBe(0);
  expect(smoke.annotations.map((a) => a.message).join('\n')).toContain('wrong (wrong.yml:4): $.sum is 1, expected 2');
  const key = await listKeys(emulator, 'dev', 'gh-ep');
  for (const run of [first, green, smoke]) {
    expect(run.log + run.summary + JSON.stringify(run.outputs)).not.toContain(key);
  }
}, 300_000);

test('Azure DevOps tasks: deploy-online re-run changes nothing; smoke-test passes', async () => {
  const where: Record<string, string> = { ...emulatorInputs(emulator), ...fromInputs('smoky', 'key') };
  delete where.cloud;
  const again = await runAdoTask(
    'deploy-online',
    where,
    spnEndpointOf(emulator),
    {},
    { cwd: project, timeoutMs: 120_000 },
  );
  expect(again.issues.filter((i) => i.type === 'error')).toEqual([]);
  expect(again.outputs).toMatchObject({ action: 'unchanged', traffic: '{"blue":100}' });
  const smoke: Record<string, string> = {
    ...emulatorInputs(emulator),
    endpoint: 'smoky',
    deployment: 'blue',
    cases: 'smoke.yml',
  };
  delete smoke.cloud;
  const ok = await runAdoTask('smoke-test', smoke, spnEndpointOf(emulator), {}, { cwd: project, timeoutMs: 60_000 });
  expect(ok.issues.filter((i) => i.type === 'error')).toEqual([]);
  expect(ok.outputs).toMatchObject({ passed: '1', failed: '0' });
  const key = await listKeys(emulator, 'dev', 'smoky');
  expect(again.log + ok.log).not.toContain(key);
}, 300_000);
