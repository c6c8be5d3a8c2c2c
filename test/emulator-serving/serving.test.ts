import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Emulator } from '../../emulator';
import { startTestEmulator } from '../support/emulator';
import { bearer, request, tokenFor } from '../emulator/helpers';
import { folderWith, Online, scoringProcessesBelow } from './helpers';

/**
 * Online endpoints that really serve: deployments run their scoring script under the inference
 * server's init()/run() contract, the endpoint checks keys and tokens, routes by the deployment
 * header, traffic weights and mirror traffic, and the emulator leaves no scoring process behind.
 */

const SCORE = `
import json, os, resource
model = None
def init():
    global model
    with open(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model", "weights.txt")) as f:
        model = f.read().strip()
    print("model loaded:", model)

def run(raw):
    data = json.loads(raw)
    if data.get("fail"):
        raise ValueError("bad input: " + str(data["fail"]))
    if data.get("mirror_probe"):
        print("probe seen by", os.environ.get("COLOR"))
    if data.get("limits"):
        return {"workers": os.environ.get("WORKER_COUNT"), "pid": os.getpid(),
                "memory_mb": resource.getrlimit(resource.RLIMIT_AS)[0] // (1024 * 1024)}
    return {"model": model, "color": os.environ.get("COLOR"), "sum": sum(data.get("data", []))}
`;

const BROKEN_INIT = `
def init():
    raise RuntimeError("cannot load the model: weights are corrupt")

def run(raw):
    return raw
`;

let emulator: Emulator;
let ws: Online;
let codeId: string;
let modelId: string;
let brokenCodeId: string;

beforeAll(async () => {
  emulator = await startTestEmulator({ onlineProvisioningMs: 100, computeProvisioningMs: 100 });
  ws = new Online(emulator);
  codeId = await ws.createCode(folderWith({ 'score.py': SCORE }), 'scoring');
  brokenCodeId = await ws.createCode(folderWith({ 'score.py': BROKEN_INIT }), 'broken-scoring');
  const modelDir = path.join(folderWith({ 'model/weights.txt': 'w-42\n' }), 'model');
  modelId = await ws.createModel(modelDir, 'tiny-model');
}, 60_000);

afterAll(async () => {
  ws?.close();
  await emulator?.stop();
});

const deployment = (color: string, extra: Record<string, unknown> = {}, count = 1) =>
  ws.deploymentBody(codeId, modelId, { environmentVariables: { COLOR: color }, ...extra }, count);

test('a deployment serves its scoring script at the endpoint scoringUri with the endpoint key', async () => {
  const endpoint = await ws.createEndpoint('serve-one');
  expect(endpoint.properties.scoringUri).toBe(`${emulator.info.authorityHost}/_online/dev/serve-one/score`);
  expect(endpoint.properties).toMatchObject({ authMode: 'Key', provisioningState: 'Succeeded', traffic: {} });

  const blue = await ws.createDeployment('serve-one', 'blue', deployment('blue'));
  expect(blue.properties.provisioningState).toBe('Succeeded');
  expect(await ws.setTraffic('serve-one', { blue: 100 })).toMatchObject({ status: 200 });

  const { primaryKey, secondaryKey } = await ws.keys('serve-one');
  const uri = endpoint.properties.scoringUri;
  const res = await ws.score(uri, { data: [1, 2, 3] }, { authorization: `Bearer ${primaryKey}` });
  expect(res.status).toBe(200);
  expect(res.headers['azureml-model-deployment']).toBe('blue');
  // The model came down from storage (AZUREML_MODEL_DIR), environment variables and instance size applied.
  expect(res.json).toEqual({ model: 'w-42', color: 'blue', sum: 6 });
  // Standard_DS2_v2: 2 vCPUs and 7 GB become 2 workers and a 7168 MB address-space limit.
  const limits = await ws.score(uri, { limits: true }, { authorization: `Bearer ${primaryKey}` });
  expect(limits.json).toMatchObject({ workers: '2', memory_mb: 7168 });
  expect((await ws.score(uri, { data: [] }, { authorization: `Bearer ${secondaryKey}` })).status).toBe(200);

  // What the script printed and what the storage initializer did are in the container logs.
  expect(await ws.logs('serve-one', 'blue')).toMatch(/model loaded: w-42/);
  expect(await ws.logs('serve-one', 'blue')).toMatch(/Environments are not built locally/);
  expect(await ws.logs('serve-one', 'blue', 'StorageInitializer')).toMatch(/Downloaded model tiny-model:1/);
  expect((await ws.logs('serve-one', 'blue', 'InferenceServer', 1)).split('\n')).toHaveLength(1);
  expect(emulator.specViolations).toEqual([]);
});

