import { ContainerClient } from '@azure/storage-blob';
import type { Emulator } from '../../emulator';
import { startTestEmulator } from '../support/emulator';
import { armClient } from '../emulator/helpers';
import { folderWith, Workspace } from './helpers';

/**
 * Workspace assets over the real wire protocol (2024-10-01 and the 2022 api-versions azure-ai-ml
 * sends): code, environments, components, data; versions are immutable, containers track
 * latest/next versions, `@latest` resolves through `$orderBy=createdtime desc&$top=1`.
 */

let emulator: Emulator;
let ws: Workspace;

beforeAll(async () => {
  emulator = await startTestEmulator({ lroRetryAfterSeconds: 0 });
  ws = new Workspace(emulator);
});
afterAll(() => emulator?.stop());
afterEach(() => {
  expect(emulator.specViolations).toEqual([]);
  emulator.faults.clear();
});

test('code: startPendingUpload hands out a SAS folder; upload there, PUT the version, read it back', async () => {
  const pending = await ws.arm('POST', '/codes/train-src/versions/1/startPendingUpload', {
    pendingUploadType: 'TemporaryBlobReference',
  });
  expect(pending.status).toBe(200);
  const ref = pending.json.blobReferenceForConsumption;
  expect(ref.credential.credentialType).toBe('SAS');
  expect(ref.blobUri).toMatch(/\/LocalUpload\/[0-9a-f-]+$/);
  expect(pending.json.pendingUploadType).toBe('TemporaryBlobReference');

  // Like the SDKs: a container client from the SAS URL, blobs under the given folder.
  const sas = new URL(ref.credential.sasUri);
  const containerUrl = `${sas.origin}${sas.pathname.split('/').slice(0, 3).join('/')}${sas.search}`;
  const folder = sas.pathname.split('/').slice(3).join('/');
  await new ContainerClient(containerUrl).getBlockBlobClient(`${folder}/train.py`).upload('print(1)\n', 9);

  const put = await ws.arm('PUT', '/codes/train-src/versions/1', { properties: { codeUri: ref.blobUri } });
  expect(put.status).toBe(201);
  expect(put.json).toMatchObject({
    name: '1',
    type: 'Microsoft.MachineLearningServices/workspaces/codes/versions',
    properties: { codeUri: ref.blobUri, provisioningState: 'Succeeded', isAnonymous: false },
  });
  const got = await ws.arm('GET', '/codes/train-src/versions/1');
  expect(got.json.properties.codeUri).toBe(ref.blobUri);

  // The same again is fine (200); another path for the same version is refused as Azure ML does.
  expect((await ws.arm('PUT', '/codes/train-src/versions/1', { properties: { codeUri: ref.blobUri } })).status).toBe(
    200,
  );
  const moved = await ws.arm('PUT', '/codes/train-src/versions/1', { properties: { codeUri: `${ref.blobUri}-other` } });
  expect(moved.status).toBe(400);
  expect(moved.json.error).toEqual({ code: 'UserError', message: 'Asset paths cannot be updated.' });
});

test('code versions are found by content hash, as clients check before uploading again', async () => {
  const codeUri = await ws.uploadFolder(folderWith({ 'a.py': 'x = 1\n' }), 'LocalUpload/hash1/src');
  const put = await ws.arm('PUT', '/codes/by-hash/versions/1', {
    properties: { codeUri, properties: { hash_sha256: 'abc123', hash_version: '202208' } },
  });
  expect(put.status).toBe(201);
  const hit = await ws.arm('GET', '/codes/by-hash/versions?hash=abc123&hashVersion=202208');
  expect(hit.json.value.map((v: { name: string }) => v.name)).toEqual(['1']);
  const miss = await ws.arm('GET', '/codes/by-hash/versions?hash=other');
  expect(miss.json.value).toEqual([]);
});

test('environments: anonymous versions from azure-ai-ml (2022-05-01), immutability, description stays editable', async () => {
  const body = { properties: { isAnonymous: true, isArchived: false, image: 'library/python:latest' } };
  const first = await ws.arm('PUT', '/environments/CliV2AnonymousEnvironment/versions/e6b1', body, '2022-05-01');
  expect(first.status).toBe(201);
  expect(first.json.properties).toMatchObject({
    image: 'library/python:latest',
    isAnonymous: true,
    osType: 'Linux',
    environmentType: 'UserCreated',
  });
  expect(
    (await ws.arm('PUT', '/environments/CliV2AnonymousEnvironment/versions/e6b1', body, '2022-05-01')).status,
  ).toBe(200);

  const other = await ws.arm('PUT', '/environments/CliV2AnonymousEnvironment/versions/e6b1', {
    properties: { image: 'library/python:3.12' },
  });
  expect(other.status).toBe(400);
  expect(other.json.error.code).toBe('UserError');
  expect(other.json.error.message).toMatch(
    /Environment CliV2AnonymousEnvironment with version e6b1 is already registered and cannot be changed/,
  );

  const described = await ws.arm('PUT', '/environments/CliV2AnonymousEnvironment/versions/e6b1', {
    properties: { image: 'library/python:latest', description: 'now described' },
  });
  expect(described.status).toBe(200);
  expect(described.json.properties.description).toBe('now described');

  const noImage = await ws.arm('PUT', '/environments/broken/versions/1', { properties: { condaFile: 'x' } });
  expect(noImage.status).toBe(400);
});

