import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import type { Emulator } from '../../emulator';
import { AZURITE_ACCOUNT, AZURITE_KEY } from '../../emulator/routes/datastores';
import { startTestEmulator } from '../support/emulator';
import { armGet, armPut, armWrites, createCluster, runInProcess, train, writeTrainingProject } from './support';

/**
 * promote-model: dev workspace -> registry -> prod workspace, with the files copied into each
 * target's own storage, lineage kept, and re-runs that change nothing.
 */
let emulator: Emulator;
let dir: string;
let registry: string;

beforeAll(async () => {
  emulator = await startTestEmulator({ computeProvisioningMs: 50, jobStatusDelayMs: 100 });
  registry = emulator.info.registry;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-promote-'));
  writeTrainingProject(dir);
  fs.mkdirSync(path.join(dir, '.cloud'));
  const { info } = emulator;
  for (const ws of ['dev', 'prod']) {
    fs.writeFileSync(
      path.join(dir, '.cloud', `${ws}.yml`),
      `subscription_id: ${info.subscriptionId}\nresource_group: ${info.resourceGroup}\nworkspace_name: ${ws}\n`,
    );
  }
  await createCluster(emulator);
  await train(emulator, dir, 'train-promote', 0.85);
  const registered = await runInProcess(emulator, dir, 'register-model', {
    name: 'churn',
    'job-name': 'train-promote',
    'gate-metric': 'accuracy',
    'set-baseline': 'true',
  });
  if (registered.error) throw new Error(registered.error);
}, 120_000);
afterAll(async () => {
  await emulator?.stop();
});
beforeEach(() => emulator.clearRequests());
afterEach(() => expect(emulator.specViolations).toEqual([]));

const promote = (inputs: Record<string, string>) => runInProcess(emulator, dir, 'promote-model', inputs);
type Version = { properties: Record<string, any> };

async function blobNames(container: string, prefix = ''): Promise<string[]> {
  const service = new BlobServiceClient(
    emulator.info.blobEndpoint,
    new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY),
  );
  const names: string[] = [];
  for await (const b of service.getContainerClient(container).listBlobsFlat({ prefix })) names.push(b.name);
  return names;
}

