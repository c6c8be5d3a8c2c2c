import type { Emulator } from '../../emulator';
import { bearer, request } from '../emulator/helpers';
import { startTestEmulator } from '../support/emulator';
import { alive, sleep, Workspace } from './helpers';

/** How jobs end badly: a failing command, a cancel, a timeout, and inputs that cannot be found. */

let emulator: Emulator;
let ws: Workspace;

beforeAll(async () => {
  emulator = await startTestEmulator({ jobStatusDelayMs: 50 });
  ws = new Workspace(emulator);
});
afterAll(() => emulator?.stop());
afterEach(() => expect(emulator.specViolations).toEqual([]));

const command = (cmd: string, extra: Record<string, unknown> = {}) => ({
  properties: { jobType: 'Command', command: cmd, environmentId: 'azureml:AzureML-sklearn-1.5:1', ...extra },
});

test('a command that exits non-zero: Failed, and the error quotes the end of stderr as Azure ML does', async () => {
  const put = await ws.arm(
    'PUT',
    '/jobs/fails-1',
    command(
      'echo working; echo "Traceback (most recent call last):" >&2; echo "ValueError: bad learning rate" >&2; exit 3',
    ),
  );
  expect(put.status).toBe(201);
  const job = await ws.waitForJob('fails-1');
  expect(job.properties.status).toBe('Failed');
  const details = await ws.details('fails-1');
  expect(details.status).toBe('Failed');
  expect(details.error.error.code).toBe('UserError');
  expect(details.error.error.message).toBe(
    "Execution failed. User process '/bin/bash' exited with status code 3. Please check log file 'user_logs/std_log.txt' for error details. Error: Traceback (most recent call last):\nValueError: bad learning rate",
  );
  expect(await ws.logText('fails-1')).toContain('ValueError: bad learning rate');
  const mlflowRun = await ws.mlflow('GET', 'runs/get?run_id=fails-1');
  expect(mlflowRun.json.run.info.status).toBe('FAILED');
});

test('cancel: 202 with a Location that answers 202 until the job is Canceled; the process group is gone', async () => {
  // The command and a background child both sleep; both must go.
  const put = await ws.arm('PUT', '/jobs/cancel-1', command('sleep 30 & echo "pids $$ $!"; wait'));
  expect(put.status).toBe(201);
  await ws.waitForJob('cancel-1', (s) => s === 'Running');
  let log = '';
  for (let i = 0; i < 100 && !/pids \d+ \d+/.test(log); i++) {
    log = await ws.logText('cancel-1');
    await sleep(50);
  }
  const [, shell, child] = /pids (\d+) (\d+)/.exec(log)!.map(Number);
  expect(alive(shell) && alive(child)).toBe(true);

  const cancel = await ws.arm('POST', '/jobs/cancel-1/cancel');
  expect(cancel.status).toBe(202);
  expect(cancel.headers.location).toMatch(/\/mfeOperationResults\/jc%3A/);
  expect(cancel.headers['retry-after']).toBeDefined();
  const job = await ws.waitForJob('cancel-1');
  expect(job.properties.status).toBe('Canceled');
  const monitor = cancel.headers.location as string;
  const done = await request(emulator.info, 'GET', monitor, { headers: bearer(emulator.issueAccessToken()) });
  expect(done.status).toBe(200);
  for (let i = 0; i < 50 && (alive(shell) || alive(child)); i++) await sleep(50);
  expect(alive(shell)).toBe(false);
  expect(alive(child)).toBe(false);
  expect((await ws.mlflow('GET', 'runs/get?run_id=cancel-1')).json.run.info.status).toBe('KILLED');
});

test('a job canceled before it runs never starts its process', async () => {
  const slow = await startTestEmulator({ azurite: false, jobStatusDelayMs: 2000 });
  try {
    const w = new Workspace(slow);
    expect((await w.arm('PUT', '/jobs/early-cancel', command('echo should-not-run'))).status).toBe(201);
    await w.waitForJob('early-cancel', (s) => s === 'Queued');
    expect((await w.arm('POST', '/jobs/early-cancel/cancel')).status).toBe(202);
    const job = await w.waitForJob('early-cancel');
    expect(job.properties.status).toBe('Canceled');
    expect(await w.logText('early-cancel')).not.toContain('should-not-run');
  } finally {
    await slow.stop();
  }
});

test('limits.timeout stops a job that runs too long', async () => {
  await ws.arm(
    'PUT',
    '/jobs/timeout-1',
    command('sleep 20', { limits: { jobLimitsType: 'Command', timeout: 'PT1S' } }),
  );
  const job = await ws.waitForJob('timeout-1', undefined, 15_000);
  expect(job.properties.status).toBe('Canceled');
  expect((await ws.details('timeout-1')).error.error.message).toMatch(/limits\.timeout \(1 seconds\)/);
});

test('inputs that cannot be materialized fail the job with a clear UserError before it runs', async () => {
  await ws.arm(
    'PUT',
    '/jobs/missing-input',
    command('cat ${{inputs.data}}', {
      inputs: {
        data: { jobInputType: 'uri_file', uri: 'azureml://datastores/workspaceblobstore/paths/nowhere/x.csv' },
      },
    }),
  );
  await ws.arm(
    'PUT',
    '/jobs/outside-input',
    command('cat ${{inputs.data}}', {
      inputs: {
        data: { jobInputType: 'uri_file', uri: 'https://azuremlexamples.blob.core.windows.net/datasets/iris.csv' },
      },
    }),
  );
  await ws.arm('PUT', '/jobs/unbound', command('echo ${{inputs.nothing}}'));
  const missing = await ws.waitForJob('missing-input');
  expect(missing.properties.status).toBe('Failed');
  expect((await ws.details('missing-input')).error.error).toMatchObject({
    code: 'UserError',
    message: "input 'data': there is no file at azureml://datastores/workspaceblobstore/paths/nowhere/x.csv",
  });
  await ws.waitForJob('outside-input');
  expect((await ws.details('outside-input')).error.error.message).toContain("outside the emulator's storage");
  await ws.waitForJob('unbound');
  expect((await ws.details('unbound')).error.error.message).toContain("the job has no inputs 'nothing'");
});

test('job types the emulator cannot run are accepted, then end Failed saying they need Azure ML', async () => {
  const res = await ws.arm('PUT', '/jobs/automl-1', {
    properties: {
      jobType: 'AutoML',
      environmentId: 'azureml:AzureML-AutoML:1',
      taskDetails: {
        taskType: 'Classification',
        targetColumnName: 'y',
        trainingData: { jobInputType: 'mltable', uri: 'azureml://datastores/workspaceblobstore/paths/train/' },
      },
    },
  });
  expect(res.status).toBe(201);
  const done = await ws.waitForJob('automl-1');
  expect(done.properties.status).toBe('Failed');
  expect((await ws.details('automl-1')).error.error).toMatchObject({
    code: 'JobTypeNotSupportedByEmulator',
    message: expect.stringContaining('AutoML needs Azure ML'),
  });
});
