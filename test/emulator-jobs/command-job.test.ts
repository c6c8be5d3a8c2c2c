import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Emulator } from '../../emulator';
import { request } from '../emulator/helpers';
import { startTestEmulator } from '../support/emulator';
import { folderWith, sleep, Workspace } from './helpers';

/**
 * A command job end to end on the emulator: code snapshot and inputs come down from Azurite, the
 * command runs locally, its log is readable through run history while it runs, the mlflow
 * stand-in logs metrics to the MLflow API, and outputs land in the datastore.
 */

let emulator: Emulator;
let ws: Workspace;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-cmdjob-'));

const TRAIN = `
import argparse, os, time
import mlflow

p = argparse.ArgumentParser()
p.add_argument("--greeting")
p.add_argument("--numbers")
p.add_argument("--threshold")
p.add_argument("--model")
a = p.parse_args()
print("greeting:", a.greeting)
print("run id:", os.environ["AZUREML_RUN_ID"], os.environ["MLFLOW_RUN_ID"])
values = [float(x) for x in open(os.path.join(a.numbers, "numbers.txt")).read().split()]
threshold = float(open(a.threshold).read())
mlflow.log_param("count", len(values))
mlflow.set_tag("stage", "test")
for i, v in enumerate(values):
    mlflow.log_metric("value", v, step=i)
mlflow.log_metrics({"total": sum(values), "above": sum(1 for v in values if v > threshold)})
print("first part done")
# Wait (bounded) until the test has seen the first part of the log while the job runs.
deadline = time.time() + 20
while not os.path.exists(os.environ["RELEASE_FILE"]) and time.time() < deadline:
    time.sleep(0.05)
with open(os.path.join(a.model, "model.txt"), "w") as f:
    f.write("weights=%s\\n" % sum(values))
os.makedirs("outputs", exist_ok=True)
with open("outputs/report.txt", "w") as f:
    f.write("report\\n")
with open("notes.txt", "w") as f:
    f.write("an artifact\\n")
mlflow.log_artifact("notes.txt", "extra")
print("second part done")
`;

beforeAll(async () => {
  emulator = await startTestEmulator({ jobStatusDelayMs: 150 });
  ws = new Workspace(emulator);
  await ws.createCompute();
});
afterAll(async () => {
  await emulator?.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
});
afterEach(() => expect(emulator.specViolations).toEqual([]));

async function submitTrainJob(name: string, releaseFile: string): Promise<any> {
  const codeId = await ws.createCode(folderWith({ 'train.py': TRAIN }), `code-${name}`);
  await ws.uploadFolder(folderWith({ 'numbers.txt': '1 2 3 4' }), `data/${name}/numbers`);
  await ws.uploadFolder(folderWith({ 'threshold.txt': '2.5' }), `data/${name}/limits`);
  const asset = await ws.arm('PUT', `/data/threshold-${name}/versions/1`, {
    properties: {
      dataType: 'uri_file',
      dataUri: `azureml://datastores/workspaceblobstore/paths/data/${name}/limits/threshold.txt`,
    },
  });
  expect(asset.status).toBe(201);
  return {
    properties: {
      jobType: 'Command',
      displayName: 'train numbers',
      experimentName: 'emulator-tests',
      computeId: ws.computeId(),
      codeId,
      environmentId: await ws.createEnvironment(),
      command:
        'python train.py --greeting "${{inputs.greeting}}" --numbers ${{inputs.numbers}} --threshold ${{inputs.threshold}} --model ${{outputs.model}} $[[--unused ${{inputs.missing}}]]',
      environmentVariables: { RELEASE_FILE: releaseFile },
      inputs: {
        greeting: { jobInputType: 'literal', value: 'hello world' },
        numbers: {
          jobInputType: 'uri_folder',
          mode: 'ReadOnlyMount',
          uri: `azureml://datastores/workspaceblobstore/paths/data/${name}/numbers/`,
        },
        threshold: { jobInputType: 'uri_file', uri: `azureml:threshold-${name}:1` },
      },
      outputs: { model: { jobOutputType: 'uri_folder', mode: 'ReadWriteMount' } },
      tags: { team: 'a' },
    },
  };
}

