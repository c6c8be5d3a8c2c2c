import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ComputeResource } from '@azure/arm-machinelearning';
import type { Emulator } from '../../emulator';
import { startTestEmulator } from '../support/emulator';
import { armClient, bearer, request, workspaceUrl } from './helpers';

/** Compute targets through the real client: LROs, update, delete, paging, validation, persistence. */

let emulator: Emulator;
const POLL = { updateIntervalInMs: 20 };

beforeAll(async () => {
  emulator = await startTestEmulator({
    azurite: false,
    computeProvisioningMs: 300,
    lroRetryAfterSeconds: 0,
    pageSize: 2,
  });
});
afterAll(() => emulator?.stop());
afterEach(() => {
  expect(emulator.specViolations).toEqual([]);
  emulator.clearRequests();
});

const cluster = (maxNodeCount = 2, extra: Record<string, unknown> = {}): ComputeResource =>
  ({
    location: emulator.info.location,
    properties: {
      computeType: 'AmlCompute',
      properties: {
        vmSize: 'Standard_DS3_v2',
        vmPriority: 'Dedicated',
        scaleSettings: { maxNodeCount, minNodeCount: 0, nodeIdleTimeBeforeScaleDown: 'PT120S' },
        ...extra,
      },
    },
  }) as ComputeResource;

const inner = (c: ComputeResource): Record<string, unknown> =>
  (c.properties as unknown as { properties: Record<string, unknown> }).properties;
const token = (): Record<string, string> => bearer(emulator.issueAccessToken());

test('create is an LRO: 201 + Azure-AsyncOperation, Creating, then Succeeded with Azure-like properties', async () => {
  const { info } = emulator;
  const created = await armClient(info).computeOperations.beginCreateOrUpdateAndWait(
    info.resourceGroup,
    'dev',
    'cpu-cluster',
    cluster(),
    POLL,
  );
  expect(created.properties?.provisioningState).toBe('Succeeded');
  expect(inner(created)).toMatchObject({
    vmSize: 'Standard_DS3_v2',
    vmPriority: 'Dedicated',
    osType: 'Linux',
    scaleSettings: { maxNodeCount: 2, minNodeCount: 0, nodeIdleTimeBeforeScaleDown: 'PT120S' },
    allocationState: 'Steady',
    currentNodeCount: 0,
    targetNodeCount: 0,
    enableNodePublicIp: true,
    remoteLoginPortPublicAccess: 'Enabled',
    nodeStateCounts: {
      idleNodeCount: 0,
      runningNodeCount: 0,
      preparingNodeCount: 0,
      unusableNodeCount: 0,
      leavingNodeCount: 0,
      preemptedNodeCount: 0,
    },
  });

  const put = emulator.requests.find((r) => r.method === 'PUT');
  expect(put?.status).toBe(201);
  const polls = emulator.requests.filter((r) => r.path.includes('/computeOperationsStatus/'));
  expect(polls.length).toBeGreaterThanOrEqual(1); // how many depends on timing; InProgress is checked below
  expect(polls[0].query['api-version']).toBe('2024-10-01');
});

