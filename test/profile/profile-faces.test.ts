import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Emulator } from '../../emulator';
import { emulatorInputs, secretEnvOf, spnEndpointOf } from '../support/connection';
import { startTestEmulator } from '../support/emulator';
import { runAdoTask } from '../faces/run-ado';
import { runGithubStep } from '../faces/run-github';

/**
 * profile through the bundles users run (they carry autocannon inside: the bundles run with no
 * node_modules): one short run per face, one candidate, against the emulator.
 */
let emulator: Emulator;
let project: string;

beforeAll(async () => {
  emulator = await startTestEmulator({ onlineProvisioningMs: 100 });
  project = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-profile-faces-'));
  fs.mkdirSync(path.join(project, 'score'));
  fs.writeFileSync(
    path.join(project, 'score', 'score.py'),
    'def init():\n    pass\ndef run(raw_data):\n    return {"ok": True}\n',
  );
  fs.writeFileSync(path.join(project, 'request.json'), '{"data": [[1, 2]]}');
}, 120_000);

afterAll(async () => {
  await emulator?.stop();
});

const stepInputs = {
  model: '',
  'code-path': 'score',
  'scoring-script': 'score.py',
  'scoring-environment': 'azureml:AzureML-sklearn-1.0-ubuntu20.04-py38-cpu@latest',
  payloads: 'request.json',
  candidates: 'Standard_F2s_v2',
  'goal-p95-ms': '5000',
  concurrency: '2',
  duration: '1s',
  'warm-up': '0',
};

test('GitHub: recommends the candidate, sets the outputs and writes the summary', async () => {
  const run = await runGithubStep(
    'profile',
    { ...emulatorInputs(emulator), ...stepInputs, endpoint: 'prof-github' },
    secretEnvOf(emulator),
    { cwd: project, timeoutMs: 180_000 },
  );
  expect([run.code, run.annotations.filter((a) => a.kind === 'error')]).toEqual([0, []]);
  expect(run.outputs['recommended-instance-type']).toBe('Standard_F2s_v2');
  expect(run.outputs['recommended-instance-count']).toBe('1');
  expect(JSON.parse(run.outputs.results).candidates[0].levels[0].requests).toBeGreaterThan(0);
  expect(run.summary).toContain('xychart-beta');
  expect(run.log).toMatch(/\[1\/1\] Standard_F2s_v2: concurrency 2: [\d.]+ rps/);
}, 200_000);

test('Azure DevOps: recommends the candidate and sets the output variables', async () => {
  const { info } = emulator;
  const run = await runAdoTask(
    'profile',
    {
      workspace: 'dev',
      'resource-group': info.resourceGroup,
      ...stepInputs,
      endpoint: 'prof-ado',
    },
    spnEndpointOf(emulator),
    {},
    { cwd: project, timeoutMs: 180_000 },
  );
  expect([run.failed, run.issues.filter((i) => i.type === 'error')]).toEqual([false, []]);
  expect(run.outputs).toMatchObject({ recommendedInstanceType: 'Standard_F2s_v2', recommendedInstanceCount: '1' });
}, 200_000);