describe('promote-model', () => {
  it('copies a dev model version into the registry with its files, tags and lineage', async () => {
    const { host, error } = await promote({ model: 'azureml:churn:1', registry });
    expect(error).toBeUndefined();
    expect(host.outputs).toMatchObject({
      'model-id': `azureml://registries/${registry}/models/churn/versions/1`,
      'registry-model-id': `azureml://registries/${registry}/models/churn/versions/1`,
      'model-name': 'churn',
      'model-version': '1',
      action: 'created',
    });
    const { status, body } = await armGet<Version>(emulator, `registries/${registry}/models/churn/versions/1`);
    expect(status).toBe(200);
    const dev = await armGet<Version>(emulator, 'workspaces/dev/models/churn/versions/1');
    expect(body.properties).toMatchObject({
      modelType: dev.body.properties.modelType,
      tags: dev.body.properties.tags,
      provisioningState: 'Succeeded',
    });
    expect(body.properties.tags).toMatchObject({ source_job: 'train-promote', 'metric.accuracy': '0.85' });
    expect(body.properties.properties['amlops.promoted_from']).toMatch(
      /\/workspaces\/dev\/models\/churn\/versions\/1$/,
    );
    // The registry holds its own copy of the files, under the model's folder name.
    const uri = new URL(body.properties.modelUri);
    const [, , container, ...rest] = uri.pathname.split('/');
    const names = await blobNames(container, rest.join('/'));
    expect(names.map((n) => path.posix.basename(n)).sort()).toEqual(['MLmodel', 'model.txt']);
    // Created through the long-running PUT after a pending upload, as azure-ai-ml does.
    const writes = armWrites(emulator).map((r) => `${r.method} ${r.path.replace(/^.*\/registries\//, '')}`);
    expect(writes).toEqual([
      `POST ${registry}/models/churn/versions/1/startPendingUpload`,
      `PUT ${registry}/models/churn/versions/1`,
    ]);
  }, 60_000);

  it('a re-run finds the identical version and writes nothing', async () => {
    const { host, error } = await promote({ model: 'churn:1', registry });
    expect(error).toBeUndefined();
    expect(host.outputs.action).toBe('unchanged');
    expect(armWrites(emulator)).toEqual([]);
  }, 60_000);

  it('copies the same version into the prod workspace named by its environment file', async () => {
    const { host, error } = await promote({ model: 'azureml:churn:1', 'target-environment': 'prod' });
    expect(error).toBeUndefined();
    expect(host.outputs).toMatchObject({ 'model-id': 'azureml:churn:1', action: 'created' });
    expect(host.outputs['workspace-model-id']).toMatch(/\/workspaces\/prod\/models\/churn\/versions\/1$/);
    const prod = await armGet<Version>(emulator, 'workspaces/prod/models/churn/versions/1');
    expect(prod.body.properties.modelUri).toMatch(/\/workspaces\/prod\/datastores\/workspaceblobstore\/paths\/.+/);
    expect(prod.body.properties.tags.stage).toBe('champion');
    const ds = await armGet<{ properties: { containerName: string } }>(
      emulator,
      'workspaces/prod/datastores/workspaceblobstore',
    );
    const blobPath = String(prod.body.properties.modelUri).replace(/^.*\/paths\//, '');
    expect((await blobNames(ds.body.properties.containerName, blobPath)).length).toBe(2);
    emulator.clearRequests();
    const again = await promote({ model: 'azureml:churn:1', 'target-environment': 'prod', registry });
    expect(again.host.outputs).toMatchObject({
      action: 'unchanged',
      'model-id': `azureml://registries/${registry}/models/churn/versions/1`,
    });
    expect(armWrites(emulator)).toEqual([]);
  }, 60_000);

  it('refreshes tags that changed in dev since the last promotion, without copying again', async () => {
    const dev = await armGet<Version>(emulator, 'workspaces/dev/models/churn/versions/1');
    const props: Record<string, unknown> = {
      ...dev.body.properties,
      tags: { ...dev.body.properties.tags, reviewed: 'yes' },
    };
    delete props.provisioningState;
    expect(await armPut(emulator, 'workspaces/dev/models/churn/versions/1', { properties: props })).toBe(200);
    emulator.clearRequests();
    const { host, error } = await promote({ model: 'churn:1', registry });
    expect(error).toBeUndefined();
    expect(host.outputs.action).toBe('updated');
    expect(armWrites(emulator).map((r) => r.method)).toEqual(['PUT']);
    const { body } = await armGet<Version>(emulator, `registries/${registry}/models/churn/versions/1`);
    expect(body.properties.tags.reviewed).toBe('yes');
  }, 60_000);

  it('refuses to overwrite a version with other content at the target', async () => {
    fs.mkdirSync(path.join(dir, 'other'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'other', 'w.bin'), 'other weights');
    const other = await runInProcess(
      emulator,
      dir,
      'register-model',
      { name: 'churn', path: 'other', 'model-version': '5' },
      'prod',
    );
    expect(other.error).toBeUndefined();
    const local = await runInProcess(emulator, dir, 'register-model', {
      name: 'churn',
      path: 'other',
      'model-version': '5',
    });
    expect(local.error).toBeUndefined();
    emulator.clearRequests();
    const { error } = await promote({ model: 'churn:5', 'target-workspace': 'prod' });
    expect(error).toContain("churn:5 already exists in workspace 'prod' with different content");
    expect(armWrites(emulator)).toEqual([]);
  }, 60_000);

  const bad: Array<[string, Record<string, string>, RegExp]> = [
    [
      'no target',
      { model: 'churn:1' },
      /nowhere to promote to: set --registry, --target-environment or --target-workspace/,
    ],
    ['a label, not a version', { model: 'churn@latest', registry: 'reg' }, /--model must name one version/],
    ['garbage model', { model: 'churn', registry: 'reg' }, /--model must be name:version/],
    ['unknown version', { model: 'churn:99', registry: 'reg' }, /model churn:99 not found in workspace 'dev'/],
    ['unknown registry', { model: 'churn:1', registry: 'nope-registry' }, /registry 'nope-registry' not found/],
    [
      'target is the source',
      { model: 'churn:1', 'target-workspace': 'dev' },
      /--target-workspace is the source workspace itself/,
    ],
    [
      'group without target',
      { model: 'churn:1', 'target-resource-group': 'rg' },
      /--target-resource-group needs --target-workspace/,
    ],
    [
      'missing environment file',
      { model: 'churn:1', 'target-environment': 'staging' },
      /--target-environment: no file .cloud\/staging.yml/,
    ],
  ];
  it.each(bad)(
    'bad input: %s',
    async (_what, inputs, message) => {
      const { error } = await promote(inputs);
      expect(error).toMatch(message);
      expect(error).not.toMatch(/\n\s+at /);
      expect(armWrites(emulator)).toEqual([]);
    },
    30_000,
  );
});