test('the raw exchange: 201 Creating with Azure-AsyncOperation and Retry-After (1 s by default), 409 while busy, monitor InProgress -> Succeeded', async () => {
  // Its own emulator: a slow provisioning time keeps 'InProgress' observable on a busy machine.
  const slow = await startTestEmulator({ azurite: false, computeProvisioningMs: 1500 });
  try {
    const { info } = slow;
    const auth = bearer(slow.issueAccessToken());
    const res = await request(info, 'PUT', workspaceUrl(info, 'dev', '/computes/raw-cluster'), {
      headers: auth,
      body: cluster(),
    });
    expect(res.status).toBe(201);
    expect(res.json.properties.provisioningState).toBe('Creating');
    expect(res.headers['retry-after']).toBe('1');
    const monitor = String(res.headers['azure-asyncoperation']);
    expect(monitor).toMatch(
      /\/providers\/Microsoft\.MachineLearningServices\/locations\/westeurope\/computeOperationsStatus\/[0-9a-f-]+\?api-version=2024-10-01/,
    );
    const inProgress = await request(info, 'GET', monitor, { headers: auth });
    expect(inProgress.json.status).toBe('InProgress');
    expect(inProgress.headers['retry-after']).toBe('1'); // pollers (Python's in particular) pace themselves by it
    const compute = () => request(info, 'GET', workspaceUrl(info, 'dev', '/computes/raw-cluster'), { headers: auth });
    expect((await compute()).json.properties.provisioningState).toBe('Creating');
    // Another change while it is being created: 409, as Azure ML answers for a busy compute.
    const busy = await request(info, 'PATCH', workspaceUrl(info, 'dev', '/computes/raw-cluster'), {
      headers: auth,
      body: { properties: { properties: { scaleSettings: { maxNodeCount: 3 } } } },
    });
    expect(busy.status).toBe(409);
    expect(busy.json.error.code).toBe('Conflict');
    let done = inProgress;
    while (done.json.status === 'InProgress') {
      await new Promise((r) => setTimeout(r, 200));
      done = await request(info, 'GET', monitor, { headers: auth });
    }
    expect(done.json.status).toBe('Succeeded');
    expect(done.json.endTime).toBeDefined();
    expect((await compute()).json.properties.provisioningState).toBe('Succeeded');
  } finally {
    await slow.stop();
  }
});

test('PATCH updates scaleSettings (LRO) and a second PUT updates in place (200, createdOn kept)', async () => {
  const { info } = emulator;
  const client = armClient(info);
  const first = await client.computeOperations.beginCreateOrUpdateAndWait(
    info.resourceGroup,
    'dev',
    'scale-me',
    cluster(2),
    POLL,
  );
  const patched = await client.computeOperations.beginUpdateAndWait(
    info.resourceGroup,
    'dev',
    'scale-me',
    { properties: { scaleSettings: { maxNodeCount: 6, minNodeCount: 1, nodeIdleTimeBeforeScaleDown: 'PT300S' } } },
    POLL,
  );
  expect(patched.properties?.provisioningState).toBe('Succeeded');
  expect(inner(patched)).toMatchObject({
    scaleSettings: { maxNodeCount: 6, minNodeCount: 1, nodeIdleTimeBeforeScaleDown: 'PT300S' },
    currentNodeCount: 1,
  });
  const patch = emulator.requests.find((r) => r.method === 'PATCH');
  expect(patch?.body).toEqual({
    properties: {
      properties: { scaleSettings: { maxNodeCount: 6, minNodeCount: 1, nodeIdleTimeBeforeScaleDown: 'PT300S' } },
    },
  });
  expect(patch?.status).toBe(200);

  const again = await client.computeOperations.beginCreateOrUpdateAndWait(
    info.resourceGroup,
    'dev',
    'scale-me',
    cluster(3),
    POLL,
  );
  expect(inner(again).scaleSettings).toMatchObject({ maxNodeCount: 3 });
  expect(again.properties?.createdOn).toEqual(first.properties?.createdOn);
  expect(emulator.requests.filter((r) => r.method === 'PUT').map((r) => r.status)).toEqual([201, 200]);
});

test('changing the VM size of an existing cluster is refused', async () => {
  const { info } = emulator;
  const client = armClient(info);
  await client.computeOperations.beginCreateOrUpdateAndWait(info.resourceGroup, 'dev', 'fixed-size', cluster(), POLL);
  const resized = {
    ...cluster(),
    properties: {
      computeType: 'AmlCompute',
      properties: { vmSize: 'Standard_NC6', scaleSettings: { maxNodeCount: 2 } },
    },
  } as ComputeResource;
  const error = await client.computeOperations
    .beginCreateOrUpdateAndWait(info.resourceGroup, 'dev', 'fixed-size', resized, POLL)
    .catch((e: { statusCode: number; message: string }) => e);
  expect(error).toMatchObject({ statusCode: 400 });
  expect((error as Error).message).toContain('vmSize of an existing AmlCompute cannot be changed');
});