test('a command job runs locally: statuses, a log that grows while it runs, metrics in MLflow, outputs in storage', async () => {
  const release = path.join(scratch, 'release-1');
  const created = await ws.arm('PUT', '/jobs/train-1', await submitTrainJob('train-1', release));
  expect(created.status).toBe(201);
  expect(created.json.properties.status).toBe('NotStarted');
  expect(created.json.properties.services.Studio.endpoint).toMatch(/\/studio\/runs\/train-1\?wsid=/);
  expect(created.json.properties.services.Tracking.endpoint).toMatch(
    /^azureml:\/\/127\.0\.0\.1:\d+\/mlflow\/v1\.0\/subscriptions\//,
  );

  // While the job waits for the release file, its first lines are already readable.
  const running = await ws.waitForJob('train-1', (s) => s === 'Running');
  expect(running.properties.status).toBe('Running');
  let log = '';
  for (let i = 0; i < 100 && !log.includes('first part done'); i++) {
    log = await ws.logText('train-1');
    await sleep(100);
  }
  expect(log).toContain('greeting: hello world');
  expect(log).toContain('run id: train-1 train-1');
  expect(log).not.toContain('second part done');
  expect((await ws.arm('GET', '/jobs/train-1')).json.properties.status).toBe('Running');
  // Byte ranges return only what is new, as a follower asks for it.
  const details = await ws.details('train-1');
  const url = details.logFiles['user_logs/std_log.txt'];
  const head = await request(emulator.info, 'GET', url, { headers: { range: 'bytes=0-9' } });
  expect(head.status).toBe(206);
  expect(head.text).toBe(log.slice(0, 10));
  expect(head.headers['content-range']).toMatch(/^bytes 0-9\/\d+$/);
  const past = await request(emulator.info, 'GET', url, { headers: { range: 'bytes=99999999-' } });
  expect(past.status).toBe(416);
  const forged = await request(emulator.info, 'GET', url.replace(/sig=[^&]+/, 'sig=forged'));
  expect(forged.status).toBe(403);
  fs.writeFileSync(release, 'go');

  const done = await ws.waitForJob('train-1');
  expect(done.properties.status).toBe('Completed');
  log = await ws.logText('train-1');
  expect(log).toContain('second part done');
  expect(log.match(/Environments are not built locally/g)).toHaveLength(1);
  expect(log).not.toContain('--unused');

  const lifecycle = await ws.logText('train-1', 'system_logs/lifecycler/lifecycler.log');
  const order = ['Queued', 'Preparing', 'Running', 'Finalizing', 'finished Completed'].map((s) => lifecycle.indexOf(s));
  expect(order.every((at, i) => at >= 0 && (i === 0 || at > order[i - 1]))).toBe(true);
  expect(await ws.logText('train-1', 'system_logs/data_capability/data-capability.log')).toMatch(/Input numbers:/);

  const final = await ws.details('train-1');
  expect(final).toMatchObject({ runId: 'train-1', status: 'Completed', target: 'cpu-cluster', error: null });
  expect(Date.parse(final.endTimeUtc)).toBeGreaterThanOrEqual(Date.parse(final.startTimeUtc));
  expect(done.properties.properties.StartTimeUtc).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);

  // Metrics, params and tags through the MLflow REST API, under the job's name as run id.
  const run = await ws.mlflow('GET', 'runs/get?run_id=train-1');
  expect(run.status).toBe(200);
  expect(run.json.run.info).toMatchObject({ run_id: 'train-1', status: 'FINISHED' });
  const metrics = Object.fromEntries(run.json.run.data.metrics.map((m: any) => [m.key, m.value]));
  expect(metrics).toEqual({ value: 4, total: 10, above: 2 });
  expect(run.json.run.data.params).toEqual([{ key: 'count', value: '4' }]);
  expect(run.json.run.data.tags).toEqual(expect.arrayContaining([{ key: 'stage', value: 'test' }]));
  const history = await ws.mlflow('GET', 'metrics/get-history?run_id=train-1&metric_key=value');
  expect(history.json.metrics.map((m: any) => [m.step, m.value])).toEqual([
    [0, 1],
    [1, 2],
    [2, 3],
    [3, 4],
  ]);
  const experiment = await ws.mlflow('GET', 'experiments/get-by-name?experiment_name=emulator-tests');
  expect(experiment.json.experiment.experiment_id).toBe(run.json.run.info.experiment_id);

  // The output went to its default datastore folder; ./outputs and logged artifacts to the run's artifacts.
  expect(done.properties.outputs.model.uri).toBe(
    'azureml://datastores/workspaceblobstore/paths/azureml/train-1/model/',
  );
  expect(await ws.readBlob('azureml/train-1/model/model.txt')).toBe('weights=10.0\n');
  expect(await ws.readBlob('ExperimentRun/dcid.train-1/outputs/report.txt', 'workspaceartifactstore')).toBe('report\n');
  expect(await ws.readBlob('ExperimentRun/dcid.train-1/outputs/extra/notes.txt', 'workspaceartifactstore')).toBe(
    'an artifact\n',
  );
  expect(await ws.readBlob('ExperimentRun/dcid.train-1/user_logs/std_log.txt', 'workspaceartifactstore')).toContain(
    'second part done',
  );
  expect(done.properties.outputs.default).toEqual({
    jobOutputType: 'uri_folder',
    mode: 'ReadWriteMount',
    uri: 'azureml://datastores/workspaceartifactstore/ExperimentRun/dcid.train-1',
  });

  // The Studio link leads to a page about the job.
  const studio = await request(emulator.info, 'GET', done.properties.services.Studio.endpoint);
  expect(studio.status).toBe(200);
  expect(studio.text).toContain('train-1');
  expect(studio.text).toContain('second part done');
}, 45_000);

