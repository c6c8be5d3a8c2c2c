import type { Emulator } from '../../emulator';
import { startTestEmulator } from '../support/emulator';
import { Workspace } from './helpers';

/**
 * Pipelines: steps (components, as azure-ai-ml sends them) run in dependency order as child jobs,
 * with parent inputs, step outputs and parent outputs bound; children are listed through run
 * history (what jobs.list(parent_job_name=...) calls) and each has its own log.
 */

let emulator: Emulator;
let ws: Workspace;

beforeAll(async () => {
  emulator = await startTestEmulator({ jobStatusDelayMs: 50 });
  ws = new Workspace(emulator);
  await ws.createCompute();
});
afterAll(() => emulator?.stop());
afterEach(() => expect(emulator.specViolations).toEqual([]));

async function component(name: string, command: string, inputs: object, outputs: object): Promise<string> {
  const res = await ws.arm(
    'PUT',
    `/components/${name}/versions/1`,
    {
      properties: {
        componentSpec: {
          name,
          version: '1',
          type: 'command',
          command,
          environment: 'azureml:AzureML-sklearn-1.5:1',
          inputs,
          outputs,
          is_deterministic: true,
        },
        isAnonymous: false,
      },
    },
    '2022-10-01',
  );
  expect(res.status).toBe(201);
  return res.json.id;
}

const binding = (expr: string) => ({ job_input_type: 'literal', value: expr });

test('three steps pass data along; the pipeline output holds the last result', async () => {
  const make = await component(
    'make-numbers',
    'seq 1 ${{inputs.count}} > ${{outputs.numbers}}/numbers.txt && echo made numbers',
    { count: { type: 'integer' } },
    { numbers: { type: 'uri_folder' } },
  );
  const scale = await component(
    'scale-numbers',
    'while read n; do echo $((n * ${{inputs.factor}})); done < ${{inputs.numbers}}/numbers.txt > ${{outputs.scaled}}/scaled.txt && echo scaled by ${{inputs.factor}}',
    { numbers: { type: 'uri_folder' }, factor: { type: 'integer', default: 2 } },
    { scaled: { type: 'uri_folder' } },
  );
  const sum = await component(
    'sum-numbers',
    'awk \'{s+=$1} END {print "sum", s}\' ${{inputs.scaled}}/scaled.txt | tee ${{outputs.total}}/total.txt',
    { scaled: { type: 'uri_folder' } },
    { total: { type: 'uri_folder' } },
  );
  const put = await ws.arm(
    'PUT',
    '/jobs/pipeline-1',
    {
      properties: {
        jobType: 'Pipeline',
        displayName: 'numbers',
        experimentName: 'pipelines',
        inputs: { count: { jobInputType: 'literal', value: '5' }, factor: { jobInputType: 'literal', value: '3' } },
        outputs: { total: { jobOutputType: 'uri_folder', mode: 'ReadWriteMount' } },
        settings: { default_compute: ws.computeId(), _source: 'YAML.JOB' },
        jobs: {
          sum_step: {
            name: 'sum_step',
            type: 'command',
            componentId: sum,
            inputs: { scaled: binding('${{parent.jobs.scale_step.outputs.scaled}}') },
            outputs: { total: { value: '${{parent.outputs.total}}', type: 'literal' } },
          },
          make_step: {
            name: 'make_step',
            type: 'command',
            componentId: make,
            inputs: { count: binding('${{parent.inputs.count}}') },
          },
          scale_step: {
            name: 'scale_step',
            type: 'command',
            componentId: scale,
            inputs: {
              numbers: binding('${{parent.jobs.make_step.outputs.numbers}}'),
              factor: binding('${{parent.inputs.factor}}'),
            },
          },
        },
      },
    },
    '2022-10-01-preview',
  );
  expect(put.status).toBe(201);
  const done = await ws.waitForJob('pipeline-1', undefined, 40_000);
  expect(done.properties.status).toBe('Completed');

  // Children through run history, in the order they ran.
  const children = await ws.history('runs/pipeline-1/children');
  expect(children.status).toBe(200);
  const steps = children.json.value.map((c: any) => [c.displayName, c.status, c.parentRunId]);
  expect(steps).toEqual([
    ['make_step', 'Completed', 'pipeline-1'],
    ['scale_step', 'Completed', 'pipeline-1'],
    ['sum_step', 'Completed', 'pipeline-1'],
  ]);
  // The same through ARM, and the workspace list shows only the pipeline.
  const viaArm = await ws.arm('GET', '/jobs?parentJobName=pipeline-1');
  expect(viaArm.json.value).toHaveLength(3);
  const top = await ws.arm('GET', '/jobs');
  expect(top.json.value.map((j: any) => j.name)).toEqual(['pipeline-1']);

  // Each step has its own log.
  const [makeRun, scaleRun, sumRun] = children.json.value.map((c: any) => c.runId);
  expect(await ws.logText(makeRun)).toContain('made numbers');
  expect(await ws.logText(scaleRun)).toContain('scaled by 3');
  expect(await ws.logText(sumRun)).toContain('sum 45');
  const child = await ws.arm('GET', `/jobs/${sumRun}`);
  expect(child.json.properties).toMatchObject({ jobType: 'Command', status: 'Completed' });
  expect(child.json.properties.properties['azureml.nodeid']).toBe('sum_step');

  // The pipeline's own output is where the last step wrote.
  expect(done.properties.outputs.total.uri).toBe(
    'azureml://datastores/workspaceblobstore/paths/azureml/pipeline-1/total/',
  );
  expect(await ws.readBlob('azureml/pipeline-1/total/total.txt')).toBe('sum 45\n');
  const execution = await ws.logText('pipeline-1', 'logs/azureml/executionlogs.txt');
  expect(execution).toContain(`Submitting 1 runs, first five are: make_step:${makeRun}`);
}, 50_000);

