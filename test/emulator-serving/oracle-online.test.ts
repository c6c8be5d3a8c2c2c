import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Emulator } from '../../emulator';
import { startTestEmulator } from '../support/emulator';
import { oracleUnavailable, runOracle, SHARED, type OracleRun } from '../support/oracle';
import { Online } from './helpers';

/**
 * Microsoft's own client (azure-ai-ml) creates the corpus's managed and Kubernetes online
 * endpoints and deployments against the emulator, which accepts them, serves them, and reads
 * them back. The corpus ships YAML only, so the scoring scripts are written here: model-1's is
 * the azureml-examples one (it imports joblib, which this machine lacks, so that deployment must
 * end Failed with Python's own ModuleNotFoundError), model-2's needs only the standard library.
 * The models are registered first and named with --set model=...: azure-ai-ml 1.4 cannot read back
 * an anonymous model version without 'flavors', which the emulator's model store leaves out.
 */

const CORPUS = path.join(SHARED, 'corpus', 'azureml-examples', 'cli', 'endpoints', 'online');

const MODEL_1_SCORE = `import os
import logging
import json
import numpy
import joblib


def init():
    global model
    model_path = os.path.join(os.getenv("AZUREML_MODEL_DIR"), "model/sklearn_regression_model.pkl")
    model = joblib.load(model_path)
    logging.info("Init complete")


def run(raw_data):
    data = json.loads(raw_data)["data"]
    data = numpy.array(data)
    result = model.predict(data)
    return result.tolist()
`;

const MODEL_2_SCORE = `import os
import json


def init():
    global weights
    with open(os.path.join(os.getenv("AZUREML_MODEL_DIR"), "model", "weights.json")) as f:
        weights = json.load(f)
    print("model-2 loaded")


def run(raw_data):
    rows = json.loads(raw_data)["data"]
    return [sum(w * x for w, x in zip(weights, row)) for row in rows]
`;

const reason = oracleUnavailable();
if (reason) console.warn(`oracle tests skipped: ${reason}`);
const oracleTest = reason ? test.skip : test;

let emulator: Emulator;
let tree: string;

