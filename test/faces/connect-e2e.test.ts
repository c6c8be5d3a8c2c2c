import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Emulator } from '../../emulator';
import { emulatorInputs, secretEnvOf, spnEndpointOf } from '../support/connection';
import { startTestEmulator } from '../support/emulator';
import { testedNodes } from './child';
import { runAdoTask } from './run-ado';
import { runCli } from './run-cli';
import { runGithubStep } from './run-github';

/**
 * connect on each face against the in-process emulator: the same outputs under each face's names,
 * exported variables in each face's channel, no secret printed. A smoke test of the face plumbing;
 * the step's behaviour is covered by test/core.
 */
let emulator: Emulator;
beforeAll(async () => {
  emulator = await startTestEmulator();
});
afterAll(async () => {
  await emulator?.stop();
});

const where = () => emulatorInputs(emulator);
const secretEnv = () => secretEnvOf(emulator);

describe.each(testedNodes)('connect on every face (node %s)', (node) => {
  it('GitHub: outputs in GITHUB_OUTPUT, settings in GITHUB_ENV, a job summary', async () => {
    const run = await runGithubStep('connect', where(), secretEnv(), { node });
    expect([run.code, run.annotations]).toEqual([0, []]);
    expect(run.outputs).toMatchObject({ workspace: 'dev', 'subscription-id': emulator.info.subscriptionId });
    expect(run.outputs['workspace-id']).toMatch(/\/workspaces\/dev$/);
    expect(run.env).toMatchObject({ AMLOPS_WORKSPACE: 'dev', AMLOPS_ARM_ENDPOINT: emulator.info.armEndpoint });
    expect(run.summary).toContain('dev');
    expect(run.stdout).toContain(`::add-mask::${emulator.info.clientSecret}`);
    expect(run.log).not.toContain(emulator.info.clientSecret);
  });

  it('Azure DevOps: output variables in camelCase, settings as job variables, service principal connection', async () => {
    const { info } = emulator;
    const { cloud: _c, 'arm-endpoint': _a, 'authority-host': _h, 'subscription-id': _s, ...inputs } = where();
    const run = await runAdoTask('connect', inputs, spnEndpointOf(emulator, 'emulator-connection'), {}, { node });
    expect([run.failed, run.issues.filter((i) => i.type === 'error')]).toEqual([false, []]);
    expect(run.outputs).toMatchObject({
      workspace: 'dev',
      subscriptionId: info.subscriptionId,
      resourceGroup: info.resourceGroup,
    });
    expect(run.variables).toMatchObject({ AMLOPS_WORKSPACE: 'dev' });
    expect(run.secrets).toContain(info.clientSecret);
    expect(run.log).not.toContain(info.clientSecret);
    expect(run.summaries).toHaveLength(1);
  });

  it('CLI: outputs as one JSON object on stdout, exported settings in AMLOPS_ENV_FILE', async () => {
    const args = Object.entries(where()).flatMap(([k, v]) => [`--${k}`, v]);
    const envFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-envfile-')), 'env');
    const run = await runCli(['connect', ...args], { ...secretEnv(), AMLOPS_ENV_FILE: envFile }, { node });
    expect([run.code, run.stderr]).toEqual([0, expect.not.stringContaining('error')]);
    expect(run.json).toMatchObject({ workspace: 'dev', 'subscription-id': emulator.info.subscriptionId });
    expect(fs.readFileSync(envFile, 'utf8')).toContain('AMLOPS_WORKSPACE=dev\n');
    expect(run.stdout + run.stderr).not.toContain(emulator.info.clientSecret);
    fs.rmSync(path.dirname(envFile), { recursive: true, force: true });
  });

  it('CLI: --environment prod after a connect to dev connects to prod, not to what dev exported', async () => {
    const { info } = emulator;
    const project = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-envs-'));
    try {
      fs.mkdirSync(path.join(project, '.cloud'));
      fs.writeFileSync(
        path.join(project, '.cloud', 'prod.yml'),
        [
          `subscription_id: ${info.subscriptionId}`,
          `resource_group: ${info.resourceGroup}`,
          'workspace_name: prod',
          `arm_endpoint: ${info.armEndpoint}`,
          `authority_host: ${info.authorityHost}`,
          '',
        ].join('\n'),
      );
      // What `source $AMLOPS_ENV_FILE` leaves in the shell after `amlops connect` to dev.
      const afterDev = { AMLOPS_WORKSPACE: 'dev', AMLOPS_RESOURCE_GROUP: info.resourceGroup };
      const run = await runCli(
        ['connect', '--environment', 'prod'],
        { ...secretEnv(), ...afterDev },
        { node, cwd: project },
      );
      expect([run.code, run.stderr]).toEqual([0, expect.not.stringContaining('error')]);
      expect(run.json).toMatchObject({ workspace: 'prod' });
    } finally {
      fs.rmSync(project, { recursive: true, force: true });
    }
  });

  it("GitHub with OIDC: client-id and tenant-id sign in with the runner's ID token", async () => {
    const { info } = emulator;
    const run = await runGithubStep(
      'connect',
      { ...where(), 'client-id': info.clientId, 'tenant-id': info.tenantId },
      {
        ACTIONS_ID_TOKEN_REQUEST_URL: info.githubOidc.requestUrl,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: info.githubOidc.requestToken,
      },
      { node },
    );
    expect([run.code, run.annotations]).toEqual([0, []]);
    expect(run.outputs).toMatchObject({ workspace: 'dev' });
  });

  it('Azure DevOps with a workload identity federation connection', async () => {
    const { info } = emulator;
    const run = await runAdoTask(
      'connect',
      { workspace: 'dev', 'resource-group': info.resourceGroup },
      {
        id: 'wif-connection',
        scheme: 'WorkloadIdentityFederation',
        params: { serviceprincipalid: info.clientId, tenantid: info.tenantId },
        data: {
          environment: 'AzureStack',
          subscriptionId: info.subscriptionId,
          activeDirectoryAuthority: info.authorityHost,
          activeDirectoryServiceEndpointResourceId: info.armAudience,
        },
        url: info.armEndpoint,
      },
      { 'System.OidcRequestUri': info.adoOidc.requestUri, 'System.AccessToken': info.adoOidc.accessToken },
      { node },
    );
    expect([run.failed, run.issues.filter((i) => i.type === 'error')]).toEqual([false, []]);
    expect(run.outputs).toMatchObject({ workspace: 'dev', subscriptionId: info.subscriptionId });
  });
});