function failingPipeline(continueOnStepFailure: boolean) {
  const step = (command: string, inputs: object = {}) => ({
    type: 'command',
    command,
    environment: 'azureml:AzureML-sklearn-1.5:1',
    inputs,
    outputs: { out: { job_output_type: 'uri_folder' } },
  });
  return {
    properties: {
      jobType: 'Pipeline',
      computeId: ws.computeId(),
      settings: { continue_on_step_failure: continueOnStepFailure },
      jobs: {
        broken: step('echo boom >&2; exit 1'),
        independent: step('sleep 2; echo independent done > ${{outputs.out}}/x.txt'),
        downstream: step('cat ${{inputs.x}}/x.txt', { x: binding('${{parent.jobs.broken.outputs.out}}') }),
      },
    },
  };
}

test('a failed step: without continue_on_step_failure the others stop; with it, independent steps finish', async () => {
  await ws.arm('PUT', '/jobs/stop-on-failure', failingPipeline(false), '2022-10-01-preview');
  await ws.arm('PUT', '/jobs/continue-on-failure', failingPipeline(true), '2022-10-01-preview');
  const stopped = await ws.waitForJob('stop-on-failure', undefined, 30_000);
  const continued = await ws.waitForJob('continue-on-failure', undefined, 30_000);

  expect(stopped.properties.status).toBe('Failed');
  const stoppedChildren = (await ws.history('runs/stop-on-failure/children')).json.value;
  expect(Object.fromEntries(stoppedChildren.map((c: any) => [c.displayName, c.status]))).toEqual({
    broken: 'Failed',
    independent: 'Canceled',
  });
  expect((await ws.details('stop-on-failure')).error.error.message).toContain('failed steps: broken');

  expect(continued.properties.status).toBe('Failed');
  const continuedChildren = (await ws.history('runs/continue-on-failure/children')).json.value;
  expect(Object.fromEntries(continuedChildren.map((c: any) => [c.displayName, c.status]))).toEqual({
    broken: 'Failed',
    independent: 'Completed',
  });
  const execution = await ws.logText('continue-on-failure', 'logs/azureml/executionlogs.txt');
  expect(execution).toContain('Step downstream is skipped');
}, 40_000);

test("a sweep step: trials read sampled values as inputs; the next step reads the best trial's output", async () => {
  const trainer = await component(
    'rate-trainer',
    'python -c "import mlflow; mlflow.log_metric(\'score\', ${{inputs.rate}} * ${{inputs.scale}})" && echo rate ${{inputs.rate}} > ${{outputs.model}}/rate.txt',
    { rate: { type: 'number', default: 1 }, scale: { type: 'number' } },
    { model: { type: 'uri_folder' } },
  );
  const reader = await component(
    'rate-reader',
    'cat ${{inputs.model}}/rate.txt',
    { model: { type: 'uri_folder' } },
    {},
  );
  const put = await ws.arm(
    'PUT',
    '/jobs/pipeline-sweep',
    {
      properties: {
        jobType: 'Pipeline',
        settings: { default_compute: ws.computeId() },
        inputs: { scale: { jobInputType: 'literal', value: '10' } },
        jobs: {
          sweep_step: {
            name: 'sweep_step',
            type: 'sweep',
            trial: { componentId: trainer },
            inputs: { scale: binding('${{parent.inputs.scale}}') },
            outputs: { model: null },
            sampling_algorithm: 'grid',
            search_space: { rate: { type: 'choice', values: [1, 3, 2] } },
            objective: { goal: 'maximize', primary_metric: 'score' },
            limits: { max_total_trials: 3, max_concurrent_trials: 2 },
          },
          read_step: {
            name: 'read_step',
            type: 'command',
            componentId: reader,
            inputs: { model: binding('${{parent.jobs.sweep_step.outputs.model}}') },
          },
        },
      },
    },
    '2022-10-01-preview',
  );
  expect(put.status).toBe(201);
  const done = await ws.waitForJob('pipeline-sweep', undefined, 40_000);
  expect(done.properties.status).toBe('Completed');
  const [sweep, read] = (await ws.history('runs/pipeline-sweep/children')).json.value;
  expect(sweep).toMatchObject({ displayName: 'sweep_step', status: 'Completed', runType: 'hyperdrive' });
  const trials = (await ws.history(`runs/${sweep.runId}/children`)).json.value;
  expect(trials).toHaveLength(3);
  const scores = await Promise.all(
    trials.map(async (t: any) => (await ws.mlflow('GET', `runs/get?run_id=${t.runId}`)).json.run.data.metrics[0].value),
  );
  expect(scores.sort()).toEqual([10, 20, 30]);
  expect((await ws.arm('GET', `/jobs/${sweep.runId}`)).json.properties.properties.best_child_run_id).toBe(
    `${sweep.runId}_1`,
  );
  expect(await ws.logText(read.runId)).toContain('rate 3');
}, 50_000);