test('curated environments are there to resolve (AzureML-sklearn-1.5@latest)', async () => {
  const latest = await ws.arm('GET', '/environments/AzureML-sklearn-1.5/versions?$orderBy=createdtime%20desc&$top=1');
  expect(latest.status).toBe(200);
  expect(latest.json.value[0].properties.environmentType).toBe('Curated');
});

test('components: @latest through list order, containers report latest and next version', async () => {
  const spec = (v: string) => ({
    properties: {
      componentSpec: {
        name: 'trainer',
        version: v,
        type: 'command',
        command: `echo ${v}`,
        environment: 'azureml:AzureML-sklearn-1.5:1',
      },
      isAnonymous: false,
    },
  });
  for (const v of ['1', '2', '10'])
    expect((await ws.arm('PUT', `/components/trainer/versions/${v}`, spec(v), '2022-10-01')).status).toBe(201);
  const latest = await ws.arm(
    'GET',
    '/components/trainer/versions?$orderBy=createdtime%20desc&$top=1',
    undefined,
    '2022-10-01',
  );
  expect(latest.json.value.map((v: { name: string }) => v.name)).toEqual(['10']);
  const oldest = await ws.arm('GET', '/components/trainer/versions?$orderBy=createdtime%20asc');
  expect(oldest.json.value.map((v: { name: string }) => v.name)).toEqual(['1', '2', '10']);
  const container = await ws.arm('GET', '/components/trainer');
  expect(container.json.properties).toMatchObject({
    latestVersion: '10',
    nextVersion: '11',
    provisioningState: 'Succeeded',
  });
  const changed = await ws.arm('PUT', '/components/trainer/versions/2', spec('2-changed'));
  expect(changed.status).toBe(400);
  expect((await ws.arm('GET', '/components')).json.value.map((c: { name: string }) => c.name)).toContain('trainer');
  expect((await ws.arm('GET', '/components/nope/versions/1')).status).toBe(404);
});

test('data: versions carry dataType and dataUri; archived versions are hidden unless asked for', async () => {
  const uri = 'azureml://datastores/workspaceblobstore/paths/data/iris/';
  const put = await ws.arm('PUT', '/data/iris/versions/1', { properties: { dataType: 'uri_folder', dataUri: uri } });
  expect(put.status).toBe(201);
  expect(put.json.properties).toMatchObject({ dataType: 'uri_folder', dataUri: uri });
  const archived = await ws.arm('PUT', '/data/iris/versions/2', {
    properties: { dataType: 'uri_folder', dataUri: uri, isArchived: true },
  });
  expect(archived.status).toBe(201);
  expect((await ws.arm('GET', '/data/iris/versions')).json.value.map((v: { name: string }) => v.name)).toEqual(['1']);
  expect((await ws.arm('GET', '/data/iris/versions?listViewType=All')).json.value).toHaveLength(2);
  expect((await ws.arm('GET', '/data/iris')).json.properties).toMatchObject({
    dataType: 'uri_folder',
    latestVersion: '1',
  });
  const retyped = await ws.arm('PUT', '/data/iris/versions/1', { properties: { dataType: 'uri_file', dataUri: uri } });
  expect(retyped.status).toBe(400);
});

test('asset lists page with nextLink', async () => {
  const small = await startTestEmulator({ azurite: false, pageSize: 2 });
  try {
    const w = new Workspace(small);
    for (const v of ['1', '2', '3']) {
      await w.arm('PUT', `/environments/paged/versions/${v}`, { properties: { image: `img:${v}` } });
    }
    const first = await w.arm('GET', '/environments/paged/versions');
    expect(first.json.value).toHaveLength(2);
    expect(first.json.nextLink).toContain('$skip=2');
    expect(small.specViolations).toEqual([]);
  } finally {
    await small.stop();
  }
});

test('faults apply to asset routes: the real ARM client retries a 503 on a version PUT', async () => {
  const client = armClient(emulator.info);
  emulator.faults.add({ method: 'PUT', path: /\/environments\/retried\/versions\/1$/, fault: { status: 503 } });
  const env = await client.environmentVersions.createOrUpdate(emulator.info.resourceGroup, 'dev', 'retried', '1', {
    properties: { image: 'python:3.11' },
  });
  expect(env.properties.image).toBe('python:3.11');
  const puts = emulator.requests.filter(
    (r) => r.method === 'PUT' && r.path.endsWith('/environments/retried/versions/1'),
  );
  expect(puts.map((r) => r.status)).toEqual([503, 201]);
  // The request log keeps the whole body as sent.
  expect(puts[1].body).toEqual({ properties: { image: 'python:3.11' } });
});
