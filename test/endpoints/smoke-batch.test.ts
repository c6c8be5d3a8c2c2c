import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Emulator } from '../../emulator';
import { startTestEmulator } from '../support/emulator';
import { runInProcess } from '../models/support';
import { createBatchCluster, fileWriter } from '../batch/support';

/** smoke-test with endpoint-type batch: each case invokes the endpoint and checks the scoring job's output. */
let emulator: Emulator;
let project: string;

beforeAll(async () => {
  emulator = await startTestEmulator({ computeProvisioningMs: 20, lroRetryAfterSeconds: 0 });
  project = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-smoke-batch-'));
  const write = fileWriter(project);
  write('model/offset.txt', '100\n');
  write(
    'src/score.py',
    [
      'import json, os',
      'def init():',
      '    global offset',
      '    offset = int(open(os.path.join(os.environ["AZUREML_MODEL_DIR"], "offset.txt")).read())',
      'def run(mini_batch):',
      '    return [json.dumps({"scores": [int(v) + offset for v in open(f).read().split()]}) for f in mini_batch]',
      '',
    ].join('\n'),
  );
  write('data/one.txt', '1\n2\n');
  write('endpoint.yml', 'name: scorer\nauth_mode: aad_token\n');
  write(
    'deployment.yml',
    'name: plus-hundred\nendpoint_name: scorer\nmodel:\n  path: model\ncode_configuration:\n  code: src\n  scoring_script: score.py\nenvironment:\n  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest\ncompute: azureml:cpu\nsettings:\n  output_action: append_row\n',
  );
  write(
    'cases.yml',
    'cases:\n  - name: adds the offset\n    input: data/one.txt\n    expect: {json: {scores: [101, 102]}}\n  - name: wrong\n    input: data\n    expect: {regex: "999"}\n',
  );
  await createBatchCluster(emulator, 'cpu');
  const deployed = await runInProcess(emulator, project, 'deploy-batch', {
    'endpoint-file': 'endpoint.yml',
    'deployment-file': 'deployment.yml',
  });
  expect(deployed.error).toBeUndefined();
}, 180_000);

afterAll(async () => {
  await emulator?.stop();
  if (project) fs.rmSync(project, { recursive: true, force: true });
});

test('batch cases: the scoring job output is checked; a failing case names its reason', async () => {
  const { host, error } = await runInProcess(emulator, project, 'smoke-test', {
    endpoint: 'scorer',
    'endpoint-type': 'batch',
    cases: 'cases.yml',
    timeout: '3m',
  });
  expect(error).toBe(
    '1 of 2 smoke case(s) failed:\nwrong (cases.yml:5): the answer does not match /999/: {"scores": [101, 102]}',
  );
  expect(host.outputs).toMatchObject({ passed: '1', failed: '1' });
  expect(host.summary).toMatch(/\| adds the offset \| ✅ passed \| batchjob-[^|]+ \| Completed \|/);
  const single = await runInProcess(emulator, project, 'smoke-test', {
    endpoint: 'scorer',
    'endpoint-type': 'batch',
    deployment: 'plus-hundred',
    'batch-input': 'data/one.txt',
    'expect-json': '{"scores": [101, 102]}',
    timeout: '3m',
  });
  expect(single.error).toBeUndefined();
  expect(single.host.outputs).toMatchObject({ passed: '1', failed: '0' });
}, 300_000);
