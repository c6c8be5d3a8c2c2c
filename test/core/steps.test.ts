import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Emulator } from '../../emulator';
import { errorMessage } from '../../shared/errors';
import { runStep } from '../../shared/run-step';
import { emulatorInputs, secretEnvOf } from '../support/connection';
import { startTestEmulator } from '../support/emulator';
import { RecordingHost } from '../support/recording-host';

let emulator: Emulator;
let dir: string;

beforeAll(async () => {
  emulator = await startTestEmulator({ computeProvisioningMs: 300 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-core-'));
});
afterAll(async () => {
  await emulator?.stop();
});
beforeEach(() => {
  emulator.faults.clear();
  emulator.clearRequests();
});
afterEach(() => {
  expect(emulator.specViolations ?? []).toEqual([]);
});

const connection = (extra: Record<string, string> = {}) => ({ ...emulatorInputs(emulator), ...extra });
const secretEnv = (clientId?: string, secret?: string) => secretEnvOf(emulator, clientId, secret);
async function run(step: string, inputs: Record<string, string>, env = secretEnv()) {
  const host = new RecordingHost(inputs, env, dir);
  try {
    await runStep(step, host);
    return { host, error: undefined as string | undefined };
  } catch (err) {
    return { host, error: errorMessage(err) };
  }
}
const arm = () => emulator.requests.filter((r) => r.path.toLowerCase().startsWith('/subscriptions/'));
const writes = () => arm().filter((r) => r.method !== 'GET');
function computeFile(name: string, body: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, body);
  return file;
}

describe('connect', () => {
  it('verifies the workspace, outputs its settings and exports them for later steps', async () => {
    const { host, error } = await run('connect', connection());
    expect(error).toBeUndefined();
    expect(host.outputs).toMatchObject({
      workspace: 'dev',
      'resource-group': emulator.info.resourceGroup,
      'subscription-id': emulator.info.subscriptionId,
      location: emulator.info.location,
    });
    expect(host.outputs['workspace-id']).toMatch(/\/workspaces\/dev$/);
    expect(host.outputs['mlflow-tracking-uri']).not.toBe('');
    expect(host.outputs['studio-url']).toContain(`wsid=${host.outputs['workspace-id']}`);
    expect(host.exported).toMatchObject({ AMLOPS_WORKSPACE: 'dev', AMLOPS_ARM_ENDPOINT: emulator.info.armEndpoint });
    expect(host.summary).toContain('dev');
    expect(host.everything()).not.toContain(emulator.info.clientSecret);
  });

  it('reads the workspace from a per-environment file', async () => {
    const { info } = emulator;
    fs.mkdirSync(path.join(dir, '.cloud'), { recursive: true });
    fs.writeFileSync(
      path.join(dir, '.cloud', 'prod.yml'),
      `subscription_id: ${info.subscriptionId}\nresource_group: ${info.resourceGroup}\nworkspace_name: prod\ncloud: Custom\narm_endpoint: ${info.armEndpoint}\nauthority_host: ${info.authorityHost}\n`,
    );
    const { host, error } = await run('connect', { environment: 'prod' });
    expect(error).toBeUndefined();
    expect(host.outputs.workspace).toBe('prod');
  });

  it('names an unknown workspace clearly', async () => {
    const { error } = await run('connect', connection({ workspace: 'nope' }));
    expect(error).toContain(`workspace 'nope' not found in resource group '${emulator.info.resourceGroup}'`);
  });

  it('explains a missing role (403)', async () => {
    const { error } = await run(
      'connect',
      connection(),
      secretEnv(emulator.info.forbiddenClientId, emulator.info.forbiddenClientSecret),
    );
    expect(error).toMatch(/no permission to access workspace 'dev'/);
    expect(error).toMatch(/Grant the signed-in identity a role/);
  });

  it('reports a wrong client secret as a sign-in failure, without the secret', async () => {
    const { error, host } = await run('connect', connection(), secretEnv(emulator.info.clientId, 'wrong-secret-value'));
    expect(error).toMatch(/could not sign in to Azure/);
    expect(error).not.toContain('wrong-secret-value');
    expect(host.everything()).not.toContain('wrong-secret-value');
  });

  it('says which environment files exist when the named one does not', async () => {
    const { error } = await run('connect', { environment: 'staging' });
    expect(error).toMatch(/--environment: no file \.cloud\/staging\.yml/);
    expect(error).toMatch(/Environments found: .*prod/);
  });

  it('retries throttling and server errors inside its budget', async () => {
    emulator.faults.add({
      method: 'GET',
      path: /\/workspaces\/dev$/,
      times: 1,
      fault: { status: 429, headers: { 'Retry-After': '1' } },
    });
    emulator.faults.add({ method: 'GET', path: /\/workspaces\/dev$/, times: 1, fault: { status: 503 } });
    emulator.faults.add({ method: 'GET', path: /\/workspaces\/dev$/, times: 1, fault: { resetConnection: true } });
    const { error } = await run('connect', connection());
    expect(error).toBeUndefined();
    expect(arm().filter((r) => /\/workspaces\/dev$/.test(r.path)).length).toBeGreaterThanOrEqual(4);
  });

  it('gives up after the retry budget with the service error', async () => {
    emulator.faults.add({ method: 'GET', path: /\/workspaces\/dev$/, times: 20, fault: { status: 503 } });
    const { error } = await run('connect', connection());
    expect(error).toMatch(/503/);
  }, 90_000);
});

describe('ensure-compute', () => {
  const cluster = (name: string, max = 2) =>
    computeFile(
      `${name}.yml`,
      `name: ${name}\ntype: amlcompute\nsize: Standard_DS3_v2\nmin_instances: 0\nmax_instances: ${max}\nidle_time_before_scale_down: 120\n`,
    );

  it('creates a missing cluster and waits for it, then a re-run sends exactly one GET', async () => {
    const file = cluster('cpu-one');
    const first = await run('ensure-compute', connection({ file }));
    expect(first.error).toBeUndefined();
    expect(first.host.outputs).toMatchObject({ name: 'cpu-one', action: 'created', 'provisioning-state': 'Succeeded' });
    expect(writes().map((r) => r.method)).toEqual(['PUT']);
    const put = writes()[0];
    expect(put.body).toMatchObject({
      properties: {
        computeType: 'AmlCompute',
        properties: {
          vmSize: 'Standard_DS3_v2',
          scaleSettings: { minNodeCount: 0, maxNodeCount: 2, nodeIdleTimeBeforeScaleDown: 'PT120S' },
        },
      },
    });
    expect(put.query?.['api-version']).toBe('2024-10-01');

    emulator.clearRequests();
    const again = await run('ensure-compute', connection({ file }));
    expect(again.error).toBeUndefined();
    expect(again.host.outputs.action).toBe('unchanged');
    expect(arm().map((r) => r.method)).toEqual(['GET']);
  });

  it('updates scale settings that drifted, in place', async () => {
    const file = cluster('cpu-drift', 2);
    expect((await run('ensure-compute', connection({ file }))).error).toBeUndefined();
    emulator.clearRequests();
    const updated = await run('ensure-compute', connection({ file, 'max-instances': '5' }));
    expect(updated.error).toBeUndefined();
    expect(updated.host.outputs.action).toBe('updated');
    expect(writes().map((r) => r.method)).toEqual(['PATCH']);
    expect(writes()[0].body).toEqual({
      properties: {
        properties: { scaleSettings: { minNodeCount: 0, maxNodeCount: 5, nodeIdleTimeBeforeScaleDown: 'PT120S' } },
      },
    });
    const check = await run('ensure-compute', connection({ file, 'max-instances': '5' }));
    expect(check.host.outputs.action).toBe('unchanged');
  });

  it('warns about drift it cannot fix and never recreates', async () => {
    const file = cluster('cpu-size');
    expect((await run('ensure-compute', connection({ file }))).error).toBeUndefined();
    emulator.clearRequests();
    const res = await run('ensure-compute', connection({ file, size: 'Standard_NC6' }));
    expect(res.error).toBeUndefined();
    expect(res.host.warnings.map((w) => w.message).join('\n')).toMatch(/size is Standard_DS3_v2, wanted Standard_NC6/);
    expect(writes()).toEqual([]);
  });

  it('refuses a compute of another type under the same name', async () => {
    const file = cluster('cpu-kind');
    expect((await run('ensure-compute', connection({ file }))).error).toBeUndefined();
    const res = await run('ensure-compute', connection({ name: 'cpu-kind', type: 'computeinstance' }));
    expect(res.error).toMatch(/already exists as a AmlCompute, not a ComputeInstance/);
  });

  it('creates a compute instance from inputs alone', async () => {
    const res = await run(
      'ensure-compute',
      connection({ name: 'ci-alice', type: 'computeinstance', size: 'Standard_DS11_v2' }),
    );
    expect(res.error).toBeUndefined();
    expect(res.host.outputs).toMatchObject({ action: 'created', 'provisioning-state': 'Succeeded' });
  });

  it('rejects an invalid compute name before touching Azure', async () => {
    const res = await run('ensure-compute', connection({ name: '9-lives' }));
    expect(res.error).toBe("--name: compute name '9-lives' must start with a letter");
    expect(emulator.requests).toEqual([]);
  });

  it('names the YAML line of a mistake and creates nothing', async () => {
    const file = computeFile('bad.yml', 'name: cpu-bad\ntype: amlcompute\nmax_instances: -1\n');
    const res = await run('ensure-compute', connection({ file }));
    expect(res.error).toMatch(/bad\.yml:3:\d+: 'max_instances' must be a whole number of at least 1/);
    expect(emulator.requests).toEqual([]);
  });

  it('creates nothing in an unknown workspace', async () => {
    const res = await run('ensure-compute', connection({ workspace: 'ghost', file: cluster('cpu-ghost') }));
    expect(res.error).toMatch(/workspace 'ghost' not found/);
    expect(writes()).toEqual([]);
  });

  it("fails with Azure's reason when provisioning fails", async () => {
    emulator.faults.add({ method: 'PUT', path: /computes\/cpu-fails$/, fault: { lroFails: true } });
    const res = await run('ensure-compute', connection({ file: cluster('cpu-fails') }));
    expect(res.error).toMatch(/compute 'cpu-fails' failed/);
  });

  it('survives throttling and a reset while creating', async () => {
    emulator.faults.add({
      method: 'PUT',
      path: /computes\/cpu-flaky$/,
      fault: { status: 429, headers: { 'Retry-After': '1' } },
    });
    emulator.faults.add({ method: 'GET', path: /computes\/cpu-flaky$/, fault: { resetConnection: true } });
    const res = await run('ensure-compute', connection({ file: cluster('cpu-flaky') }));
    expect(res.error).toBeUndefined();
    expect(res.host.outputs.action).toBe('created');
  });

  it('masks the SSH admin password from the compute YAML', async () => {
    const file = computeFile(
      'ssh.yml',
      'name: cpu-ssh\ntype: amlcompute\nssh_settings:\n  admin_username: azureuser\n  admin_password: Canary-Pa55-7731\n',
    );
    const res = await run('ensure-compute', connection({ file }));
    expect(res.error).toBeUndefined();
    expect(res.host.everything()).not.toContain('Canary-Pa55-7731');
  });
});
