import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Emulator } from '../../emulator';
import { startTestEmulator } from '../support/emulator';
import { runInProcess } from '../models/support';
import { deploymentNow, endpointNow, listKeys, startLoad, writeProject } from './support';
import { emulatorInputs, secretEnvOf } from '../support/connection';
import { RecordingHost } from '../support/recording-host';
import { runStep } from '../../shared/run-step';
import { errorMessage } from '../../shared/errors';

/**
 * deploy-online end to end on the emulator, whose deployments really run the scoring scripts:
 * a first deployment, a re-run that changes nothing, canary rollouts under live load (a good one
 * and one whose run() fails), a deployment whose init() fails, and a cancel mid-rollout.
 */

let emulator: Emulator;
let project: string;
const secrets: string[] = [];

const QUICK = { 'smoke-cases': 'smoke.yml', 'step-wait': '300ms', 'request-timeout': '10s', timeout: '2m' };

beforeAll(async () => {
  emulator = await startTestEmulator({
    onlineProvisioningMs: 100,
    computeProvisioningMs: 100,
    lroRetryAfterSeconds: 0,
  });
  project = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-deploy-online-'));
  writeProject(project);
}, 60_000);

afterAll(async () => {
  await emulator?.stop();
  if (project) fs.rmSync(project, { recursive: true, force: true });
});

const deploy = (inputs: Record<string, string>) =>
  runInProcess(emulator, project, 'deploy-online', { 'endpoint-file': 'endpoint.yml', ...QUICK, ...inputs });

const traffic = async (endpoint = 'churn') => (await endpointNow(emulator, 'dev', endpoint))?.properties.traffic;

function expectNoSecrets(host: RecordingHost): void {
  const shown = host.everything();
  for (const s of secrets) expect(shown).not.toContain(s);
}

test('first deployment: endpoint created, blue smoke-tested alone, then 100% at once', async () => {
  const { host, error } = await deploy({ 'deployment-file': 'blue.yml' });
  expect(error).toBeUndefined();
  expect(host.outputs).toMatchObject({
    endpoint: 'churn',
    deployment: 'blue',
    action: 'created',
    traffic: '{"blue":100}',
    'previous-traffic': '{}',
  });
  expect(host.outputs['scoring-uri']).toMatch(/\/_online\/dev\/churn\/score$/);
  expect(await traffic()).toEqual({ blue: 100 });
  expect(host.summary).toMatch(/\| smoke test \| none \| ✅ 1\/1 passed \|/);
  expect(host.summary).toMatch(/\| traffic 100% \| blue 100% \| first deployment \|/);
  secrets.push(await listKeys(emulator, 'dev', 'churn'));
  expectNoSecrets(host);
}, 120_000);

