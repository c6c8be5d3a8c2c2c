import type { Emulator } from '../../emulator';
import { request } from '../emulator/helpers';
import { startTestEmulator } from '../support/emulator';
import { Workspace } from './helpers';

/** The MLflow REST subset as clients call it directly (azureml-mlflow, MLflow's own client, CI steps). */

let emulator: Emulator;
let ws: Workspace;

beforeAll(async () => {
  emulator = await startTestEmulator({ azurite: false });
  ws = new Workspace(emulator);
});
afterAll(() => emulator?.stop());

test('experiments: create, get by name and id; a second create with the same name is refused', async () => {
  const created = await ws.mlflow('POST', 'experiments/create', {
    name: 'direct',
    tags: [{ key: 'team', value: 'a' }],
  });
  expect(created.status).toBe(200);
  const id = created.json.experiment_id;
  const byName = await ws.mlflow('GET', 'experiments/get-by-name?experiment_name=direct');
  expect(byName.json.experiment).toMatchObject({ experiment_id: id, name: 'direct', lifecycle_stage: 'active' });
  expect(byName.json.experiment.tags).toEqual([{ key: 'team', value: 'a' }]);
  expect((await ws.mlflow('GET', `experiments/get?experiment_id=${id}`)).json.experiment.name).toBe('direct');
  const again = await ws.mlflow('POST', 'experiments/create', { name: 'direct' });
  expect(again).toMatchObject({ status: 400, json: { error_code: 'RESOURCE_ALREADY_EXISTS' } });
  const missing = await ws.mlflow('GET', 'experiments/get-by-name?experiment_name=nope');
  expect(missing).toMatchObject({ status: 404, json: { error_code: 'RESOURCE_DOES_NOT_EXIST' } });
});

test('runs: create, log metrics/params/tags one by one and in batches, update, history', async () => {
  const exp = (await ws.mlflow('POST', 'experiments/create', { name: 'runs-exp' })).json.experiment_id;
  const run = await ws.mlflow('POST', 'runs/create', {
    experiment_id: exp,
    start_time: 1000,
    run_name: 'manual',
    tags: [{ key: 'kind', value: 'manual' }],
  });
  expect(run.status).toBe(200);
  const id = run.json.run.info.run_id;
  expect(run.json.run.info).toMatchObject({ status: 'RUNNING', run_name: 'manual', experiment_id: exp });

  const calls: Array<[string, object]> = [
    ['runs/log-metric', { run_id: id, key: 'loss', value: 0.9, timestamp: 1, step: 0 }],
    ['runs/log-metric', { run_id: id, key: 'loss', value: 0.5, timestamp: 2, step: 1 }],
    ['runs/log-parameter', { run_id: id, key: 'lr', value: '0.01' }],
    ['runs/set-tag', { run_id: id, key: 'stage', value: 'dev' }],
    [
      'runs/log-batch',
      {
        run_id: id,
        metrics: [{ key: 'loss', value: 0.2, timestamp: 3, step: 2 }],
        params: [{ key: 'epochs', value: '3' }],
        tags: [{ key: 'stage', value: 'prod' }],
      },
    ],
  ];
  for (const [call, body] of calls) expect((await ws.mlflow('POST', call, body)).status).toBe(200);
  const changed = await ws.mlflow('POST', 'runs/log-parameter', { run_id: id, key: 'lr', value: '0.1' });
  expect(changed).toMatchObject({ status: 400, json: { error_code: 'INVALID_PARAMETER_VALUE' } });

  const updated = await ws.mlflow('POST', 'runs/update', { run_id: id, status: 'FINISHED', end_time: 5000 });
  expect(updated.json.run_info).toMatchObject({ status: 'FINISHED', end_time: 5000 });
  const got = (await ws.mlflow('GET', `runs/get?run_id=${id}`)).json.run;
  expect(got.data.metrics).toEqual([{ key: 'loss', value: 0.2, timestamp: 3, step: 2 }]);
  expect(got.data.params).toEqual([
    { key: 'lr', value: '0.01' },
    { key: 'epochs', value: '3' },
  ]);
  expect(got.data.tags).toEqual(expect.arrayContaining([{ key: 'stage', value: 'prod' }]));
  const history = await ws.mlflow('GET', `metrics/get-history?run_id=${id}&metric_key=loss`);
  expect(history.json.metrics.map((m: any) => m.value)).toEqual([0.9, 0.5, 0.2]);
  expect((await ws.mlflow('GET', 'runs/get?run_id=nope')).status).toBe(404);
});

