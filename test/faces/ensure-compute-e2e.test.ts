import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Emulator } from '../../emulator';
import { emulatorInputs, secretEnvOf, spnEndpointOf } from '../support/connection';
import { startTestEmulator } from '../support/emulator';
import { testedNodes } from './child';
import { runAdoTask, type TestEndpoint } from './run-ado';
import { runCli } from './run-cli';
import { runGithubStep } from './run-github';

/**
 * ensure-compute as users run it, on every face and both Node versions, against the emulator:
 * create, idempotent re-run, one clear error for a bad file, and federated sign-in that outlives
 * the ID token during a long provisioning wait.
 */
let emulator: Emulator;
let project: string;
const SSH_CANARY = 'Canary-Ssh-Pa55-90210';

beforeAll(async () => {
  emulator = await startTestEmulator({ computeProvisioningMs: 400 });
  project = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-ec-'));
  fs.mkdirSync(path.join(project, '.cloud', 'compute'), { recursive: true });
  fs.writeFileSync(
    path.join(project, '.cloud', 'compute', 'bad.yml'),
    'name: cpu-bad\ntype: amlcompute\nmin_instances: 3\nmax_instances: two\n',
  );
});
afterAll(async () => {
  await emulator?.stop();
});
afterEach(() => expect(emulator.specViolations).toEqual([]));

function clusterFile(name: string): string {
  const rel = `.cloud/compute/${name}.yml`;
  fs.writeFileSync(
    path.join(project, rel),
    `name: ${name}\ntype: amlcompute\nsize: Standard_DS3_v2\nmax_instances: 2\nssh_settings:\n  admin_username: azureuser\n  admin_password: ${SSH_CANARY}\n`,
  );
  return rel;
}
const where = (e = emulator) => emulatorInputs(e);
const secretEnv = (e = emulator) => secretEnvOf(e);
const armCalls = (e = emulator) => e.requests.filter((r) => r.path.toLowerCase().startsWith('/subscriptions/'));
const noStack = (text: string) => expect(text).not.toMatch(/^\s+at .+\(.+:\d+:\d+\)$/m);
const spnEndpoint = (e = emulator): TestEndpoint => spnEndpointOf(e);

describe.each(testedNodes)('ensure-compute on every face (node %s)', (node) => {
  it('GitHub: creates the cluster, then a re-run changes nothing and sends one GET', async () => {
    const file = clusterFile(`gh-${node}`.slice(0, 16));
    const first = await runGithubStep('ensure-compute', { ...where(), file }, secretEnv(), { node, cwd: project });
    expect([first.code, first.annotations]).toEqual([0, []]);
    expect(first.outputs).toMatchObject({ action: 'created', 'provisioning-state': 'Succeeded' });
    expect(first.summary).toContain('created');
    emulator.clearRequests();
    const again = await runGithubStep('ensure-compute', { ...where(), file }, secretEnv(), { node, cwd: project });
    expect(again.code).toBe(0);
    expect(again.outputs.action).toBe('unchanged');
    expect(armCalls().map((r) => r.method)).toEqual(['GET']);
    for (const run of [first, again]) {
      expect(run.log).not.toContain(SSH_CANARY);
      expect(run.log).not.toContain(emulator.info.clientSecret);
      expect(JSON.stringify(run.outputs) + run.summary + JSON.stringify(run.env)).not.toContain(SSH_CANARY);
    }
  });

  it('GitHub: a bad compute YAML fails once with file:line, creates nothing, prints no stack', async () => {
    emulator.clearRequests();
    const run = await runGithubStep('ensure-compute', { ...where(), file: '.cloud/compute/bad.yml' }, secretEnv(), {
      node,
      cwd: project,
    });
    expect(run.code).toBe(1);
    expect(run.annotations.filter((a) => a.kind === 'error').map((a) => a.message)).toEqual([
      expect.stringMatching(
        /^ensure-compute failed: \.cloud\/compute\/bad\.yml:4:\d+: 'max_instances' must be a whole number/,
      ),
    ]);
    noStack(run.stdout + run.stderr);
    expect(emulator.requests).toEqual([]);
  });

  it('Azure DevOps: creates with a service principal connection and re-runs idempotently', async () => {
    const file = clusterFile(`ado-${node}`.slice(0, 16));
    const inputs = { workspace: 'dev', 'resource-group': emulator.info.resourceGroup, file };
    const first = await runAdoTask('ensure-compute', inputs, spnEndpoint(), {}, { node, cwd: project });
    expect([first.failed, first.issues.filter((i) => i.type === 'error')]).toEqual([false, []]);
    expect(first.outputs).toMatchObject({ action: 'created', provisioningState: 'Succeeded' });
    emulator.clearRequests();
    const again = await runAdoTask('ensure-compute', inputs, spnEndpoint(), {}, { node, cwd: project });
    expect(again.outputs.action).toBe('unchanged');
    expect(armCalls().map((r) => r.method)).toEqual(['GET']);
    for (const run of [first, again]) {
      expect(run.log).not.toContain(emulator.info.clientSecret);
      expect(run.log).not.toContain(SSH_CANARY);
    }
  });

  it('Azure DevOps: an invalid compute name fails the task with one message', async () => {
    emulator.clearRequests();
    const run = await runAdoTask(
      'ensure-compute',
      { workspace: 'dev', 'resource-group': emulator.info.resourceGroup, name: 'x_1' },
      spnEndpoint(),
      {},
      { node, cwd: project },
    );
    expect(run.failed).toBe(true);
    expect(run.log).toContain(
      "ensure-compute failed: input 'name': compute name 'x_1' may contain only letters, digits and hyphens",
    );
    noStack(run.log);
    expect(armCalls()).toEqual([]);
  });

  it('CLI: creates from inputs and prints the outputs as JSON', async () => {
    const name = `cli-${node}`.slice(0, 16);
    const args = Object.entries({ ...where(), name, 'max-instances': '3' }).flatMap(([k, v]) => [`--${k}`, v]);
    const run = await runCli(['ensure-compute', ...args], secretEnv(), { node });
    expect(run.code).toBe(0);
    expect(run.json).toMatchObject({ name, action: 'created', 'provisioning-state': 'Succeeded' });
    expect(run.stdout + run.stderr).not.toContain(emulator.info.clientSecret);
  });
});

