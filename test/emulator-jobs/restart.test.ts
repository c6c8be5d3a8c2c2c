import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startTestEmulator } from '../support/emulator';
import { alive, sleep, Workspace } from './helpers';

/**
 * With --state, assets, jobs and MLflow data survive a restart; a job that was running when the
 * emulator stopped has its processes stopped and ends Failed (it cannot resume).
 */

const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-restart-'));
afterAll(() => fs.rmSync(stateDir, { recursive: true, force: true }));

test('a restart keeps assets, finished jobs and metrics; running jobs end Failed and their processes are gone', async () => {
  const first = await startTestEmulator({ stateDir, azurite: false, jobStatusDelayMs: 20 });
  let pid = 0;
  try {
    const ws = new Workspace(first);
    await ws.createEnvironment('kept', '1');
    await ws.arm('PUT', '/jobs/finished-before', {
      properties: { jobType: 'Command', command: 'echo done', environmentId: 'azureml:AzureML-sklearn-1.5:1' },
    });
    await ws.waitForJob('finished-before');
    await ws.mlflow('POST', 'runs/log-metric', {
      run_id: 'finished-before',
      key: 'score',
      value: 3,
      timestamp: 1,
      step: 0,
    });
    await ws.arm('PUT', '/jobs/interrupted', {
      properties: {
        jobType: 'Command',
        command: 'echo "pid $$"; sleep 60',
        environmentId: 'azureml:AzureML-sklearn-1.5:1',
      },
    });
    await ws.waitForJob('interrupted', (s) => s === 'Running');
    for (let i = 0; i < 100 && !pid; i++) {
      pid = Number(/pid (\d+)/.exec(await ws.logText('interrupted'))?.[1] ?? 0);
      if (!pid) await sleep(50);
    }
    expect(alive(pid)).toBe(true);
  } finally {
    await first.stop();
  }
  expect(alive(pid)).toBe(false);

  const second = await startTestEmulator({ stateDir, azurite: false, pageSize: 2 });
  try {
    const ws = new Workspace(second);
    expect((await ws.arm('GET', '/environments/kept/versions/1')).status).toBe(200);
    expect((await ws.arm('GET', '/jobs/finished-before')).json.properties.status).toBe('Completed');
    const interrupted = await ws.arm('GET', '/jobs/interrupted');
    expect(interrupted.json.properties.status).toBe('Failed');
    expect((await ws.details('interrupted')).error.error).toMatchObject({ code: 'SystemError' });
    const run = await ws.mlflow('GET', 'runs/get?run_id=finished-before');
    expect(run.json.run.data.metrics).toEqual([{ key: 'score', value: 3, timestamp: 1, step: 0 }]);

    // Job lists page like other ARM lists (newest first).
    await ws.arm('PUT', '/jobs/third', {
      properties: { jobType: 'Command', command: 'true', environmentId: 'azureml:AzureML-sklearn-1.5:1' },
    });
    const page1 = await ws.arm('GET', '/jobs');
    expect(page1.json.value.map((j: any) => j.name)).toEqual(['third', 'interrupted']);
    expect(page1.json.nextLink).toContain('$skip=2');
    expect(second.specViolations).toEqual([]);
  } finally {
    await second.stop();
  }
}, 45_000);
