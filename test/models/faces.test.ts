import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Emulator } from '../../emulator';
import { emulatorInputs, secretEnvOf, spnEndpointOf } from '../support/connection';
import { startTestEmulator } from '../support/emulator';
import { testedNodes } from '../faces/child';
import { runAdoTask } from '../faces/run-ado';
import { runGithubStep } from '../faces/run-github';
import { armGet } from './support';

/**
 * register-model and promote-model through the real faces: the GitHub bundle (on the machine's
 * Node and on Node 24, GitHub's runtime) and the Azure DevOps task.
 */
let emulator: Emulator;
let dir: string;

beforeAll(async () => {
  emulator = await startTestEmulator({ computeProvisioningMs: 50 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-model-faces-'));
  fs.mkdirSync(path.join(dir, 'model'));
  fs.writeFileSync(path.join(dir, 'model', 'weights.bin'), 'weights');
}, 60_000);
afterAll(async () => {
  await emulator?.stop();
});
afterEach(() => expect(emulator.specViolations).toEqual([]));

const githubRun = {
  GITHUB_SHA: 'f00dfeed',
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_REPOSITORY: 'acme/churn',
  GITHUB_RUN_ID: '77',
};

describe.each(testedNodes)('register-model as a GitHub Action (node %s)', (node) => {
  it('registers a local folder with the run as lineage; the second run finds it', async () => {
    const name = `gh-${node}`;
    const inputs = { ...emulatorInputs(emulator), name, path: 'model' };
    const env = { ...secretEnvOf(emulator), ...githubRun };
    const first = await runGithubStep('register-model', inputs, env, { cwd: dir, node, timeoutMs: 60_000 });
    expect([first.code, first.annotations]).toEqual([0, []]);
    expect(first.outputs).toMatchObject({ 'model-version': '1', 'model-id': `azureml:${name}:1`, action: 'created' });
    expect(first.summary).toContain(`${name}:1`);
    const { body } = await armGet<{ properties: { tags: Record<string, string> } }>(
      emulator,
      `workspaces/dev/models/${name}/versions/1`,
    );
    expect(body.properties.tags).toMatchObject({
      git_commit: 'f00dfeed',
      ci_run_url: 'https://github.com/acme/churn/actions/runs/77',
    });
    const second = await runGithubStep('register-model', inputs, env, { cwd: dir, node, timeoutMs: 60_000 });
    expect(second.outputs).toMatchObject({ 'model-version': '1', action: 'existing' });
    expect(second.log).not.toContain(emulator.info.clientSecret);
  }, 120_000);
});

describe('promote-model and register-model as Azure DevOps tasks', () => {
  it('registers with the build as lineage, promotes to the registry, and fails clearly on a bad input', async () => {
    const build = {
      'Build.SourceVersion': 'c0ffee',
      'System.CollectionUri': 'https://dev.azure.com/acme/',
      'System.TeamProject': 'churn',
      'Build.BuildId': '12',
    };
    const where = { ...emulatorInputs(emulator), name: 'ado-model', path: 'model' };
    delete (where as Record<string, string>).cloud;
    const registered = await runAdoTask('register-model', where, spnEndpointOf(emulator), build, {
      cwd: dir,
      timeoutMs: 60_000,
    });
    expect(registered.issues.filter((i) => i.type === 'error')).toEqual([]);
    expect(registered.outputs).toMatchObject({ modelVersion: '1', action: 'created' });
    const { body } = await armGet<{ properties: { tags: Record<string, string> } }>(
      emulator,
      'workspaces/dev/models/ado-model/versions/1',
    );
    expect(body.properties.tags).toMatchObject({
      git_commit: 'c0ffee',
      ci_run_url: 'https://dev.azure.com/acme/churn/_build/results?buildId=12',
    });

    const promoteInputs = {
      'subscription-id': emulator.info.subscriptionId,
      'resource-group': emulator.info.resourceGroup,
      workspace: 'dev',
      model: registered.outputs.modelId,
      registry: emulator.info.registry,
    };
    const promoted = await runAdoTask(
      'promote-model',
      promoteInputs,
      spnEndpointOf(emulator),
      {},
      {
        cwd: dir,
        timeoutMs: 60_000,
      },
    );
    expect(promoted.issues.filter((i) => i.type === 'error')).toEqual([]);
    expect(promoted.outputs).toMatchObject({
      modelId: `azureml://registries/${emulator.info.registry}/models/ado-model/versions/1`,
      action: 'created',
    });

    const bad = await runAdoTask(
      'promote-model',
      { ...promoteInputs, model: 'ado-model' },
      spnEndpointOf(emulator),
      {},
      {
        cwd: dir,
        timeoutMs: 60_000,
      },
    );
    expect(bad.code).not.toBe(0);
    expect(bad.issues.map((i) => i.message).join('\n')).toMatch(/input 'model' must be name:version/);
  }, 180_000);
});