beforeAll(async () => {
  if (reason) return;
  emulator = await startTestEmulator({
    onlineProvisioningMs: 100,
    computeProvisioningMs: 100,
    lroRetryAfterSeconds: 1,
    acceptStaticTokens: ['oracle-token'],
  });
  tree = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-online-corpus-'));
  fs.cpSync(CORPUS, tree, { recursive: true });
  const write = (rel: string, content: string | Buffer): void => {
    fs.mkdirSync(path.dirname(path.join(tree, rel)), { recursive: true });
    fs.writeFileSync(path.join(tree, rel), content);
  };
  write('model-1/onlinescoring/score.py', MODEL_1_SCORE);
  write('model-1/model/sklearn_regression_model.pkl', Buffer.from('not a real pickle'));
  write('model-2/onlinescoring/score.py', MODEL_2_SCORE);
  write('model-2/model/weights.json', JSON.stringify([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
}, 60_000);

afterAll(async () => {
  await emulator?.stop();
  if (tree) fs.rmSync(tree, { recursive: true, force: true });
});

/** Registers model-1 or model-2 of the tree (uploaded like az ml does) and returns its azureml: reference. */
async function registerModel(ws: Online, which: 'model-1' | 'model-2'): Promise<string> {
  const uri = await ws.uploadFolder(path.join(tree, which, 'model'), `LocalUpload/${which}/model`);
  const res = await ws.arm('PUT', `/models/${which}/versions/1`, {
    properties: { modelUri: uri, modelType: 'custom_model', flavors: {} },
  });
  expect([200, 201]).toContain(res.status);
  return `model=azureml:${which}:1`;
}

function oracle(workspace: string, ...args: string[]): Promise<OracleRun> {
  return runOracle(
    emulator.info,
    { workspace, token: 'oracle-token', blobUrl: emulator.info.blobEndpoint, cwd: tree, timeoutMs: 120_000 },
    ...args,
  );
}

oracleTest(
  'azure-ai-ml creates the managed sample endpoint and blue deployment; the missing joblib fails it like Azure',
  async () => {
    const ws = new Online(emulator, 'dev');
    const endpoint = await oracle('dev', 'create', 'online-endpoint', path.join(tree, 'managed/sample/endpoint.yml'));
    expect([endpoint.code, endpoint.stderr.includes('Error') ? endpoint.stderr : '']).toEqual([0, '']);
    expect(JSON.parse(endpoint.stdout)).toMatchObject({
      name: 'my-endpoint',
      auth_mode: 'key',
      provisioning_state: 'Succeeded',
      scoring_uri: `${emulator.info.authorityHost}/_online/dev/my-endpoint/score`,
    });

    const blue = await oracle(
      'dev',
      'create',
      'online-deployment',
      path.join(tree, 'managed/sample/blue-deployment.yml'),
      '--set',
      await registerModel(ws, 'model-1'),
    );
    expect(blue.code).toBe(1);
    expect(blue.stderr).toContain("ModuleNotFoundError: No module named 'joblib'");
    const read = (await ws.arm('GET', '/onlineEndpoints/my-endpoint/deployments/blue')).json;
    expect(read.properties).toMatchObject({
      provisioningState: 'Failed',
      instanceType: 'Standard_DS3_v2',
      endpointComputeType: 'Managed',
      codeConfiguration: { scoringScript: 'score.py' },
    });
    expect(read.sku).toMatchObject({ capacity: 1 });
    expect(await ws.logs('my-endpoint', 'blue')).toMatch(/Traceback[\s\S]*import joblib[\s\S]*ModuleNotFoundError/);
    expect(await ws.logs('my-endpoint', 'blue', 'StorageInitializer')).toMatch(/Downloaded model .* \(1 files\)/);

    const shown = await oracle('dev', 'show', 'online-endpoint', 'my-endpoint');
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ name: 'my-endpoint', provisioning_state: 'Succeeded' });
    expect(emulator.specViolations).toEqual([]);
  },
  180_000,
);

oracleTest(
  'azure-ai-ml creates the Kubernetes endpoint and deployments on an attached Kubernetes compute; green serves',
  async () => {
    const ws = new Online(emulator, 'prod');
    const attach = await ws.arm('PUT', '/computes/inferencecompute', {
      properties: {
        computeType: 'Kubernetes',
        resourceId: `/subscriptions/${emulator.info.subscriptionId}/resourceGroups/${emulator.info.resourceGroup}/providers/Microsoft.Kubernetes/connectedClusters/arc-cluster`,
        properties: { namespace: 'azureml' },
      },
    });
    expect([200, 201]).toContain(attach.status);
    await ws.waitFor('/computes/inferencecompute', (s) => s === 'Succeeded');

    const endpoint = await oracle(
      'prod',
      'create',
      'online-endpoint',
      path.join(tree, 'kubernetes/kubernetes-endpoint.yml'),
    );
    expect([endpoint.code, endpoint.stderr.includes('Error') ? endpoint.stderr : '']).toEqual([0, '']);
    const created = (await ws.arm('GET', '/onlineEndpoints/my-endpoint')).json;
    expect(created.properties.compute).toBe(`${ws.armId}/computes/inferencecompute`);
    expect(created.tags).toEqual({ tag1: 'endpoint-tag1-value' });

    const [model1, model2] = [await registerModel(ws, 'model-1'), await registerModel(ws, 'model-2')];
    const [blue, green] = await Promise.all([
      oracle(
        'prod',
        'create',
        'online-deployment',
        path.join(tree, 'kubernetes/kubernetes-blue-deployment.yml'),
        '--set',
        model1,
      ),
      oracle(
        'prod',
        'create',
        'online-deployment',
        path.join(tree, 'kubernetes/kubernetes-green-deployment.yml'),
        '--set',
        model2,
      ),
    ]);
    expect(blue.stderr).toContain("ModuleNotFoundError: No module named 'joblib'");
    expect([green.code, green.stderr.includes('Error') ? green.stderr : '']).toEqual([0, '']);
    const greenRead = (await ws.arm('GET', '/onlineEndpoints/my-endpoint/deployments/green')).json;
    expect(greenRead.properties).toMatchObject({
      provisioningState: 'Succeeded',
      endpointComputeType: 'Kubernetes',
      instanceType: 'defaultinstancetype',
      appInsightsEnabled: true,
      containerResourceRequirements: { containerResourceRequests: { cpu: '0.1', memory: '0.1Gi' } },
      scaleSettings: { scaleType: 'TargetUtilization', maxInstances: 3 },
    });
    const blueRead = (await ws.arm('GET', '/onlineEndpoints/my-endpoint/deployments/blue')).json;
    expect(blueRead.properties.containerResourceRequirements.containerResourceLimits).toEqual({
      cpu: '0.2',
      memory: '200Mi',
    });

    const request = JSON.parse(fs.readFileSync(path.join(tree, 'kubernetes/sample-request.json'), 'utf8'));
    const { primaryKey } = (await ws.arm('POST', '/onlineEndpoints/my-endpoint/listKeys')).json;
    const scored = await ws.score(created.properties.scoringUri, request, {
      authorization: `Bearer ${primaryKey}`,
      'azureml-model-deployment': 'green',
    });
    ws.close();
    expect([scored.status, scored.json]).toEqual([200, [385, 220]]);
    expect(emulator.specViolations).toEqual([]);
  },
  180_000,
);