test("inputs by long datastore URI, storage URL and another job's output; a file output at a path with ${{name}}", async () => {
  await ws.uploadFolder(folderWith({ 'numbers.txt': '7 8' }), 'data/forms/numbers');
  const env = await ws.createEnvironment();
  const upstream = await ws.arm('PUT', '/jobs/forms-upstream', {
    properties: {
      jobType: 'Command',
      command: 'echo upstream > ${{outputs.out}}/up.txt',
      environmentId: env,
      outputs: { out: { jobOutputType: 'uri_folder' } },
    },
  });
  expect(upstream.status).toBe(201);
  expect((await ws.waitForJob('forms-upstream')).properties.status).toBe('Completed');
  const container = (await ws.blobContainer()).containerName;
  const longUri = `azureml://subscriptions/${emulator.info.subscriptionId}/resourcegroups/${emulator.info.resourceGroup}/workspaces/dev/datastores/workspaceblobstore/paths/data/forms/numbers/`;
  await ws.arm('PUT', '/jobs/forms-1', {
    properties: {
      jobType: 'Command',
      command:
        'cat ${{inputs.long}}/numbers.txt; cat ${{inputs.url}}; cat ${{inputs.previous}}/up.txt; echo "written by $AZUREML_RUN_ID" > ${{outputs.result}}',
      environmentId: env,
      inputs: {
        long: { jobInputType: 'uri_folder', uri: longUri },
        url: {
          jobInputType: 'uri_file',
          uri: `${emulator.info.blobEndpoint}/${container}/data/forms/numbers/numbers.txt`,
        },
        previous: { jobInputType: 'uri_folder', uri: 'azureml://jobs/forms-upstream/outputs/out' },
      },
      outputs: {
        result: {
          jobOutputType: 'uri_file',
          uri: 'azureml://datastores/workspaceblobstore/paths/custom/${{name}}/result.txt',
        },
      },
    },
  });
  const done = await ws.waitForJob('forms-1');
  expect(done.properties.status).toBe('Completed');
  expect(await ws.logText('forms-1')).toMatch(/^7 87 8upstream$/m);
  expect(done.properties.outputs.result.uri).toBe(
    'azureml://datastores/workspaceblobstore/paths/custom/forms-1/result.txt',
  );
  expect(await ws.readBlob('custom/forms-1/result.txt')).toBe('written by forms-1\n');
});