test('missing, wrong and regenerated keys get 401; run() raising answers 500 with its message', async () => {
  const uri = (await ws.arm('GET', '/onlineEndpoints/serve-one')).json.properties.scoringUri;
  const none = await ws.score(uri, { data: [1] });
  expect(none.status).toBe(401);
  expect(none.json.message).toMatch(/key_auth_access_denied/);
  expect((await ws.score(uri, { data: [1] }, { authorization: 'Bearer not-a-key' })).status).toBe(401);

  const failing = await ws.score(
    uri,
    { fail: 'x' },
    { authorization: `Bearer ${(await ws.keys('serve-one')).primaryKey}` },
  );
  expect(failing.status).toBe(500);
  expect(failing.text).toContain('ValueError: bad input: x');
  expect(failing.headers['azureml-model-deployment']).toBe('blue');
  expect(await ws.logs('serve-one', 'blue')).toMatch(/Traceback[\s\S]*ValueError: bad input: x/);

  const old = (await ws.keys('serve-one')).primaryKey;
  const regen = await ws.arm('POST', '/onlineEndpoints/serve-one/regenerateKeys', { keyType: 'Primary' });
  expect(regen.status).toBe(202);
  const fresh = (await ws.keys('serve-one')).primaryKey;
  expect(fresh).not.toBe(old);
  expect((await ws.score(uri, { data: [1] }, { authorization: `Bearer ${old}` })).status).toBe(401);
  expect((await ws.score(uri, { data: [1] }, { authorization: `Bearer ${fresh}` })).status).toBe(200);
});

