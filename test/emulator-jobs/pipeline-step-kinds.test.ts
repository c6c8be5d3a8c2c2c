import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Emulator } from '../../emulator';
import { errorMessage } from '../../shared/errors';
import { runStep } from '../../shared/run-step';
import { emulatorInputs, secretEnvOf } from '../support/connection';
import { startTestEmulator } from '../support/emulator';
import { RecordingHost } from '../support/recording-host';
import { Workspace } from './helpers';

/**
 * Pipelines with the step kinds beyond command and sweep, submitted with submit-job as a user
 * would and run by the emulator: a parallel step calls the entry script's init()/run(mini_batch)
 * over the input files and appends its rows; a pipeline component runs as a child pipeline whose
 * output the next step reads; an AutoML step is accepted but ends Failed, saying why.
 */

let emulator: Emulator;
let ws: Workspace;
let project: string;

const write = (rel: string, text: string): void => {
  const file = path.join(project, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
};

beforeAll(async () => {
  emulator = await startTestEmulator({ jobStatusDelayMs: 20, computeProvisioningMs: 20 });
  ws = new Workspace(emulator);
  await ws.createCompute();
  project = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-step-kinds-'));
  for (const [i, word] of ['alpha', 'beta', 'gamma', 'delta', 'epsilon'].entries()) write(`data/${i}.txt`, word);
  write(
    'score/score.py',
    [
      'import os, sys',
      'def init():',
      '    global prefix',
      '    prefix = sys.argv[sys.argv.index("--prefix") + 1]',
      '    print("init with", prefix, flush=True)',
      'def run(mini_batch):',
      '    print("mini-batch of", len(mini_batch), flush=True)',
      '    return [f"{prefix}{os.path.basename(f)}:{open(f).read()}" for f in mini_batch]',
      '',
    ].join('\n'),
  );
  write(
    'components/score-and-count.yml',
    [
      '$schema: https://azuremlschemas.azureedge.net/latest/pipelineComponent.schema.json',
      'type: pipeline',
      'name: score_and_count',
      'inputs:',
      '  files: { type: uri_folder }',
      '  prefix: { type: string, default: "p-" }',
      'outputs:',
      '  counted: { type: uri_folder }',
      'jobs:',
      '  score:',
      '    type: parallel',
      '    inputs:',
      '      files: ${{parent.inputs.files}}',
      '      prefix: ${{parent.inputs.prefix}}',
      '    outputs:',
      '      rows: { type: uri_file }',
      '    input_data: ${{inputs.files}}',
      '    mini_batch_size: "2"',
      '    error_threshold: -1',
      '    task:',
      '      type: run_function',
      '      code: ../score',
      '      entry_script: score.py',
      '      environment: azureml:AzureML-sklearn-1.5:1',
      '      program_arguments: --prefix ${{inputs.prefix}}',
      '      append_row_to: ${{outputs.rows}}',
      '  count:',
      '    type: command',
      '    inputs:',
      '      rows: ${{parent.jobs.score.outputs.rows}}',
      '    outputs:',
      '      counted: ${{parent.outputs.counted}}',
      '    command: sort ${{inputs.rows}} > ${{outputs.counted}}/sorted.txt && wc -l < ${{inputs.rows}} > ${{outputs.counted}}/count.txt',
      '    environment: azureml:AzureML-sklearn-1.5:1',
      '',
    ].join('\n'),
  );
  write(
    'pipeline.yml',
    [
      'type: pipeline',
      'experiment_name: step-kinds',
      'settings: { default_compute: azureml:cpu-cluster }',
      'inputs:',
      '  files: { type: uri_folder, path: ./data }',
      'outputs:',
      '  report: { type: uri_folder }',
      'jobs:',
      '  inner:',
      '    type: pipeline',
      '    component: ./components/score-and-count.yml',
      '    inputs:',
      '      files: ${{parent.inputs.files}}',
      '      prefix: row-',
      '  report:',
      '    type: command',
      '    inputs:',
      '      counted: ${{parent.jobs.inner.outputs.counted}}',
      '    outputs:',
      '      report: ${{parent.outputs.report}}',
      '    command: cat ${{inputs.counted}}/sorted.txt ${{inputs.counted}}/count.txt | tee ${{outputs.report}}/report.txt',
      '    environment: azureml:AzureML-sklearn-1.5:1',
      '',
    ].join('\n'),
  );
  write(
    'automl.yml',
    [
      'type: pipeline',
      'settings: { default_compute: azureml:cpu-cluster }',
      'inputs:',
      '  train: { type: mltable, path: azureml://datastores/workspaceblobstore/paths/train/ }',
      'jobs:',
      '  classify:',
      '    type: automl',
      '    task: classification',
      '    primary_metric: accuracy',
      '    target_column_name: y',
      '    training_data: ${{parent.inputs.train}}',
      '    limits: { max_trials: 1 }',
      '',
    ].join('\n'),
  );
  fs.mkdirSync(path.join(project, 'spark-src'), { recursive: true });
  fs.writeFileSync(path.join(project, 'spark-src', 'count.py'), 'print("count")\n');
  write(
    'spark.yml',
    [
      'type: pipeline',
      'settings: { default_compute: azureml:cpu-cluster }',
      'jobs:',
      '  count:',
      '    type: spark',
      '    code: ./spark-src',
      '    entry: { file: count.py }',
      '    resources: { instance_type: standard_e8s_v3, runtime_version: "3.4" }',
      '    conf:',
      '      spark.driver.cores: 1',
      '      spark.driver.memory: 2g',
      '      spark.executor.cores: 1',
      '      spark.executor.memory: 2g',
      '      spark.executor.instances: 1',
      '',
    ].join('\n'),
  );
}, 60_000);

afterEach(() => expect(emulator.specViolations).toEqual([]));

afterAll(async () => {
  await emulator?.stop();
  if (project) fs.rmSync(project, { recursive: true, force: true });
});

async function submit(file: string): Promise<{ host: RecordingHost; error?: string }> {
  const host = new RecordingHost(
    { ...emulatorInputs(emulator), file, wait: 'true', timeout: '120' },
    secretEnvOf(emulator),
    project,
  );
  try {
    await runStep('submit-job', host);
    return { host };
  } catch (err) {
    return { host, error: errorMessage(err) };
  }
}

test('a pipeline component with a parallel step runs as a child pipeline; its output feeds the next step', async () => {
  const { host, error } = await submit('pipeline.yml');
  expect(error).toBeUndefined();
  expect(host.outputs.status).toBe('Completed');
  const jobName = host.outputs['job-name'];

  // The report step printed the sorted rows the entry script returned for all five files, and their count.
  const children = (await ws.history(`runs/${jobName}/children`)).json.value as { runId: string }[];
  expect(children).toHaveLength(2);
  const logs = await Promise.all(children.map((c) => ws.logText(c.runId)));
  const report = logs.find((l) => l.includes('row-0.txt')) ?? '';
  expect(report).toMatch(
    /row-0\.txt:alpha\nrow-1\.txt:beta\nrow-2\.txt:gamma\nrow-3\.txt:delta\nrow-4\.txt:epsilon\n5\n/,
  );

  // The parallel step ran three mini-batches of at most two files, after one init().
  const inner = children.find((c) => !logs[children.indexOf(c)].includes('row-0.txt'))!;
  const innerSteps = (await ws.history(`runs/${inner.runId}/children`)).json.value as { runId: string }[];
  const innerLogs = await Promise.all(innerSteps.map((c) => ws.logText(c.runId)));
  const scoring = innerLogs.find((l) => l.includes('init with')) ?? '';
  expect(scoring.match(/init with row-/g)).toHaveLength(1);
  expect(scoring.match(/mini-batch of \d/g)).toEqual(['mini-batch of 2', 'mini-batch of 2', 'mini-batch of 1']);
}, 180_000);

test('an AutoML step is translated and accepted, and the pipeline fails saying AutoML does not run locally', async () => {
  const { host, error } = await submit('automl.yml');
  expect(error).toMatch(/^job '(\w+)' failed: Pipeline has some failed steps: classify\./);
  const jobName = /^job '(\w+)'/.exec(error ?? '')![1];
  const job = await ws.waitForJob(jobName);
  expect(job.properties.jobs.classify).toMatchObject({ type: 'automl', task: 'classification', log_verbosity: 'info' });
  expect(host.lines.join('\n')).toMatch(/classify.*Failed/);
  const child = ((await ws.history(`runs/${jobName}/children`)).json.value as { runId: string }[])[0];
  const details = await ws.details(child.runId);
  expect(JSON.stringify(details)).toMatch(/automl jobs do not run in the local emulator/);
}, 120_000);

test('a Spark step is translated and accepted, and the pipeline fails saying Spark does not run locally', async () => {
  const { host, error } = await submit('spark.yml');
  expect(error).toMatch(/^job '(\w+)' failed: Pipeline has some failed steps: count\./);
  const jobName = /^job '(\w+)'/.exec(error ?? '')![1];
  const job = await ws.waitForJob(jobName);
  expect(job.properties.jobs.count).toMatchObject({
    type: 'spark',
    entry: { file: 'count.py', spark_job_entry_type: 'SparkJobPythonEntry' },
    identity: { identity_type: 'UserIdentity' },
  });
  expect(host.lines.join('\n')).toMatch(/count.*Failed/);
  const child = ((await ws.history(`runs/${jobName}/children`)).json.value as { runId: string }[])[0];
  expect(JSON.stringify(await ws.details(child.runId))).toMatch(/spark jobs do not run in the local emulator/);
}, 120_000);
