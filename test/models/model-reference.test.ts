import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveModel } from '../../emulator/assets/model-reference';
import { commitRegistryModelVersion } from '../../emulator/assets/registry-store';
import { putVersion } from '../../emulator/assets/store';
import { newIdentities, StateStore } from '../../emulator/state';
import type { World } from '../../emulator/world';

/** resolveModel: every way a deployment or job names a model version finds the same record. */
let w: World;

beforeAll(() => {
  const state = StateStore.open(fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-modelref-')), newIdentities);
  w = {
    ids: state.data.identities,
    state,
    baseUrl: 'https://127.0.0.1:1',
    provisioningMs: 0,
    retryAfterSeconds: 0,
    pageSize: 50,
    blobEndpoint: '',
    log: () => undefined,
  };
  const dev = w.ids.workspaces[0];
  for (const v of ['1', '2']) {
    putVersion(w, dev, 'models', 'churn', v, {
      properties: {
        modelType: 'mlflow_model',
        modelUri: `azureml://datastores/workspaceblobstore/paths/m/${v}`,
        properties: { k: v },
      },
    });
  }
  commitRegistryModelVersion(
    w,
    'churn',
    '2',
    { modelType: 'mlflow_model', modelUri: 'http://127.0.0.1:10000/devstoreaccount1/reg/models/churn/2/model' },
    'op',
  );
});

describe('resolveModel', () => {
  const sub = () => w.ids.subscriptionId;
  const rg = () => w.ids.resourceGroup;
  const cases: Array<[string, () => string, string | undefined, string | undefined]> = [
    ['azureml:name:version', () => 'azureml:churn:1', '1', 'dev'],
    ['name:version', () => 'churn:2', '2', 'dev'],
    ['name@latest', () => 'azureml:churn@latest', '2', 'dev'],
    [
      'workspace ARM id',
      () =>
        `/subscriptions/${sub()}/resourceGroups/${rg()}/providers/Microsoft.MachineLearningServices/workspaces/dev/models/churn/versions/1`,
      '1',
      'dev',
    ],
    ['registry URI', () => `azureml://registries/${w.ids.registryName}/models/churn/versions/2`, '2', 'registry'],
    [
      'registry ARM id',
      () =>
        `azureml:/subscriptions/${sub()}/resourceGroups/${rg()}/providers/Microsoft.MachineLearningServices/registries/${w.ids.registryName}/models/churn/versions/2`,
      '2',
      'registry',
    ],
    ['unknown version', () => 'churn:9', undefined, undefined],
    ['other registry', () => 'azureml://registries/elsewhere/models/churn/versions/2', undefined, undefined],
    ['not a reference', () => 'churn', undefined, undefined],
  ];
  it.each(cases)('%s', (_what, ref, version, scope) => {
    const found = resolveModel(w, w.ids.workspaces[0], ref());
    if (!version) return expect(found).toBeUndefined();
    expect(found).toMatchObject({ name: 'churn', version, type: 'mlflow_model' });
    expect(found!.scope.startsWith(scope!)).toBe(true);
    expect(found!.path).toMatch(
      scope === 'registry' ? /^http:.*\/models\/churn\/2\/model$/ : /^azureml:\/\/datastores\//,
    );
  });
});