test('delete: 202 with Location, Deleting, then gone (404); deleting a missing compute is 204', async () => {
  const { info } = emulator;
  const client = armClient(info);
  await client.computeOperations.beginCreateOrUpdateAndWait(info.resourceGroup, 'dev', 'short-lived', cluster(), POLL);
  await client.computeOperations.beginDeleteAndWait(info.resourceGroup, 'dev', 'short-lived', 'Delete', POLL);
  const del = emulator.requests.find((r) => r.method === 'DELETE');
  expect(del).toMatchObject({
    status: 202,
    query: { underlyingResourceAction: 'Delete', 'api-version': '2024-10-01' },
  });
  const error = await client.computeOperations
    .get(info.resourceGroup, 'dev', 'short-lived')
    .catch((e: { statusCode: number; code: string }) => e);
  expect(error).toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });

  const raw = await request(
    info,
    'DELETE',
    `${workspaceUrl(info, 'dev', '/computes/never-existed')}&underlyingResourceAction=Delete`,
    { headers: token() },
  );
  expect(raw.status).toBe(204);
  const noAction = await request(info, 'DELETE', workspaceUrl(info, 'dev', '/computes/never-existed'), {
    headers: token(),
  });
  expect(noAction.status).toBe(400);
});

test('list pages with nextLink (page size 2) and the client follows it', async () => {
  const { info } = emulator;
  const client = armClient(info);
  for (const name of ['page-a', 'page-b', 'page-c']) {
    await client.computeOperations.beginCreateOrUpdateAndWait(info.resourceGroup, 'prod', name, cluster(), POLL);
  }
  const names: string[] = [];
  for await (const c of client.computeOperations.list(info.resourceGroup, 'prod')) names.push(c.name as string);
  expect(names).toEqual(['page-a', 'page-b', 'page-c']);
  const lists = emulator.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/workspaces/prod/computes'));
  expect(lists.map((r) => r.query.$skip)).toEqual([undefined, '2']);
});

test('compute names follow Azure ML rules per type; bad definitions are ARM 400s', async () => {
  const { info } = emulator;
  const put = (name: string, body: unknown) =>
    request(info, 'PUT', workspaceUrl(info, 'dev', `/computes/${name}`), { headers: token(), body });
  const instance = {
    location: info.location,
    properties: { computeType: 'ComputeInstance', properties: { vmSize: 'Standard_DS3_v2' } },
  };

  for (const bad of ['1starts-with-digit', 'a', 'this-name-is-far-too-long-for-a-cluster', 'under_score']) {
    const res = await put(bad, cluster());
    expect([bad, res.status, res.json.error.code]).toEqual([bad, 400, 'ValidationError']);
  }
  expect((await put('gpu-1', instance)).status).toBe(400); // instance names may not end in '-<digits>'
  expect((await put('ab', instance)).status).toBe(400); // instances need 3 characters
  expect((await put('notebook-vm-2a', instance)).status).toBe(201);

  const noScale = await put('no-scale', {
    location: info.location,
    properties: { computeType: 'AmlCompute', properties: { vmSize: 'Standard_DS3_v2' } },
  });
  expect(noScale.status).toBe(400);
  const minAboveMax = await put('min-max', {
    location: info.location,
    properties: { computeType: 'AmlCompute', properties: { scaleSettings: { maxNodeCount: 1, minNodeCount: 2 } } },
  });
  expect(minAboveMax.json.error.message).toContain('minNodeCount (2) must be less than or equal to maxNodeCount (1)');
  const vm = await put('vm-attach', {
    properties: {
      computeType: 'VirtualMachine',
      resourceId: '/subscriptions/x/resourceGroups/y/providers/Microsoft.Compute/virtualMachines/z',
    },
  });
  expect(vm.status).toBe(400);
  expect(vm.json.error.message).toContain('not supported by the local Azure ML emulator');
});

test('request bodies of api-version 2024-10-01 are checked against the spec (InvalidRequestContent)', async () => {
  const { info } = emulator;
  const res = await request(info, 'PUT', workspaceUrl(info, 'dev', '/computes/typed'), {
    headers: token(),
    body: {
      location: info.location,
      properties: { computeType: 'AmlCompute', properties: { scaleSettings: { maxNodeCount: 'two' } } },
    },
  });
  expect(res.status).toBe(400);
  expect(res.json.error.code).toBe('InvalidRequestContent');
  expect(res.json.error.message).toContain('maxNodeCount');
  const notJson = await request(info, 'PUT', workspaceUrl(info, 'dev', '/computes/typed'), {
    headers: { ...token(), 'content-type': 'application/json' },
    body: undefined,
  });
  expect(notJson.status).toBe(400);
});