test('the deployment header, 50/50 traffic and mirror traffic route where they say', async () => {
  const endpoint = await ws.createEndpoint('split');
  await ws.createDeployment('split', 'blue', deployment('blue'));
  await ws.createDeployment('split', 'green', deployment('green', {}, 2));
  await ws.createDeployment('split', 'shadow', deployment('shadow'));
  const auth = { authorization: `Bearer ${(await ws.keys('split')).primaryKey}` };
  const uri = endpoint.properties.scoringUri;

  // No traffic yet: only the header reaches a deployment.
  const noTraffic = await ws.score(uri, { data: [1] }, auth);
  expect(noTraffic.status).toBe(404);
  expect(noTraffic.json.message).toMatch(/No valid deployments to route to/);
  const direct = await ws.score(uri, { data: [1] }, { ...auth, 'azureml-model-deployment': 'green' });
  expect([direct.status, direct.json.color, direct.headers['azureml-model-deployment']]).toEqual([
    200,
    'green',
    'green',
  ]);
  const unknown = await ws.score(uri, { data: [1] }, { ...auth, 'azureml-model-deployment': 'purple' });
  expect(unknown.status).toBe(404);
  expect(unknown.json.message).toMatch(/purple/);

  // Traffic is checked the way ARM does.
  expect((await ws.setTraffic('split', { blue: 50, green: 40 })).json.error.message).toMatch(/sum to 100/);
  expect((await ws.setTraffic('split', { blue: 50, purple: 50 })).json.error.message).toMatch(
    /'purple', which does not exist/,
  );
  expect((await ws.setTraffic('split', { blue: 50, green: 50 }, { shadow: 60 })).json.error.message).toMatch(
    /at most 50/,
  );
  expect((await ws.setTraffic('split', { blue: 50, green: 50 }, { green: 10 })).json.error.message).toMatch(
    /live traffic/,
  );

  expect((await ws.setTraffic('split', { blue: 50, green: 50 }, { shadow: 50 })).status).toBe(200);
  const seen: Record<string, number> = {};
  for (let i = 0; i < 60; i++) {
    const res = await ws.score(uri, { data: [i], mirror_probe: true }, auth);
    expect(res.status).toBe(200);
    // The answering deployment is named in the header and is never the mirror.
    expect(res.headers['azureml-model-deployment']).toBe(res.json.color);
    seen[res.json.color] = (seen[res.json.color] ?? 0) + 1;
  }
  expect(Object.keys(seen).sort()).toEqual(['blue', 'green']);
  // 60 fair coin flips: each side well above 10 unless something is badly skewed (p < 1e-6).
  expect(Math.min(seen.blue, seen.green)).toBeGreaterThan(10);
  // About half of the requests were copied to the mirror, whose answers went nowhere.
  const mirrored = async () => ((await ws.logs('split', 'shadow')).match(/probe seen by shadow/g) ?? []).length;
  for (let i = 0; i < 50 && (await mirrored()) < 10; i++) await new Promise((r) => setTimeout(r, 100));
  expect(await mirrored()).toBeGreaterThanOrEqual(10);

  // A deployment with traffic cannot be deleted; the ARM error says what to do.
  const del = await ws.arm('DELETE', '/onlineEndpoints/split/deployments/blue');
  expect([del.status, del.json.error.message]).toEqual([400, expect.stringMatching(/Set its traffic to 0 first/)]);
  expect(emulator.specViolations).toEqual([]);
});

test('init() raising ends the deployment Failed with the error, the traceback is in its logs', async () => {
  await ws.createEndpoint('broken');
  const res = await ws.arm(
    'PUT',
    '/onlineEndpoints/broken/deployments/blue',
    ws.deploymentBody(brokenCodeId, undefined),
  );
  expect(res.status).toBe(201);
  const monitor = await ws.waitFor('/onlineEndpoints/broken/deployments/blue');
  expect(monitor.properties.provisioningState).toBe('Failed');
  const status = await fetchJson(res.headers['azure-asyncoperation'] as string);
  expect(status).toMatchObject({ status: 'Failed', error: { code: 'ResourceNotReady' } });
  expect(status.error.message).toContain('RuntimeError: cannot load the model: weights are corrupt');
  const logs = await ws.logs('broken', 'blue');
  expect(logs).toMatch(/Traceback \(most recent call last\)[\s\S]*in init[\s\S]*RuntimeError: cannot load the model/);

  // Provisioning can also fail on Azure's side (an injected LRO failure); the operation says why.
  emulator.faults.add({
    method: 'PUT',
    path: /deployments\/injected$/,
    fault: { lroFails: true, error: { code: 'OutOfQuota', message: 'Not enough quota for Standard_DS2_v2.' } },
  });
  const injected = await ws.arm(
    'PUT',
    '/onlineEndpoints/broken/deployments/injected',
    ws.deploymentBody(codeId, modelId),
  );
  expect(injected.status).toBe(201);
  expect((await ws.waitFor('/onlineEndpoints/broken/deployments/injected')).properties.provisioningState).toBe(
    'Failed',
  );
  expect(await fetchJson(injected.headers['azure-asyncoperation'] as string)).toMatchObject({
    status: 'Failed',
    error: { code: 'OutOfQuota', message: 'Not enough quota for Standard_DS2_v2.' },
  });

  const unknownSize = await ws.arm(
    'PUT',
    '/onlineEndpoints/broken/deployments/green',
    ws.deploymentBody(codeId, modelId, { instanceType: 'Standard_Z99_v9' }),
  );
  expect(unknownSize.status).toBe(400);
  expect(unknownSize.json.error.message).toMatch(/instance type Standard_Z99_v9 is not supported/);
  expect((await ws.arm('GET', '/onlineEndpoints/broken/deployments/green')).status).toBe(404);
});

