import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Emulator } from '../../emulator';
import { startTestEmulator } from '../support/emulator';
import { oracleUnavailable, runOracle, SHARED, type OracleRun } from '../support/oracle';
import { bearer, request } from './helpers';

/**
 * Microsoft's own Python client (azure-ai-ml, as Debian packages it) against the emulator: it must
 * read a workspace and create every compute cluster and instance of the azureml-examples corpus.
 */

const COMPUTE_DIR = path.join(SHARED, 'corpus', 'azureml-examples', 'cli', 'resources', 'compute');

const reason = oracleUnavailable();
if (reason) console.warn(`oracle tests skipped: ${reason}`);
const oracleTest = reason ? test.skip : test;

let emulator: Emulator;

beforeAll(async () => {
  if (reason) return;
  emulator = await startTestEmulator({
    azurite: false,
    computeProvisioningMs: 200,
    acceptStaticTokens: ['oracle-token'],
  });
});
afterAll(() => emulator?.stop());

function oracle(workspace: string, ...args: string[]): Promise<OracleRun> {
  return runOracle(emulator.info, { workspace, timeoutMs: 45_000 }, ...args);
}

/** Two at a time: the machines have two cores and each run spends a second importing the SDK. */
async function inPairs<T, R>(items: T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += 2) out.push(...(await Promise.all(items.slice(i, i + 2).map(fn))));
  return out;
}

oracleTest('azure-ai-ml shows workspace dev (api-version 2022-10-01-preview, static token)', async () => {
  const run = await oracle('dev', 'show', 'workspace', 'dev');
  expect(run.stderr).not.toMatch(/Error:/);
  expect(run.code).toBe(0);
  const ws = JSON.parse(run.stdout) as Record<string, unknown>;
  expect(ws).toMatchObject({
    name: 'dev',
    location: emulator.info.location,
    discovery_url: `${emulator.info.authorityHost}/discovery`,
  });
  const get = emulator.requests.find((r) => r.path.endsWith('/workspaces/dev'));
  expect(get?.query['api-version']).toMatch(/^2022-/);
  expect(get?.headers.authorization).toBe('Bearer');
});

const MANAGED = [
  'cluster-basic.yml',
  'cluster-location.yml',
  'cluster-ssh-password.yml',
  'cluster-user-identity.yml',
  'instance-basic.yml',
  'instance-minimal.yml',
  'instance-schedule.yml',
];
const ATTACHED = ['attached-spark-system-identity.yml', 'attached-spark-user-identity.yml', 'vm-attach.yml'];

oracleTest(
  'azure-ai-ml creates every corpus compute cluster and instance; attach-only kinds get a clear 400',
  async () => {
    expect(fs.readdirSync(COMPUTE_DIR).sort()).toEqual([...MANAGED, ...ATTACHED].sort());
    // cluster-basic and cluster-user-identity share the name basic-example: one goes to the other workspace.
    const workspaceFor = (file: string): string => (file === 'cluster-user-identity.yml' ? 'prod' : 'dev');
    const runs = await inPairs([...MANAGED, ...ATTACHED], async (file) => ({
      file,
      run: await oracle(workspaceFor(file), 'create', 'compute', path.join(COMPUTE_DIR, file)),
    }));

    for (const { file, run } of runs.filter((r) => MANAGED.includes(r.file))) {
      expect([file, run.code, run.stderr.includes('Error:') ? run.stderr : '']).toEqual([file, 0, '']);
      const compute = JSON.parse(run.stdout) as { provisioning_state: string; type: string };
      expect([file, compute.provisioning_state]).toEqual([file, 'Succeeded']);
      expect(['amlcompute', 'computeinstance']).toContain(compute.type);
    }
    for (const { file, run } of runs.filter((r) => ATTACHED.includes(r.file))) {
      expect([file, run.code]).toEqual([file, 1]);
      expect(run.stderr).toContain('ComputeTypeNotSupportedByEmulator');
      expect(run.stderr).toContain('not supported by the local Azure ML emulator');
    }

    // What the SDK sent reached the emulator's model intact: location override, admin user, user identity.
    const computes = emulator.requests.filter((r) => r.method === 'PUT' && r.status < 300);
    expect(computes).toHaveLength(MANAGED.length);
    const { info } = emulator;
    const get = async (ws: string, name: string) => {
      const url = `${info.armEndpoint}subscriptions/${info.subscriptionId}/resourceGroups/${info.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${ws}/computes/${name}?api-version=2024-10-01`;
      return (await request(info, 'GET', url, { headers: bearer(emulator.issueAccessToken()) })).json;
    };
    expect((await get('dev', 'location-example')).location).toBe('westus');
    const ssh = await get('dev', 'ssh-example');
    expect(ssh.properties.properties.userAccountCredentials).toEqual({ adminUserName: 'example-user' });
    expect((await get('prod', 'basic-example')).identity).toMatchObject({ type: 'UserAssigned' });
    expect((await get('dev', 'schedule-example-i')).properties.properties.schedules.computeStartStop[0]).toMatchObject({
      action: 'Stop',
      triggerType: 'Cron',
      provisioningStatus: 'Completed',
    });
    expect(emulator.specViolations).toEqual([]);
  },
  60_000,
);