test('a job keeps its definition: same PUT is fine, tags merge, a new command is refused; list and filter', async () => {
  const body = {
    properties: {
      jobType: 'Command',
      command: 'echo immutable',
      environmentId: 'azureml://registries/azureml/environments/sklearn-1.5/labels/latest',
      tags: { a: '1' },
    },
  };
  expect((await ws.arm('PUT', '/jobs/immutable-1', body)).status).toBe(201);
  await ws.waitForJob('immutable-1');
  const same = await ws.arm('PUT', '/jobs/immutable-1', body);
  expect(same.status).toBe(200);
  const retagged = await ws.arm('PUT', '/jobs/immutable-1', { properties: { ...body.properties, tags: { b: '2' } } });
  expect(retagged.status).toBe(200);
  expect(retagged.json.properties.tags).toEqual({ a: '1', b: '2' });
  // What a client read back (services, status, the default output) can be PUT again unchanged.
  const read = await ws.arm('GET', '/jobs/immutable-1');
  expect((await ws.arm('PUT', '/jobs/immutable-1', { properties: read.json.properties })).status).toBe(200);

  const changed = await ws.arm('PUT', '/jobs/immutable-1', {
    properties: { ...body.properties, command: 'echo other' },
  });
  expect(changed.status).toBe(400);
  expect(changed.json.error.code).toBe('UserError');
  expect(changed.json.error.message).toContain('A job with this name already exists');
  expect(changed.json.error.message).toContain("existing job's Command cannot be changed");

  const listed = await ws.arm('GET', '/jobs');
  expect(listed.json.value.map((j: any) => j.name)).toContain('immutable-1');
  const tagged = await ws.arm('GET', '/jobs?tag=b');
  expect(tagged.json.value.map((j: any) => j.name)).toEqual(['immutable-1']);
  expect((await ws.arm('GET', '/jobs?jobType=Pipeline')).json.value).toEqual([]);
  expect((await ws.arm('GET', '/jobs/nope')).status).toBe(404);

  const noCompute = await ws.arm('PUT', '/jobs/bad-compute', {
    properties: { ...body.properties, computeId: ws.computeId('missing') },
  });
  expect(noCompute.status).toBe(400);
  expect(noCompute.json.error.message).toContain("Compute 'missing' was not found");
});

test('faults reach the new services: MLflow and run history answer an injected 503 once', async () => {
  emulator.faults.add({ method: 'GET', path: /\/api\/2\.0\/mlflow\/runs\/get$/, fault: { status: 503 } });
  emulator.faults.add({ method: 'GET', path: /\/runs\/immutable-1\/details$/, fault: { status: 429 } });
  expect((await ws.mlflow('GET', 'runs/get?run_id=immutable-1')).status).toBe(503);
  expect((await ws.mlflow('GET', 'runs/get?run_id=immutable-1')).status).toBe(200);
  expect((await ws.history('runs/immutable-1/details')).status).toBe(429);
  expect((await ws.history('runs/immutable-1/details')).status).toBe(200);
  expect((await ws.history('runs/nope/details')).status).toBe(404);
  const unauthenticated = await request(
    emulator.info,
    'GET',
    `${emulator.info.authorityHost}/history/v1.0${ws.armId}/runs/immutable-1`,
  );
  expect(unauthenticated.status).toBe(401);
});
