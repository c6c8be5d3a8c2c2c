import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Emulator } from '../../emulator';
import { CanceledError, errorMessage } from '../../shared/errors';
import { runStep } from '../../shared/run-step';
import type { ProfileReport } from '../../shared/aml/profile/report';
import { emulatorInputs, secretEnvOf } from '../support/connection';
import { startTestEmulator } from '../support/emulator';
import { RecordingHost } from '../support/recording-host';
import { armRequest } from './arm-helper';

/**
 * profile against the emulator's online endpoints, whose instance types differ in worker count
 * (emulator/serving/instance-types.ts: Standard_DS1_v2 1 worker, DS2_v2 2, DS3_v2 4). The scoring
 * script sleeps 1 s per request, so at 2 concurrent requests every answer but the first takes 2 s
 * on DS1_v2 (each waits for the other), and about 1 s plus overhead on DS2_v2 and DS3_v2. The
 * 1.6 s goal is at least 400 ms from both sides, and sleeping needs no CPU, so a loaded machine
 * does not move the decision.
 */
let emulator: Emulator;
let project: string;

beforeAll(async () => {
  emulator = await startTestEmulator({ onlineProvisioningMs: 100 });
  project = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-profile-'));
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(project, file)), { recursive: true });
    fs.writeFileSync(path.join(project, file), text);
  };
  write(
    'score/score.py',
    [
      'import json, time',
      'def init():',
      '    pass',
      'def run(raw_data):',
      '    time.sleep(1.0)',
      '    return {"rows": len(json.loads(raw_data)["data"])}',
      '',
    ].join('\n'),
  );
  // The model does not fit into DS1_v2's 3.5 GB (the emulator limits each replica's address space).
  write(
    'big/score.py',
    [
      'import resource',
      'def init():',
      '    soft, _ = resource.getrlimit(resource.RLIMIT_AS)',
      '    if soft != resource.RLIM_INFINITY and soft < 5 * 1024 ** 3:',
      '        raise MemoryError("the model needs 5 GB of memory")',
      'def run(raw_data):',
      '    return {"ok": True}',
      '',
    ].join('\n'),
  );
  const deployment = (code: string) =>
    [
      '$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json',
      'name: blue',
      'endpoint_name: my-endpoint',
      'code_configuration:',
      `  code: ${code}`,
      '  scoring_script: score.py',
      'environment:',
      '  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest',
      'instance_type: Standard_DS3_v2',
      'instance_count: 1',
      '',
    ].join('\n');
  write('deployment.yml', deployment('score'));
  write('big-deployment.yml', deployment('big'));
  write('payloads/one.json', '{"data": [[1, 2, 3, 4]]}');
  write('payloads/two.json', '{"data": [[5, 6, 7, 8], [1, 1, 1, 1]]}');
}, 120_000);

afterAll(async () => {
  await emulator?.stop();
});

const inputs = (extra: Record<string, string>) => ({
  ...emulatorInputs(emulator),
  'deployment-file': 'deployment.yml',
  payloads: 'payloads/*.json',
  candidates: 'Standard_DS1_v2, Standard_DS2_v2, Standard_DS3_v2',
  'goal-p95-ms': '1600',
  'goal-rps': '0.25',
  'max-error-rate': '1',
  concurrency: '2, 4',
  duration: '4s',
  'warm-up': '2s',
  'max-requests': '1000',
  ...extra,
});

const hostFor = (extra: Record<string, string>) => new RecordingHost(inputs(extra), secretEnvOf(emulator), project);

async function endpointsInWorkspace(): Promise<string[]> {
  const list = await armRequest<{ value: { name: string }[] }>(emulator, 'GET', '/onlineEndpoints');
  return list.value.map((e) => e.name);
}

