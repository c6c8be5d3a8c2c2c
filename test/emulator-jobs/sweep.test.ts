import type { Emulator } from '../../emulator';
import { startTestEmulator } from '../support/emulator';
import { folderWith, Workspace } from './helpers';

/**
 * Sweeps: trials are child jobs with sampled hyperparameters in their command, at most
 * max_concurrent_trials at a time; the primary metric comes from each trial's MLflow run; the best
 * trial is recorded; early termination stops trials that fall behind.
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

const SWEEP_SCRIPT = `
import argparse, time
import mlflow
p = argparse.ArgumentParser()
p.add_argument("--A", type=float)
p.add_argument("--B")
p.add_argument("--C", type=float)
a = p.parse_args()
print("trial", a.A, a.B, a.C)
time.sleep(0.3)
mlflow.log_metric("random_metric", a.C * a.A)
`;

test('a random sweep with 4 trials, 2 at a time: trials as child jobs, the best one recorded', async () => {
  const codeId = await ws.createCode(folderWith({ 'hello-sweep.py': SWEEP_SCRIPT }), 'sweep-src');
  // As azure-ai-ml sends it: its api-version and the YAML's lower-case goal and algorithm.
  const put = await ws.arm(
    'PUT',
    '/jobs/sweep-1',
    {
      properties: {
        jobType: 'Sweep',
        computeId: ws.computeId(),
        experimentName: 'hello-sweep-example',
        inputs: { A: { jobInputType: 'literal', value: '0.5' } },
        trial: {
          codeId,
          command: 'python hello-sweep.py --A ${{inputs.A}} --B ${{search_space.B}} --C ${{search_space.C}}',
          environmentId: 'azureml:AzureML-sklearn-1.5:1',
        },
        samplingAlgorithm: { samplingAlgorithmType: 'random', seed: 7 },
        searchSpace: { B: ['choice', [['hello', 'world', 'hello_world']]], C: ['uniform', [0.1, 1.0]] },
        objective: { goal: 'minimize', primaryMetric: 'random_metric' },
        limits: { jobLimitsType: 'Sweep', maxTotalTrials: 4, maxConcurrentTrials: 2, timeout: 'PT5M' },
      },
    },
    '2022-10-01-preview',
  );
  expect(put.status).toBe(201);
  // The service reports its own spelling (and the 2024-10-01 spec allows only that).
  expect(put.json.properties.objective.goal).toBe('Minimize');
  expect(put.json.properties.samplingAlgorithm.samplingAlgorithmType).toBe('Random');
  const done = await ws.waitForJob('sweep-1', undefined, 45_000);
  expect(done.properties.status).toBe('Completed');

  const trials = (await ws.history('runs/sweep-1/children')).json.value;
  expect(trials.map((t: any) => [t.runId, t.status])).toEqual([
    ['sweep-1_0', 'Completed'],
    ['sweep-1_1', 'Completed'],
    ['sweep-1_2', 'Completed'],
    ['sweep-1_3', 'Completed'],
  ]);
  // Never more than two trials ran at once.
  const spans = trials.map((t: any) => [Date.parse(t.startTimeUtc), Date.parse(t.endTimeUtc)]);
  for (const [start] of spans) {
    expect(spans.filter(([s, e]: number[]) => s <= start && start < e).length).toBeLessThanOrEqual(2);
  }

  // Each trial got its own sampled values; the metric it logged decides the best one.
  const scores: Array<[string, number]> = [];
  for (const t of trials) {
    const run = await ws.mlflow('GET', `runs/get?run_id=${t.runId}`);
    const metric = run.json.run.data.metrics.find((m: any) => m.key === 'random_metric');
    scores.push([t.runId, metric.value]);
    const params = JSON.parse(t.properties.hyperparameters);
    expect(['hello', 'world', 'hello_world']).toContain(params.B);
    expect(params.C).toBeGreaterThanOrEqual(0.1);
    expect(params.C).toBeLessThanOrEqual(1.0);
    expect(await ws.logText(t.runId)).toContain(`trial 0.5 ${params.B} ${params.C}`);
    expect(run.json.run.data.tags).toEqual(expect.arrayContaining([{ key: 'mlflow.parentRunId', value: 'sweep-1' }]));
  }
  const best = scores.reduce((a, b) => (b[1] < a[1] ? b : a));
  expect(done.properties.properties.best_child_run_id).toBe(best[0]);
  expect(Number(done.properties.properties.score)).toBeCloseTo(best[1]);
  expect(await ws.logText('sweep-1', 'azureml-logs/hyperdrive.txt')).toContain(`Best trial: ${best[0]}`);
}, 50_000);

const LEARNER = `
import argparse, time
import mlflow
p = argparse.ArgumentParser()
p.add_argument("--rate", type=float)
a = p.parse_args()
for i in range(8):
    # Slow learners also report more slowly, so the fast one is always ahead when compared.
    time.sleep(0.1 / a.rate)
    mlflow.log_metric("accuracy", a.rate * (i + 1), step=i)
print("finished all steps")
`;

test('bandit early termination stops the trial that falls behind; the other completes and is best', async () => {
  const codeId = await ws.createCode(folderWith({ 'learn.py': LEARNER }), 'learner-src');
  await ws.arm('PUT', '/jobs/sweep-bandit', {
    properties: {
      jobType: 'Sweep',
      computeId: ws.computeId(),
      trial: {
        codeId,
        command: 'python learn.py --rate ${{search_space.rate}}',
        environmentId: 'azureml:AzureML-sklearn-1.5:1',
      },
      samplingAlgorithm: { samplingAlgorithmType: 'Grid' },
      searchSpace: { rate: ['choice', [[1.0, 0.2]]] },
      objective: { goal: 'Maximize', primaryMetric: 'accuracy' },
      limits: { jobLimitsType: 'Sweep', maxTotalTrials: 10, maxConcurrentTrials: 2 },
      earlyTermination: { policyType: 'Bandit', slackFactor: 0.1, evaluationInterval: 1, delayEvaluation: 2 },
    },
  });
  const done = await ws.waitForJob('sweep-bandit', undefined, 45_000);
  expect(done.properties.status).toBe('Completed');
  const trials = (await ws.history('runs/sweep-bandit/children')).json.value;
  // Grid over two values: two trials only, whatever max_total_trials says.
  expect(trials.map((t: any) => [JSON.parse(t.properties.hyperparameters).rate, t.status])).toEqual([
    [1, 'Completed'],
    [0.2, 'Canceled'],
  ]);
  expect(trials[1].warnings[0].message).toMatch(/Stopped early by the sweep's Bandit policy at interval \d/);
  expect(await ws.logText(trials[1].runId)).not.toContain('finished all steps');
  expect(done.properties.properties.best_child_run_id).toBe('sweep-bandit_0');
}, 50_000);
