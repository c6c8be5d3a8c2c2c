import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Emulator } from '../../emulator';
import { errorMessage } from '../../shared/errors';
import { runStep } from '../../shared/run-step';
import { emulatorInputs, secretEnvOf } from '../support/connection';
import { oracleUnavailable, SHARED } from '../support/oracle';
import { RecordingHost } from '../support/recording-host';
import {
  firstPut,
  loadAllowedDifferences,
  oracleCreate,
  startOracleEmulator,
  unexplainedDifferences,
} from '../support/wire-diff';
import { Workspace } from '../emulator-jobs/helpers';

/**
 * Microsoft's azure-ai-ml creates the corpus's managed and Kubernetes online endpoints and
 * deployments against the emulator (workspace dev); deploy-online creates the same files in
 * workspace prod. The PUT bodies match field by field except for what allowed-differences.json
 * explains. The corpus ships YAML only: a standard-library scoring script and a model folder are
 * written beside it, and the model is registered first in both workspaces and named with
 * `--set model=` / the model input (azure-ai-ml 1.4 cannot read back an anonymous model version).
 * The vnet sample's custom container (an inline environment with inference_config) is compared in
 * full, environment version body included. Its liveness and readiness routes are `/` in the corpus,
 * which the 2024-10-01 spec's Route.path pattern ([a-zA-Z0-9_]) refuses and the emulator enforces
 * at that api-version (azure-ai-ml sends environments at an older one), so they become `/health`.
 */
const reason = oracleUnavailable();
if (reason) console.warn(`online oracle skipped: ${reason}`);
const oracleTest = reason ? test.skip : test;

const CORPUS = path.join(SHARED, 'corpus', 'azureml-examples', 'cli', 'endpoints', 'online');

const RULES = loadAllowedDifferences(__dirname);

let emulator: Emulator;
let tree: string;
let token: string;

const SCORE = `import os, json

def init():
    global weights
    with open(os.path.join(os.getenv("AZUREML_MODEL_DIR"), "model", "weights.json")) as f:
        weights = json.load(f)

def run(raw_data):
    rows = json.loads(raw_data)["data"]
    return [sum(w * x for w, x in zip(weights, row)) for row in rows]
`;

beforeAll(async () => {
  if (reason) return;
  ({ emulator, token } = await startOracleEmulator({
    onlineProvisioningMs: 100,
    computeProvisioningMs: 20,
    lroRetryAfterSeconds: 1,
  }));
  tree = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-online-oracle-'));
  fs.cpSync(CORPUS, tree, { recursive: true });
  fs.mkdirSync(path.join(tree, 'model-1', 'onlinescoring'), { recursive: true });
  fs.writeFileSync(path.join(tree, 'model-1', 'onlinescoring', 'score.py'), SCORE);
  fs.mkdirSync(path.join(tree, 'managed', 'vnet', 'sample', 'onlinescoring'), { recursive: true });
  fs.writeFileSync(path.join(tree, 'managed', 'vnet', 'sample', 'onlinescoring', 'score.py'), SCORE);
  const vnet = path.join(tree, 'managed', 'vnet', 'sample', 'blue-deployment-vnet.yml');
  fs.writeFileSync(vnet, fs.readFileSync(vnet, 'utf8').replace(/path: \/$/gm, 'path: /health'));
  fs.mkdirSync(path.join(tree, 'model-1', 'model'), { recursive: true });
  fs.writeFileSync(path.join(tree, 'model-1', 'model', 'weights.json'), JSON.stringify(Array(10).fill(1)));
  for (const ws of ['dev', 'prod']) {
    const modelUri = await new Workspace(emulator, ws).uploadFolder(
      path.join(tree, 'model-1', 'model'),
      'LocalUpload/model-1/model',
    );
    const status = await arm(ws, 'PUT', 'models/model-1/versions/1', {
      properties: {
        modelUri,
        modelType: 'custom_model',
        flavors: {},
      },
    });
    expect(status).toBeLessThan(300);
    expect(
      await arm(ws, 'PUT', 'computes/inferencecompute', {
        properties: {
          computeType: 'Kubernetes',
          resourceId: `/subscriptions/${emulator.info.subscriptionId}/resourceGroups/${emulator.info.resourceGroup}/providers/Microsoft.Kubernetes/connectedClusters/arc`,
          properties: { namespace: 'azureml' },
        },
      }),
    ).toBeLessThan(300);
  }
  await new Promise((r) => setTimeout(r, 200));
}, 60_000);

