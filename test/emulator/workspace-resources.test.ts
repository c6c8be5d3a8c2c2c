import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import type { Emulator } from '../../emulator';
import { startTestEmulator } from '../support/emulator';
import { armClient, bearer, request, workspaceUrl } from './helpers';

/** Workspaces, registry, datastores (backed by Azurite) and the regional discovery document. */

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startTestEmulator({ pageSize: 1 });
});
afterAll(() => emulator?.stop());
afterEach(() => {
  expect(emulator.specViolations).toEqual([]);
});

const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

test('workspaces.get through @azure/arm-machinelearning returns a complete workspace', async () => {
  const { info } = emulator;
  const ws = await armClient(info).workspaces.get(info.resourceGroup, 'dev');
  expect(ws).toMatchObject({
    name: 'dev',
    location: info.location,
    provisioningState: 'Succeeded',
    discoveryUrl: `${info.authorityHost}/discovery`,
    identity: { type: 'SystemAssigned', tenantId: info.tenantId },
  });
  expect(ws.workspaceId).toMatch(/^[0-9a-f-]{36}$/);
  expect(ws.storageAccount).toMatch(/\/providers\/Microsoft\.Storage\/storageAccounts\/devstoreaccount1$/);
  expect(ws.keyVault).toMatch(/\/providers\/Microsoft\.KeyVault\/vaults\//);
  expect(ws.applicationInsights).toMatch(/\/providers\/Microsoft\.insights\/components\//);
  expect(ws.mlFlowTrackingUri).toBe(`azureml://${new URL(info.armEndpoint).host}/mlflow/v1.0${ws.id}`);
  const api = emulator.requests.find((r) => r.path.endsWith('/workspaces/dev'));
  expect(api?.query['api-version']).toBe('2024-10-01');
});

test('workspace names are case-insensitive and unknown ones are ARM 404s', async () => {
  const { info } = emulator;
  const client = armClient(info);
  expect((await client.workspaces.get(info.resourceGroup, 'DEV')).name).toBe('dev');
  const error = await client.workspaces
    .get(info.resourceGroup, 'nope')
    .catch((e: { statusCode: number; code: string }) => e);
  expect(error).toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
  const otherRg = await client.workspaces.get('other-rg', 'dev').catch((e: { statusCode: number; code: string }) => e);
  expect(otherRg).toMatchObject({ statusCode: 404, code: 'ResourceGroupNotFound' });
});

test('list by resource group and by subscription page with nextLink (page size 1)', async () => {
  const { info } = emulator;
  const client = armClient(info);
  const byRg: string[] = [];
  for await (const ws of client.workspaces.listByResourceGroup(info.resourceGroup)) byRg.push(ws.name as string);
  const bySub: string[] = [];
  for await (const ws of client.workspaces.listBySubscription()) bySub.push(ws.name as string);
  expect(byRg).toEqual(['dev', 'prod']);
  expect(bySub).toEqual(['dev', 'prod']);
  const firstPage = await request(
    info,
    'GET',
    `${info.armEndpoint}subscriptions/${info.subscriptionId}/providers/Microsoft.MachineLearningServices/workspaces?api-version=2024-10-01`,
    {
      headers: bearer(emulator.issueAccessToken()),
    },
  );
  expect(firstPage.json.value).toHaveLength(1);
  expect(firstPage.json.nextLink).toBe(
    `${info.armEndpoint}subscriptions/${info.subscriptionId}/providers/Microsoft.MachineLearningServices/workspaces?api-version=2024-10-01&$skip=1`,
  );
});

test('the discovery document points every regional service at the emulator', async () => {
  const { info } = emulator;
  const res = await request(info, 'GET', `${info.authorityHost}/discovery`);
  expect(res.status).toBe(200);
  for (const key of [
    'api',
    'catalog',
    'experimentation',
    'gallery',
    'history',
    'hyperdrive',
    'labeling',
    'modelmanagement',
    'pipelines',
    'studio',
  ]) {
    expect(res.json[key]).toBe(info.authorityHost);
  }
});

test('the registry is served at /registries/{name} (via sendRequest, as 2.1.1 lacks registries)', async () => {
  const { info } = emulator;
  const client = armClient(info);
  const { createPipelineRequest } = await import('@azure/core-rest-pipeline');
  const url = `${info.armEndpoint}subscriptions/${info.subscriptionId}/resourceGroups/${info.resourceGroup}/providers/Microsoft.MachineLearningServices/registries/${info.registry}?api-version=2024-10-01`;
  const res = await client.sendRequest(createPipelineRequest({ url, method: 'GET' }));
  expect(res.status).toBe(200);
  const body = JSON.parse(res.bodyAsText ?? '{}') as {
    name: string;
    type: string;
    properties: { regionDetails: unknown[] };
  };
  expect(body).toMatchObject({ name: info.registry, type: 'Microsoft.MachineLearningServices/registries' });
  expect(body.properties.regionDetails).toHaveLength(1);
  const missing = await client.sendRequest(
    createPipelineRequest({ url: url.replace(info.registry, 'other-registry'), method: 'GET' }),
  );
  expect(missing.status).toBe(404);
});

test('workspaceblobstore is an AzureBlob datastore whose container exists in Azurite and whose key works', async () => {
  const { info } = emulator;
  const client = armClient(info);
  const ds = await client.datastores.get(info.resourceGroup, 'dev', 'workspaceblobstore');
  const props = ds.properties as unknown as Record<string, unknown>;
  expect(props).toMatchObject({
    datastoreType: 'AzureBlob',
    accountName: 'devstoreaccount1',
    // Azurite's host:port and scheme: clients reach the container path-style.
    endpoint: new URL(info.blobEndpoint).host,
    protocol: 'http',
    isDefault: true,
    credentials: { credentialsType: 'AccountKey' },
  });
  expect(props.containerName).toMatch(/^azureml-blobstore-[0-9a-f-]{36}$/);

  const secrets = await client.datastores.listSecrets(info.resourceGroup, 'dev', 'workspaceblobstore');
  expect(secrets).toMatchObject({ secretsType: 'AccountKey', key: AZURITE_KEY });

  const blobs = new BlobServiceClient(
    info.blobEndpoint,
    new StorageSharedKeyCredential('devstoreaccount1', AZURITE_KEY),
  );
  const container = blobs.getContainerClient(props.containerName as string);
  expect(await container.exists()).toBe(true);
  await container.getBlockBlobClient('hello.txt').upload('hi', 2);
  expect((await container.getBlobClient('hello.txt').getProperties()).contentLength).toBe(2);
});

test('datastores list filters isDefault and pages; unknown datastores are 404', async () => {
  const { info } = emulator;
  const client = armClient(info);
  const all: string[] = [];
  for await (const d of client.datastores.list(info.resourceGroup, 'prod')) all.push(d.name as string);
  expect(all.sort()).toEqual(['workspaceartifactstore', 'workspaceblobstore']);
  const defaults: string[] = [];
  for await (const d of client.datastores.list(info.resourceGroup, 'prod', { isDefault: true }))
    defaults.push(d.name as string);
  expect(defaults).toEqual(['workspaceblobstore']);
  const res = await request(info, 'GET', workspaceUrl(info, 'prod', '/datastores/nope'), {
    headers: bearer(emulator.issueAccessToken()),
  });
  expect(res.status).toBe(404);
  expect(res.json.error.code).toBe('ResourceNotFound');
});

test('operations the emulator does not implement say so (501 NotSupportedByEmulator), not a misleading 404', async () => {
  const { info } = emulator;
  const res = await request(info, 'GET', workspaceUrl(info, 'dev', '/schedules'), {
    headers: bearer(emulator.issueAccessToken()),
  });
  expect(res.status).toBe(501);
  expect(res.json.error.code).toBe('NotSupportedByEmulator');
});