describe('federated sign-in outlives its ID token during a long wait', () => {
  let slow: Emulator;
  beforeAll(async () => {
    // ID tokens live 2 s, access tokens 3 s, provisioning takes 7 s: every token the step needs
    // after the first few seconds must come from a fresh ID token.
    slow = await startTestEmulator({
      idTokenLifetimeSeconds: 2,
      accessTokenLifetimeSeconds: 3,
      computeProvisioningMs: 7000,
      lroRetryAfterSeconds: 1,
    });
  });
  afterAll(async () => {
    await slow?.stop();
  });
  const oidcCalls = (prefix: string) =>
    slow.requests.filter((r) => r.path.startsWith(prefix) && r.status === 200).length;

  it('GitHub: asks the runner for a new ID token whenever Entra needs one', async () => {
    const { info } = slow;
    const run = await runGithubStep(
      'ensure-compute',
      { ...where(slow), name: 'long-gh', 'client-id': info.clientId, 'tenant-id': info.tenantId },
      {
        ACTIONS_ID_TOKEN_REQUEST_URL: info.githubOidc.requestUrl,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: info.githubOidc.requestToken,
      },
      { cwd: project, timeoutMs: 60_000 },
    );
    expect([run.code, run.annotations]).toEqual([0, []]);
    expect(run.outputs['provisioning-state']).toBe('Succeeded');
    expect(oidcCalls(new URL(info.githubOidc.requestUrl).pathname)).toBeGreaterThanOrEqual(2);
  }, 60_000);

  it('GitHub: a canceled run stops waiting at once and says so', async () => {
    const started = Date.now();
    const run = await runGithubStep('ensure-compute', { ...where(slow), name: 'long-cancel' }, secretEnv(slow), {
      cwd: project,
      timeoutMs: 30_000,
      onSpawn: (child) => setTimeout(() => child.kill('SIGTERM'), 2000),
    });
    expect(run.code).not.toBe(0);
    expect(run.annotations.map((a) => a.message)).toEqual([expect.stringMatching(/^ensure-compute failed: .*cancel/i)]);
    expect(Date.now() - started).toBeLessThan(6000);
  }, 30_000);

  it('Azure DevOps: fetches a new OIDC token from the pipeline for each assertion', async () => {
    const { info } = slow;
    const run = await runAdoTask(
      'ensure-compute',
      { workspace: 'dev', 'resource-group': info.resourceGroup, name: 'long-ado' },
      {
        ...spnEndpoint(slow),
        id: 'wif',
        scheme: 'WorkloadIdentityFederation',
        params: { serviceprincipalid: info.clientId, tenantid: info.tenantId },
      },
      { 'System.OidcRequestUri': info.adoOidc.requestUri, 'System.AccessToken': info.adoOidc.accessToken },
      { cwd: project, timeoutMs: 60_000 },
    );
    expect([run.failed, run.issues.filter((i) => i.type === 'error')]).toEqual([false, []]);
    expect(run.outputs.provisioningState).toBe('Succeeded');
    expect(oidcCalls(new URL(info.adoOidc.requestUri).pathname)).toBeGreaterThanOrEqual(2);
    expect(run.log).not.toContain(info.adoOidc.accessToken);
  }, 60_000);
});