test('runs/search: filters on metrics, params, tags and attributes, ordering and pages', async () => {
  const exp = (await ws.mlflow('POST', 'experiments/create', { name: 'search-exp' })).json.experiment_id;
  for (const [name, acc, model] of [
    ['a', 0.7, 'tree'],
    ['b', 0.9, 'forest'],
    ['c', 0.8, 'forest'],
  ] as const) {
    const id = (await ws.mlflow('POST', 'runs/create', { experiment_id: exp, run_name: name })).json.run.info.run_id;
    await ws.mlflow('POST', 'runs/log-batch', {
      run_id: id,
      metrics: [{ key: 'acc', value: acc, timestamp: 1, step: 0 }],
      params: [{ key: 'model', value: model }],
    });
  }
  const search = async (body: object): Promise<string[]> => {
    const res = await ws.mlflow('POST', 'runs/search', { experiment_ids: [exp], ...body });
    expect(res.status).toBe(200);
    return res.json.runs.map((r: any) => r.info.run_name);
  };
  expect(await search({ filter: "params.model = 'forest' and metrics.acc > 0.85" })).toEqual(['b']);
  expect(await search({ order_by: ['metrics.acc DESC'] })).toEqual(['b', 'c', 'a']);
  const or = await ws.mlflow('POST', 'runs/search', {
    experiment_ids: [exp],
    filter: "attributes.run_name LIKE 'b%' OR 1",
  });
  expect(or).toMatchObject({ status: 400, json: { error_code: 'INVALID_PARAMETER_VALUE' } });
  expect(await search({ filter: "tags.mlflow.runName != 'a'", order_by: ['attributes.run_name ASC'] })).toEqual([
    'b',
    'c',
  ]);
  const page = await ws.mlflow('POST', 'runs/search', {
    experiment_ids: [exp],
    max_results: 2,
    order_by: ['metrics.acc'],
  });
  expect(page.json.runs.map((r: any) => r.info.run_name)).toEqual(['a', 'c']);
  const next = await ws.mlflow('POST', 'runs/search', {
    experiment_ids: [exp],
    max_results: 2,
    order_by: ['metrics.acc'],
    page_token: page.json.next_page_token,
  });
  expect(next.json.runs.map((r: any) => r.info.run_name)).toEqual(['b']);
  expect(next.json.next_page_token).toBeUndefined();
});

test('the MLflow API checks tokens and workspaces like the rest of the workspace', async () => {
  const url = `${emulator.info.authorityHost}/mlflow/v1.0${ws.armId}/api/2.0/mlflow/experiments/get-by-name?experiment_name=x`;
  expect((await request(emulator.info, 'GET', url)).status).toBe(401);
  const expired = await request(emulator.info, 'GET', url, {
    headers: { authorization: `Bearer ${emulator.issueAccessToken({ lifetimeSeconds: -10 })}` },
  });
  expect(expired).toMatchObject({ status: 401, json: { error_code: 'UNAUTHENTICATED' } });
  const other = new Workspace(emulator, 'nowhere');
  expect((await other.mlflow('GET', 'experiments/get-by-name?experiment_name=x')).status).toBe(404);
  expect((await ws.mlflow('GET', 'artifacts/list')).json.error_code).toBe('ENDPOINT_NOT_FOUND');
});