test('AMLToken and AADToken endpoints take their own tokens and refuse the others', async () => {
  const aml = await ws.createEndpoint('by-token', { authMode: 'AMLToken' });
  await ws.createDeployment('by-token', 'blue', deployment('blue'));
  await ws.setTraffic('by-token', { blue: 100 });
  const token = await ws.arm('POST', '/onlineEndpoints/by-token/token');
  expect(token.json).toMatchObject({ tokenType: 'Bearer', accessToken: expect.any(String) });
  expect(token.json.expiryTimeUtc).toBeGreaterThan(Date.now() / 1000);
  expect((await ws.arm('POST', '/onlineEndpoints/by-token/listKeys')).status).toBe(400);
  const uri = aml.properties.scoringUri;
  expect((await ws.score(uri, { data: [2] }, { authorization: `Bearer ${token.json.accessToken}` })).status).toBe(200);
  expect((await ws.score(uri, { data: [2] }, { authorization: `Bearer ${emulator.issueAccessToken()}` })).status).toBe(
    401,
  );

  const aad = await ws.createEndpoint('by-entra', { authMode: 'AADToken' });
  await ws.createDeployment('by-entra', 'blue', deployment('blue'));
  await ws.setTraffic('by-entra', { blue: 100 });
  const entra = (await tokenFor(emulator.info, undefined, undefined, 'https://ml.azure.com/.default')).json
    .access_token;
  expect((await ws.score(aad.properties.scoringUri, { data: [3] }, { authorization: `Bearer ${entra}` })).status).toBe(
    200,
  );
  // An ARM token is for another audience; an AML token belongs to another endpoint.
  const arm = await ws.score(
    aad.properties.scoringUri,
    { data: [3] },
    { authorization: `Bearer ${emulator.issueAccessToken()}` },
  );
  expect([arm.status, arm.json.message]).toEqual([401, expect.stringMatching(/audience/)]);
  expect(
    (await ws.score(aad.properties.scoringUri, {}, { authorization: `Bearer ${token.json.accessToken}` })).status,
  ).toBe(401);
});

test('deleting an endpoint stops its deployments; stopping the emulator leaves no scoring process', async () => {
  const stateDir = emulator.info.stateDir;
  const before = scoringProcessesBelow(fs.realpathSync(stateDir));
  expect(before.length).toBeGreaterThanOrEqual(6);
  const splitPids = scoringProcessesBelow(path.join(fs.realpathSync(stateDir), 'online', 'dev', 'split'));
  expect(splitPids.length).toBe(4);

  const del = await ws.arm('DELETE', '/onlineEndpoints/split');
  expect(del.status).toBe(202);
  expect(del.headers.location).toMatch(/onlineOperationResults/);
  // Killed at once; the kernel takes a moment to remove them.
  expect(
    await gone(() => scoringProcessesBelow(path.join(fs.realpathSync(stateDir), 'online', 'dev', 'split'))),
  ).toEqual([]);
  for (let i = 0; i < 50 && (await ws.arm('GET', '/onlineEndpoints/split')).status !== 404; i++)
    await new Promise((r) => setTimeout(r, 100));
  expect((await ws.arm('GET', '/onlineEndpoints/split')).status).toBe(404);
  expect((await ws.arm('GET', '/onlineEndpoints/split/deployments/green')).status).toBe(404);

  const realState = fs.realpathSync(stateDir);
  await emulator.stop();
  expect(await gone(() => scoringProcessesBelow(realState))).toEqual([]);
});

async function gone(list: () => number[]): Promise<number[]> {
  for (let i = 0; i < 40 && list().length > 0; i++) await new Promise((r) => setTimeout(r, 50));
  return list();
}

async function fetchJson(url: string): Promise<any> {
  return (await request(emulator.info, 'GET', url, { headers: bearer(emulator.issueAccessToken()) })).json;
}