test('a re-run with nothing changed sends no PUT and leaves traffic and the action unchanged', async () => {
  const before = emulator.requests.length;
  const modified = (await deploymentNow(emulator, 'dev', 'churn', 'blue')).systemData.lastModifiedAt;
  const { host, error } = await deploy({ 'deployment-file': 'blue.yml' });
  expect(error).toBeUndefined();
  expect(host.outputs).toMatchObject({ action: 'unchanged', traffic: '{"blue":100}' });
  const writes = emulator.requests
    .slice(before)
    .filter((r) => r.method !== 'GET' && /onlineEndpoints|\/codes\/|\/models\/|\/environments\//.test(r.path));
  expect(writes.map((r) => `${r.method} ${r.path}`)).toEqual([]);
  expect((await deploymentNow(emulator, 'dev', 'churn', 'blue')).systemData.lastModifiedAt).toBe(modified);
  expect(await traffic()).toEqual({ blue: 100 });
}, 120_000);

test('blue -> green canary under load: mirror, then 10, 50, 100 with health windows, no failed request, blue deleted', async () => {
  const endpoint = await endpointNow(emulator, 'dev', 'churn');
  const load = startLoad(endpoint.properties.scoringUri, secrets[0]);
  const { host, error } = await deploy({
    'deployment-file': 'green.yml',
    'delete-old': 'true',
    'mirror-percent': '20',
    'mirror-duration': '300ms',
  });
  const live = await load.stop();
  expect(error).toBeUndefined();
  expect(live.requests).toBeGreaterThan(20);
  expect({ non2xx: live.non2xx, errors: live.errors }).toEqual({ non2xx: 0, errors: 0 });
  expect(host.outputs).toMatchObject({
    action: 'rolled-out',
    traffic: '{"green":100}',
    'previous-traffic': '{"blue":100}',
  });
  const steps = host.summary.split('\n').filter((l) => l.startsWith('| traffic'));
  expect(steps.map((l) => l.split('|')[2].trim())).toEqual([
    'blue 90%, green 10%',
    'blue 50%, green 50%',
    'green 100%',
  ]);
  // Mirrored first (live traffic copied to green, answers dropped), then the mirror is cleared.
  expect(host.summary).toMatch(/\| mirror 20% \| blue 100% \| ✅ \d+\/\d+ ok \|/);
  expect((await endpointNow(emulator, 'dev', 'churn')).properties.mirrorTraffic ?? {}).toEqual({});
  expect(await traffic()).toEqual({ green: 100 });
  expect(await deploymentNow(emulator, 'dev', 'churn', 'blue')).toBeUndefined();
  expectNoSecrets(host);
}, 180_000);

test('a deployment whose run() fails is caught by the smoke test and rolled back under load: no failed live request', async () => {
  const endpoint = await endpointNow(emulator, 'dev', 'churn');
  const load = startLoad(endpoint.properties.scoringUri, secrets[0]);
  const { host, error } = await deploy({ 'deployment-file': 'bad-run.yml' });
  const live = await load.stop();
  expect(live.requests).toBeGreaterThan(5);
  expect({ non2xx: live.non2xx, errors: live.errors }).toEqual({ non2xx: 0, errors: 0 });
  expect(error).toMatch(
    /rollout of 'bad-run' failed and was rolled back \(traffic restored to green 100%, deployment 'bad-run' deleted\)/,
  );
  expect(error).toMatch(/sums \(smoke\.yml:2\): status 500, expected 200/);
  expect(host.outputs).toMatchObject({ action: 'rolled-back', traffic: '{"green":100}' });
  expect(await traffic()).toEqual({ green: 100 });
  expect(await deploymentNow(emulator, 'dev', 'churn', 'bad-run')).toBeUndefined();
  expectNoSecrets(host);
}, 180_000);

test('a deployment that passes the smoke test but fails in the health window is rolled back from 10%', async () => {
  const { host, error } = await deploy({ 'deployment-file': 'degrades.yml' });
  expect(error).toMatch(
    /rollout of 'degrades' failed and was rolled back \(traffic restored to green 100%, deployment 'degrades' deleted\): deployment 'degrades' was unhealthy at 10% of traffic: \d+ of \d+ requests failed/,
  );
  const rows = host.summary.split('\n').filter((l) => /^\| (smoke test|traffic|rolled back)/.test(l));
  expect(
    rows.map((l) =>
      l
        .split('|')
        .slice(1, 3)
        .map((c) => c.trim()),
    ),
  ).toEqual([
    ['smoke test', 'green 100%'],
    ['traffic 10%', 'green 90%, degrades 10%'],
    ['rolled back', 'green 100%'],
  ]);
  expect(await traffic()).toEqual({ green: 100 });
  expect(await deploymentNow(emulator, 'dev', 'churn', 'degrades')).toBeUndefined();
}, 180_000);

test('a deployment whose init() fails ends Failed: its log is printed, it is deleted, traffic untouched', async () => {
  const { host, error } = await deploy({ 'deployment-file': 'bad-init.yml' });
  expect(error).toMatch(/deployment 'bad-init' did not provision \(Failed\)/);
  expect(host.lines.join('\n')).toMatch(/RuntimeError: cannot load the model: weights are corrupt/);
  expect(host.outputs).toMatchObject({ action: 'rolled-back', traffic: '{"green":100}' });
  expect(await traffic()).toEqual({ green: 100 });
  expect(await deploymentNow(emulator, 'dev', 'churn', 'bad-init')).toBeUndefined();
}, 180_000);

test('canceling mid-rollout restores the previous split exactly', async () => {
  const host = new RecordingHost(
    {
      ...emulatorInputs(emulator),
      'endpoint-file': 'endpoint.yml',
      'deployment-file': 'blue.yml',
      ...QUICK,
      'step-wait': '60s',
    },
    secretEnvOf(emulator),
    project,
  );
  const running = runStep('deploy-online', host).then(
    () => undefined,
    (err: unknown) => err,
  );
  for (let i = 0; i < 600 && !((await traffic())?.blue > 0); i++) await new Promise((r) => setTimeout(r, 100));
  expect(await traffic()).toEqual({ green: 90, blue: 10 });
  host.cancel();
  const err = await running;
  expect(errorMessage(err)).toMatch(/cancel/i);
  expect(await traffic()).toEqual({ green: 100 });
  expect(await deploymentNow(emulator, 'dev', 'churn', 'blue')).toBeUndefined();
}, 180_000);

test('mistakes are refused before Azure is touched', async () => {
  const before = emulator.requests.length;
  const bad = await deploy({ 'deployment-file': 'green.yml', 'traffic-steps': '50,10' });
  expect(bad.error).toMatch(/--traffic-steps must increase, but 10 follows 50/);
  const none = await runInProcess(emulator, project, 'deploy-online', { 'deployment-name': 'x1y' });
  expect(none.error).toMatch(/--instance-type is required without a deployment file/);
  expect(emulator.requests.slice(before).filter((r) => r.path.includes('/onlineEndpoints'))).toEqual([]);
}, 60_000);