describe('other ways to sign in', () => {
  it('Azure DevOps: a service principal with a certificate', async () => {
    const { info } = emulator;
    const pem = fs.readFileSync(info.clientCertificateFile, 'utf8');
    const endpoint = spnEndpoint();
    endpoint.params = {
      serviceprincipalid: info.clientId,
      tenantid: info.tenantId,
      authenticationType: 'spnCertificate',
      servicePrincipalCertificate: pem,
    };
    const run = await runAdoTask(
      'connect',
      { workspace: 'dev', 'resource-group': info.resourceGroup },
      endpoint,
      {},
      { cwd: project },
    );
    expect([run.failed, run.issues.filter((i) => i.type === 'error')]).toEqual([false, []]);
    expect(run.outputs.workspace).toBe('dev');
    const key = /-----BEGIN [A-Z ]*PRIVATE KEY-----\n([^\n]+)/.exec(pem)?.[1];
    expect(key).toBeTruthy();
    expect(run.log).not.toContain(key!);
  });

  it('CLI: workload identity from AZURE_FEDERATED_TOKEN_FILE', async () => {
    const { info } = emulator;
    const res = await fetch(`${info.githubOidc.requestUrl}&audience=api://AzureADTokenExchange`, {
      headers: { authorization: `bearer ${info.githubOidc.requestToken}` },
    });
    const tokenFile = path.join(project, 'federated-token');
    fs.writeFileSync(tokenFile, ((await res.json()) as { value: string }).value);
    const args = Object.entries(where()).flatMap(([k, v]) => [`--${k}`, v]);
    const run = await runCli(['connect', ...args], {
      AZURE_TENANT_ID: info.tenantId,
      AZURE_CLIENT_ID: info.clientId,
      AZURE_FEDERATED_TOKEN_FILE: tokenFile,
    });
    expect([run.code, run.stderr]).toEqual([0, expect.not.stringContaining('error')]);
    expect(run.json).toMatchObject({ workspace: 'dev' });
  });
});

describe('steps of one job share what connect exported', () => {
  it('GitHub: ensure-compute needs no connection inputs after connect (GITHUB_ENV)', async () => {
    const connect = await runGithubStep('connect', where(), secretEnv(), { cwd: project });
    expect(connect.code).toBe(0);
    const run = await runGithubStep(
      'ensure-compute',
      { name: 'chained-gh' },
      { ...secretEnv(), ...connect.env },
      { cwd: project },
    );
    expect([run.code, run.annotations]).toEqual([0, []]);
    expect(run.outputs).toMatchObject({
      action: 'created',
      'compute-id': expect.stringContaining('/workspaces/dev/computes/chained-gh'),
    });
  });

  it('Azure DevOps: ensure-compute reads the workspace connect set as job variables', async () => {
    const inputs = { workspace: 'dev', 'resource-group': emulator.info.resourceGroup };
    const connect = await runAdoTask('connect', inputs, spnEndpoint(), {}, { cwd: project });
    expect(connect.failed).toBe(false);
    const run = await runAdoTask('ensure-compute', { name: 'chained-ado' }, spnEndpoint(), connect.variables, {
      cwd: project,
    });
    expect([run.failed, run.issues.filter((i) => i.type === 'error')]).toEqual([false, []]);
    expect(run.outputs.action).toBe('created');
  });
});