test('the smallest misses the latency goal, the middle one is recommended, the largest loses on price; everything temporary is deleted', async () => {
  const host = hostFor({ endpoint: 'prof-main', 'report-file': 'out/profile.json' });
  const outputs = await runStep('profile', host);

  expect(outputs['recommended-instance-type']).toBe('Standard_DS2_v2');
  expect(outputs['recommended-instance-count']).toBe('1');
  const report = JSON.parse(outputs.results) as ProfileReport;
  const [small, middle, large] = report.candidates;
  expect([small.verdict, middle.verdict, large.verdict]).toEqual(['misses-goal', 'recommended', 'meets-goal']);
  expect(small.shortfalls).toEqual(['latency']);
  expect(small.reason).toMatch(/p95 latency [\d.]+ ms exceeds the goal of 1600 ms at concurrency 2/);
  expect(large.shortfalls).toEqual(['price']);
  expect(large.reason).toMatch(/costs \$0\.293\/h, more than Standard_DS2_v2 at \$0\.146\/h/);
  for (const c of report.candidates) {
    expect(c.levels.map((l) => l.concurrency)).toEqual([2, 4]);
    expect(c.levels.every((l) => l.errorRate === 0 && l.requests > 0)).toBe(true);
  }
  expect(JSON.parse(fs.readFileSync(path.join(project, 'out/profile.json'), 'utf8'))).toEqual(report);

  // The summary: verdicts, measurements and the latency chart.
  expect(host.summary).toContain('**Recommended: `Standard_DS2_v2` × 1** at $0.146/h');
  expect(host.summary).toContain('xychart-beta');
  expect(host.summary).toMatch(/\| Standard_DS1_v2 \| \$0\.073 \| ❌ misses-goal \| p95 latency/);
  // Progress lines, and never the endpoint key.
  expect(host.lines.some((l) => /\[2\/3\] Standard_DS2_v2: concurrency 2: [\d.]+ rps, p50/.test(l))).toBe(true);
  const keys = await armRequest<{ primaryKey: string }>(emulator, 'POST', '/onlineEndpoints/prof-main/listKeys').catch(
    () => undefined,
  );
  expect(keys).toBeUndefined(); // the endpoint the step created is gone, with its deployments
  expect(await endpointsInWorkspace()).not.toContain('prof-main');
  expect(host.everything()).not.toMatch(/Bearer [A-Za-z0-9]/);
}, 240_000);

test('a candidate whose init() raises is reported, not fatal', async () => {
  const host = hostFor({
    endpoint: 'prof-init',
    'deployment-file': 'big-deployment.yml',
    candidates: 'Standard_DS1_v2, Standard_DS2_v2',
    concurrency: '1',
    duration: '1s',
    'warm-up': '0',
    'goal-rps': '',
  });
  const outputs = await runStep('profile', host);
  const report = JSON.parse(outputs.results) as ProfileReport;
  expect(report.candidates[0].verdict).toBe('failed');
  expect(report.candidates[0].reason).toMatch(/deployment failed/);
  expect(report.candidates[0].reason + host.warnings.map((w) => w.message).join('\n')).toMatch(/5 GB of memory/);
  expect(outputs['recommended-instance-type']).toBe('Standard_DS2_v2');
  expect(host.summary).toMatch(/\| Standard_DS1_v2 \| \$0\.073 \| 💥 failed \| deployment failed/);
  expect(await endpointsInWorkspace()).not.toContain('prof-init');
}, 240_000);

test('canceled mid-run: no temporary deployment is left, and an existing endpoint is kept as it was', async () => {
  await armRequest(emulator, 'PUT', '/onlineEndpoints/prof-existing', {
    location: 'westeurope',
    properties: { authMode: 'Key' },
  });
  await waitForEndpoint('prof-existing');
  const host = hostFor({ endpoint: 'prof-existing', duration: '5m', 'max-requests': '1000000' });
  const run = runStep('profile', host);
  await until(() => host.lines.some((l) => /warming up/.test(l)));
  host.cancel();
  await expect(run).rejects.toBeInstanceOf(CanceledError);
  const deployments = await armRequest<{ value: unknown[] }>(
    emulator,
    'GET',
    '/onlineEndpoints/prof-existing/deployments',
  );
  expect(deployments.value).toEqual([]);
  expect(await endpointsInWorkspace()).toContain('prof-existing');
}, 240_000);

test.each([
  [
    { payloads: 'payloads/one.json\npayloads/missing.json' },
    /--payloads names a file that does not exist or cannot be read: payloads[/\\]missing\.json/,
  ],
  [
    { candidates: 'Standard_DS2_v2, Standard_Tiny_v9' },
    /--candidates names 'Standard_Tiny_v9', an instance type not in the price table/,
  ],
  [{ 'goal-p95-ms': '-100' }, /--goal-p95-ms must be a positive number, got -100/],
])('bad input %o: one clear error, nothing created', async (extra, message) => {
  const before = await endpointsInWorkspace();
  const host = hostFor({ endpoint: 'prof-bad', ...extra });
  const error = await runStep('profile', host).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(errorMessage(error)).toMatch(message);
  expect(errorMessage(error)).not.toMatch(/\n\s+at /);
  expect(await endpointsInWorkspace()).toEqual(before);
});

async function waitForEndpoint(name: string): Promise<void> {
  await until(async () => {
    const e = await armRequest<{ properties: { provisioningState: string } }>(
      emulator,
      'GET',
      `/onlineEndpoints/${name}`,
    );
    return e.properties.provisioningState === 'Succeeded';
  });
}

async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  for (;;) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
