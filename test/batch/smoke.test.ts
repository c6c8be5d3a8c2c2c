import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Emulator } from '../../emulator';
import { runBatchSmokeCases } from '../../shared/aml/smoke/batch';
import type { SmokeCase } from '../../shared/aml/smoke/types';
import { resolveContext } from '../../shared/aml/context';
import { deployBatch } from '../../shared/declarations/deploy-batch';
import { Inputs } from '../../shared/inputs';
import { runStep } from '../../shared/run-step';
import { emulatorInputs, secretEnvOf } from '../support/connection';
import { startTestEmulator } from '../support/emulator';
import { RecordingHost } from '../support/recording-host';
import { createBatchCluster, fileWriter } from './support';

/**
 * Batch smoke cases against a deployment that really scores on the emulator: each case invokes
 * the endpoint, waits for the scoring job and checks its predictions file.
 */
let emulator: Emulator;
let project: string;

beforeAll(async () => {
  emulator = await startTestEmulator({ computeProvisioningMs: 20, lroRetryAfterSeconds: 0 });
  project = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-batch-smoke-'));
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
      '    out = []',
      '    for f in mini_batch:',
      '        values = [int(v) for v in open(f).read().split()]',
      '        out.append(json.dumps({"file": os.path.basename(f), "scores": [v + offset for v in values]}))',
      '    return out',
      '',
    ].join('\n'),
  );
  write('cases/one.txt', '1\n2\n');
  write('bad/oops.txt', 'not-a-number\n');
  write('endpoint.yml', 'name: smoke-scorer\nauth_mode: aad_token\n');
  write(
    'deployment.yml',
    [
      'name: plus-hundred',
      'endpoint_name: smoke-scorer',
      'model:',
      '  path: model',
      'code_configuration:',
      '  code: src',
      '  scoring_script: score.py',
      'environment:',
      '  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest',
      'compute: azureml:cpu',
      'settings:',
      '  output_action: append_row',
      '  error_threshold: 0',
      '  retry_settings:',
      '    max_retries: 0',
      '',
    ].join('\n'),
  );
  await createBatchCluster(emulator, 'cpu');
  await runStep('deploy-batch', host({ 'endpoint-file': 'endpoint.yml', 'deployment-file': 'deployment.yml' }));
}, 120_000);
afterAll(async () => {
  await emulator?.stop();
});
afterEach(() => expect(emulator.specViolations).toEqual([]));

function host(inputs: Record<string, string> = {}): RecordingHost {
  return new RecordingHost({ ...emulatorInputs(emulator), ...inputs }, secretEnvOf(emulator), project);
}

const smokeCase = (name: string, input: string | undefined, expect: Partial<SmokeCase['expect']>): SmokeCase => ({
  name,
  source: `cases.yaml (${name})`,
  input,
  headers: {},
  expect: { status: 200, ...expect },
});

test('cases pass and fail on what the scoring job wrote, each with its reason', async () => {
  const h = host();
  const ctx = resolveContext(new Inputs(deployBatch, h), h);
  const results = await runBatchSmokeCases(
    ctx,
    h,
    { endpoint: 'smoke-scorer', deployment: 'plus-hundred' },
    [
      smokeCase('json subset', 'cases/one.txt', { json: { file: 'one.txt', scores: [101, 102] } }),
      smokeCase('regex', 'cases', { regex: '"scores": \\[101, 102\\]' }),
      smokeCase('wrong expectation', 'cases/one.txt', { json: { scores: [1, 2] } }),
      smokeCase('scoring fails', 'bad', { regex: '.' }),
      smokeCase('missing input', 'nowhere.txt', {}),
      smokeCase('no input', undefined, {}),
    ],
    { timeoutMs: 120_000 },
  );
  const byName = Object.fromEntries(results.map((r) => [r.name, r]));
  expect(byName['json subset']).toMatchObject({ passed: true, jobStatus: 'Completed', reasons: [] });
  expect(byName['json subset'].jobName).toMatch(/^batchjob-/);
  expect(byName['json subset'].excerpt).toContain('"scores": [101, 102]');
  expect(byName['regex']).toMatchObject({ passed: true, reasons: [] });
  expect(byName['wrong expectation'].passed).toBe(false);
  expect(byName['wrong expectation'].reasons).toEqual(['$.scores[0] is 101, expected 1']);
  expect(byName['scoring fails']).toMatchObject({ passed: false, jobStatus: 'Failed' });
  expect(byName['scoring fails'].reasons[0]).toMatch(/^scoring job 'batchjob-[^']+' ended Failed: .*ValueError/s);
  expect(byName['missing input']).toMatchObject({ passed: false });
  expect(byName['missing input'].reasons).toEqual([expect.stringContaining('input nowhere.txt does not exist')]);
  expect(byName['no input'].reasons).toEqual([expect.stringContaining("a batch case needs 'input'")]);
  // The latency of a batch case is the scoring job's whole run.
  expect(byName['json subset'].latencyMs).toBeGreaterThan(0);
}, 300_000);
