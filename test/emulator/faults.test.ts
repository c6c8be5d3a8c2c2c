import type { ComputeResource } from '@azure/arm-machinelearning';
import type { Emulator } from '../../emulator';
import { startTestEmulator } from '../support/emulator';
import { armClient, bearer, request, workspaceUrl } from './helpers';

/** Injected failures, in-process and through the admin route, as the real clients experience them. */

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startTestEmulator({ azurite: false, computeProvisioningMs: 100, lroRetryAfterSeconds: 0 });
});
afterAll(() => emulator?.stop());
afterEach(() => {
  emulator.faults.clear();
  emulator.clearRequests();
});

const devGets = (): { status: number; fault?: string }[] =>
  emulator.requests
    .filter((r) => r.method === 'GET' && r.path.endsWith('/workspaces/dev'))
    .map((r) => ({ status: r.status, fault: r.fault }));

test('429 with Retry-After: the client waits as told, retries, and succeeds', async () => {
  const { info } = emulator;
  const client = armClient(info);
  await client.workspaces.get(info.resourceGroup, 'prod'); // sign in first so only the ARM call is timed
  emulator.clearRequests();
  emulator.faults.add({
    method: 'GET',
    path: /\/workspaces\/dev$/,
    fault: { status: 429, headers: { 'Retry-After': '1' } },
  });
  const started = Date.now();
  const ws = await client.workspaces.get(info.resourceGroup, 'dev');
  expect(ws.name).toBe('dev');
  expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  expect(devGets()).toEqual([
    { status: 429, fault: 'status 429' },
    { status: 200, fault: undefined },
  ]);
});

test('an injected 429 carries ARM throttling body and headers', async () => {
  const { info } = emulator;
  emulator.faults.add({ path: '/workspaces/dev', times: 2, fault: { status: 429 } });
  const res = await request(info, 'GET', workspaceUrl(info), { headers: bearer(emulator.issueAccessToken()) });
  expect(res.status).toBe(429);
  expect(res.headers['retry-after']).toBe('1');
  expect(res.json.error.code).toBe('TooManyRequests');
  const unavailable = await request(info, 'GET', workspaceUrl(info), { headers: bearer(emulator.issueAccessToken()) });
  expect(unavailable.status).toBe(429);
  expect(
    (await request(info, 'GET', workspaceUrl(info), { headers: bearer(emulator.issueAccessToken()) })).status,
  ).toBe(200);
});

test('a reset connection: the client sees ECONNRESET, retries and succeeds', async () => {
  const { info } = emulator;
  emulator.faults.add({ method: 'GET', path: /\/workspaces\/dev$/, fault: { resetConnection: true } });
  const raw = await request(info, 'GET', workspaceUrl(info), { headers: bearer(emulator.issueAccessToken()) }).catch(
    (e: NodeJS.ErrnoException) => e,
  );
  expect((raw as NodeJS.ErrnoException).code).toBe('ECONNRESET');

  emulator.faults.add({ method: 'GET', path: /\/workspaces\/dev$/, fault: { resetConnection: true } });
  const ws = await armClient(info).workspaces.get(info.resourceGroup, 'dev');
  expect(ws.name).toBe('dev');
  expect(devGets().slice(-2)).toEqual([
    { status: 0, fault: 'resetConnection' },
    { status: 200, fault: undefined },
  ]);
});

test('503 then success, and a delay, shape only the matching method and path', async () => {
  const { info } = emulator;
  emulator.faults.add({ method: 'PUT', path: '/workspaces/dev', fault: { status: 503 } }); // other method: never used
  emulator.faults.add({ method: 'GET', path: /\/workspaces\/dev$/, fault: { delayMs: 300 } });
  const started = Date.now();
  const res = await request(info, 'GET', workspaceUrl(info), { headers: bearer(emulator.issueAccessToken()) });
  expect(res.status).toBe(200);
  expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  expect(emulator.faults.pending()).toHaveLength(1);
});

test('lroFails: the compute operation ends Failed; the poller rejects and the compute shows it', async () => {
  const { info } = emulator;
  const client = armClient(info);
  emulator.faults.add({
    method: 'PUT',
    path: /\/computes\/doomed$/,
    fault: { lroFails: true, error: { code: 'QuotaExceeded', message: 'Not enough cores in westeurope.' } },
  });
  const body = {
    location: info.location,
    properties: {
      computeType: 'AmlCompute',
      properties: { vmSize: 'Standard_DS3_v2', scaleSettings: { maxNodeCount: 1 } },
    },
  } as ComputeResource;
  const error = await client.computeOperations
    .beginCreateOrUpdateAndWait(info.resourceGroup, 'dev', 'doomed', body, { updateIntervalInMs: 20 })
    .catch((e: Error) => e);
  expect(error).toBeInstanceOf(Error);
  expect((error as Error).message).toMatch(/QuotaExceeded|Not enough cores|failed/i);
  const compute = await client.computeOperations.get(info.resourceGroup, 'dev', 'doomed');
  expect(compute.properties?.provisioningState).toBe('Failed');
  expect(compute.properties?.provisioningErrors?.[0]?.error?.code).toBe('QuotaExceeded');
  // The next PUT creates it afresh, as Azure ML does after a failed creation.
  const retried = await client.computeOperations.beginCreateOrUpdateAndWait(info.resourceGroup, 'dev', 'doomed', body, {
    updateIntervalInMs: 20,
  });
  expect(retried.properties?.provisioningState).toBe('Succeeded');
});

test('the admin route configures faults (JSON, regex paths), lists and clears them, and serves the request log', async () => {
  const { info } = emulator;
  const added = await request(info, 'POST', `${info.adminUrl}/faults`, {
    body: [
      { method: 'GET', path: { regex: '/workspaces/dev$', flags: 'i' }, times: 2, fault: { status: 503 } },
      { path: '/workspaces/prod', fault: { status: 500, body: { error: { code: 'Custom', message: 'custom body' } } } },
    ],
  });
  expect(added).toMatchObject({ status: 201, json: { added: 2 } });
  expect((await request(info, 'GET', `${info.adminUrl}/faults`)).json).toHaveLength(2);

  const headers = bearer(emulator.issueAccessToken());
  expect((await request(info, 'GET', workspaceUrl(info), { headers })).status).toBe(503);
  const prod = await request(info, 'GET', workspaceUrl(info, 'prod'), { headers });
  expect(prod).toMatchObject({ status: 500, json: { error: { code: 'Custom' } } });

  expect((await request(info, 'DELETE', `${info.adminUrl}/faults`)).status).toBe(204);
  expect((await request(info, 'GET', workspaceUrl(info), { headers })).status).toBe(200);

  const log = await request(info, 'GET', `${info.adminUrl}/requests`);
  expect(log.json.map((r: { status: number }) => r.status)).toEqual([503, 500, 200]);
  expect(log.json[0].headers.authorization).toBe('Bearer');
  expect(log.json.every((r: { path: string }) => !r.path.startsWith('/_admin'))).toBe(true);

  const bad = await request(info, 'POST', `${info.adminUrl}/faults`, {
    body: { path: '/x', fault: { status: 503, delayMs: 5 } },
  });
  expect(bad.status).toBe(400);
});
