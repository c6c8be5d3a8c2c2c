import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Emulator } from '../../emulator';
import { errorMessage } from '../../shared/errors';
import { runStep } from '../../shared/run-step';
import { emulatorInputs, secretEnvOf } from '../support/connection';
import { startTestEmulator } from '../support/emulator';
import { RecordingHost } from '../support/recording-host';

/**
 * The name inputs of submit-job are plain text, whatever YAML would make of them; `set` keeps
 * az ml's --set meaning (each value read as YAML).
 */
let emulator: Emulator;
let project: string;

beforeAll(async () => {
  emulator = await startTestEmulator({ jobStatusDelayMs: 20, computeProvisioningMs: 20 });
  project = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-submit-inputs-'));
  fs.writeFileSync(
    path.join(project, 'job.yml'),
    ['command: echo ${{inputs.epochs}}', 'environment:', '  image: python:3.11', 'inputs:', '  epochs: 1', ''].join(
      '\n',
    ),
  );
}, 60_000);

afterAll(async () => {
  await emulator?.stop();
  if (project) fs.rmSync(project, { recursive: true, force: true });
});

async function submit(inputs: Record<string, string>): Promise<{ host: RecordingHost; error?: string }> {
  const host = new RecordingHost(
    { ...emulatorInputs(emulator), file: 'job.yml', wait: 'false', ...inputs },
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

const jobPut = (name: string) =>
  emulator.requests.find((r) => r.method === 'PUT' && r.path.endsWith(`/jobs/${name}`))?.body as {
    properties: Record<string, any>;
  };

test('display and experiment names are taken as written, not read as YAML', async () => {
  const { host, error } = await submit({
    name: 'literal-names',
    'display-name': 'broken: no epochs',
    'experiment-name': '1.10',
  });
  expect(error).toBeUndefined();
  expect(host.outputs['job-name']).toBe('literal-names');
  const body = jobPut('literal-names');
  expect(body.properties.displayName).toBe('broken: no epochs');
  expect(body.properties.experimentName).toBe('1.10');
}, 60_000);

test('set values keep az ml --set semantics: read as YAML', async () => {
  const { error } = await submit({ name: 'set-yaml', set: 'tags=[a]' });
  // A YAML list is not a tags mapping; the message names the --set line.
  expect(error).toMatch(/--set tags=\[a\]/);
  const ok = await submit({ name: 'set-yaml', set: 'tags={team: vision, n: 3}\ndisplay_name=from set' });
  expect(ok.error).toBeUndefined();
  const body = jobPut('set-yaml');
  expect(body.properties.tags).toEqual({ team: 'vision', n: '3' });
  expect(body.properties.displayName).toBe('from set');
}, 60_000);

test('a name input overrides the same field given with set, and a mistake in it names the input', async () => {
  const { error } = await submit({ name: 'input-wins', set: 'display_name=from set', 'display-name': 'from input' });
  expect(error).toBeUndefined();
  expect(jobPut('input-wins').properties.displayName).toBe('from input');
  const bad = await submit({ name: 'bad-compute', compute: 'azureml:' });
  expect(bad.error).toMatch(/input 'compute'/);
  expect(jobPut('bad-compute')).toBeUndefined();
}, 60_000);
