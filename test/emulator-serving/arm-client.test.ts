import type { Emulator } from '../../emulator';
import { startTestEmulator } from '../support/emulator';
import { armClient } from '../emulator/helpers';
import { folderWith, Online } from './helpers';

/**
 * The project's ARM client (@azure/arm-machinelearning with api-version 2024-10-01) drives online
 * endpoints and deployments through the emulator's long-running operations: create, wait, read
 * keys and logs, scale with PATCH, delete endpoint and deployments.
 */

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startTestEmulator({ onlineProvisioningMs: 100, lroRetryAfterSeconds: 0 });
}, 60_000);
afterAll(() => emulator?.stop());

test('create, scale and delete through the real ARM client and its LRO pollers', async () => {
  const ws = new Online(emulator);
  const codeId = await ws.createCode(
    folderWith({ 'score.py': 'def init():\n    pass\n\ndef run(raw):\n    return raw\n' }),
    'echo',
  );
  const client = armClient(emulator.info);
  const rg = emulator.info.resourceGroup;

  const endpoint = await client.onlineEndpoints.beginCreateOrUpdateAndWait(
    rg,
    'dev',
    'sdk-endpoint',
    { location: emulator.info.location, properties: { authMode: 'Key' } },
    { updateIntervalInMs: 50 },
  );
  expect(endpoint.properties).toMatchObject({ provisioningState: 'Succeeded', authMode: 'Key' });

  const deployment = await client.onlineDeployments.beginCreateOrUpdateAndWait(
    rg,
    'dev',
    'sdk-endpoint',
    'blue',
    {
      location: emulator.info.location,
      sku: { name: 'Default', capacity: 1 },
      properties: {
        endpointComputeType: 'Managed',
        instanceType: 'Standard_F2s_v2',
        codeConfiguration: { codeId, scoringScript: 'score.py' },
      },
    },
    { updateIntervalInMs: 50 },
  );
  expect(deployment.properties.provisioningState).toBe('Succeeded');

  const scaled = await client.onlineDeployments.beginUpdateAndWait(
    rg,
    'dev',
    'sdk-endpoint',
    'blue',
    { sku: { capacity: 2 } },
    { updateIntervalInMs: 50 },
  );
  expect([scaled.sku?.capacity, scaled.properties.provisioningState]).toEqual([2, 'Succeeded']);

  const keys = await client.onlineEndpoints.listKeys(rg, 'dev', 'sdk-endpoint');
  const res = await ws.score(endpoint.properties.scoringUri!, '"hello"', {
    authorization: `Bearer ${keys.primaryKey}`,
    'azureml-model-deployment': 'blue',
  });
  expect([res.status, res.text]).toEqual([200, '"hello"']);
  ws.close();

  const logs = await client.onlineDeployments.getLogs(rg, 'dev', 'sdk-endpoint', 'blue', {
    containerType: 'InferenceServer',
    tail: 50,
  });
  expect(logs.content).toMatch(/init\(\) completed/);
  const skus = [];
  for await (const sku of client.onlineDeployments.listSkus(rg, 'dev', 'sdk-endpoint', 'blue')) skus.push(sku);
  expect(skus[0]).toMatchObject({ sku: { name: 'Default' } });

  await client.onlineEndpoints.beginDeleteAndWait(rg, 'dev', 'sdk-endpoint', { updateIntervalInMs: 50 });
  await expect(client.onlineEndpoints.get(rg, 'dev', 'sdk-endpoint')).rejects.toMatchObject({ statusCode: 404 });
  await expect(client.onlineDeployments.get(rg, 'dev', 'sdk-endpoint', 'blue')).rejects.toMatchObject({
    statusCode: 404,
  });
  expect(emulator.specViolations).toEqual([]);
});