test('compute instances: Running after creation, stop/start are LROs, Azure-shaped read-only fields', async () => {
  const { info } = emulator;
  const client = armClient(info);
  const ci = await client.computeOperations.beginCreateOrUpdateAndWait(
    info.resourceGroup,
    'dev',
    'notebook-ci',
    {
      location: info.location,
      properties: { computeType: 'ComputeInstance', properties: { vmSize: 'Standard_DS3_v2' } },
    } as ComputeResource,
    POLL,
  );
  expect(inner(ci)).toMatchObject({
    state: 'Running',
    applicationSharingPolicy: 'Shared',
    computeInstanceAuthorizationType: 'personal',
  });
  expect(inner(ci).lastOperation).toMatchObject({ operationName: 'Create', operationStatus: 'Succeeded' });
  await client.computeOperations.beginStopAndWait(info.resourceGroup, 'dev', 'notebook-ci', POLL);
  expect(inner(await client.computeOperations.get(info.resourceGroup, 'dev', 'notebook-ci')).state).toBe('Stopped');
  await client.computeOperations.beginStartAndWait(info.resourceGroup, 'dev', 'notebook-ci', POLL);
  expect(inner(await client.computeOperations.get(info.resourceGroup, 'dev', 'notebook-ci')).state).toBe('Running');
});

test('Kubernetes clusters attach (isAttachedCompute) and detach', async () => {
  const { info } = emulator;
  const client = armClient(info);
  const aks = `/subscriptions/${info.subscriptionId}/resourceGroups/${info.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/aks1`;
  const attached = await client.computeOperations.beginCreateOrUpdateAndWait(
    info.resourceGroup,
    'dev',
    'k8s',
    {
      properties: { computeType: 'Kubernetes', resourceId: aks, properties: { namespace: 'azureml' } },
    } as ComputeResource,
    POLL,
  );
  expect(attached.properties).toMatchObject({
    computeType: 'Kubernetes',
    isAttachedCompute: true,
    resourceId: aks,
    provisioningState: 'Succeeded',
  });
  expect(inner(attached)).toMatchObject({ namespace: 'azureml' });
  await client.computeOperations.beginDeleteAndWait(info.resourceGroup, 'dev', 'k8s', 'Detach', POLL);
  await expect(client.computeOperations.get(info.resourceGroup, 'dev', 'k8s')).rejects.toMatchObject({
    statusCode: 404,
  });
  const noTarget = await request(info, 'PUT', workspaceUrl(info, 'dev', '/computes/k8s2'), {
    headers: token(),
    body: { properties: { computeType: 'Kubernetes' } },
  });
  expect(noTarget.status).toBe(400);
});

test('state survives a restart with the same state directory', async () => {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-emu-state-'));
  try {
    const first = await startTestEmulator({
      azurite: false,
      stateDir,
      computeProvisioningMs: 50,
      lroRetryAfterSeconds: 0,
    });
    const ids = {
      sub: first.info.subscriptionId,
      tenant: first.info.tenantId,
      client: first.info.clientId,
      secret: first.info.clientSecret,
    };
    try {
      await armClient(first.info).computeOperations.beginCreateOrUpdateAndWait(
        first.info.resourceGroup,
        'dev',
        'kept',
        cluster(4),
        POLL,
      );
    } finally {
      await first.stop();
    }
    expect(JSON.parse(fs.readFileSync(path.join(stateDir, 'state.json'), 'utf8')).computes['dev/kept']).toBeDefined();
    const second = await startTestEmulator({ azurite: false, stateDir });
    try {
      expect([second.info.subscriptionId, second.info.tenantId, second.info.clientId]).toEqual([
        ids.sub,
        ids.tenant,
        ids.client,
      ]);
      expect(second.info.clientSecret).not.toBe(ids.secret); // fresh per start
      const kept = await armClient(second.info).computeOperations.get(second.info.resourceGroup, 'dev', 'kept');
      expect(inner(kept).scaleSettings).toMatchObject({ maxNodeCount: 4 });
    } finally {
      await second.stop();
    }
  } finally {
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
});