afterAll(async () => {
  await emulator?.stop();
  if (tree) fs.rmSync(tree, { recursive: true, force: true });
});

async function arm(ws: string, method: string, below: string, body?: unknown): Promise<number> {
  const { info } = emulator;
  const url = `${info.armEndpoint}subscriptions/${info.subscriptionId}/resourceGroups/${info.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${ws}/${below}?api-version=2024-10-01`;
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${emulator.issueAccessToken()}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  await res.text();
  return res.status;
}

/** Each corpus pair names the same endpoint: the one before is deleted first. */
async function deleteEndpoint(ws: string, name: string): Promise<void> {
  if ((await arm(ws, 'DELETE', `onlineEndpoints/${name}`)) === 204) return;
  for (let i = 0; i < 300 && (await arm(ws, 'GET', `onlineEndpoints/${name}`)) !== 404; i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function ours(endpointFile: string, deploymentFile: string): Promise<void> {
  const host = new RecordingHost(
    {
      ...emulatorInputs(emulator, 'prod'),
      'endpoint-file': endpointFile,
      'deployment-file': deploymentFile,
      model: 'azureml:model-1:1',
      timeout: '2m',
    },
    secretEnvOf(emulator),
    tree,
  );
  let error: string | undefined;
  try {
    await runStep('deploy-online', host);
  } catch (err) {
    error = errorMessage(err);
  }
  expect(error).toBeUndefined();
}

describe('azure-ai-ml and deploy-online send the same online endpoint and deployment bodies', () => {
  it.each([
    ['managed/sample/endpoint.yml', 'managed/sample/blue-deployment.yml'],
    ['kubernetes/kubernetes-endpoint.yml', 'kubernetes/kubernetes-blue-deployment.yml'],
    // Public network access off, egress off, and a custom container with its own routes.
    ['managed/vnet/sample/endpoint.yml', 'managed/vnet/sample/blue-deployment-vnet.yml'],
  ])(
    '%s + %s',
    async (endpointRel, deploymentRel) => {
      if (reason) return;
      const endpointFile = path.join(tree, endpointRel);
      const deploymentFile = path.join(tree, deploymentRel);
      const endpoint = /^name:\s*(\S+)/m.exec(fs.readFileSync(endpointFile, 'utf8'))![1];
      const deployment = /^name:\s*(\S+)/m.exec(fs.readFileSync(deploymentFile, 'utf8'))![1];
      for (const ws of ['dev', 'prod']) await deleteEndpoint(ws, endpoint);
      emulator.clearRequests();
      await oracleCreate(emulator, token, 'online-endpoint', endpointFile, [], 120_000);
      await oracleCreate(
        emulator,
        token,
        'online-deployment',
        deploymentFile,
        ['--set', 'model=azureml:model-1:1', '--set', `endpoint_name=${endpoint}`],
        120_000,
      );
      await ours(endpointFile, deploymentFile);
      const e = `onlineEndpoints/${endpoint}`;
      expect(
        unexplainedDifferences(RULES, 'endpoint', firstPut(emulator, 'dev', e), firstPut(emulator, 'prod', e)),
      ).toEqual([]);
      const d = `${e}/deployments/${deployment}`;
      expect(
        unexplainedDifferences(RULES, 'deployment', firstPut(emulator, 'dev', d), firstPut(emulator, 'prod', d)),
      ).toEqual([]);
      // An inline environment (the vnet sample's custom container): same name, version and body
      // (deploy-online sends none when an earlier sample already created that version).
      const environmentId = (firstPut(emulator, 'dev', d) as any).properties?.environmentId as string | undefined;
      const anonymous = /\/(environments\/CliV2AnonymousEnvironment\/versions\/[^/]+)$/.exec(environmentId ?? '');
      const created = (ws: string) =>
        emulator.requests.some((r) => r.method === 'PUT' && r.path.endsWith(`/workspaces/${ws}/${anonymous?.[1]}`));
      if (anonymous && created('prod')) {
        expect(
          unexplainedDifferences(
            RULES,
            'environment',
            firstPut(emulator, 'dev', anonymous[1]),
            firstPut(emulator, 'prod', anonymous[1]),
          ),
        ).toEqual([]);
      }
      // Both sides draw only spec-conformant answers, azure-ai-ml's lower-case enums included.
      expect(emulator.specViolations).toEqual([]);
    },
    240_000,
  );
});

oracleTest('every allowed difference has a reason', () => {
  for (const rule of RULES) expect(rule.reason.length).toBeGreaterThan(20);
});
