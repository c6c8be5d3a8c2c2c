import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Emulator } from '../../emulator';
import { errorMessage } from '../../shared/errors';
import { runStep } from '../../shared/run-step';
import { emulatorInputs, secretEnvOf } from '../support/connection';
import { RecordingHost } from '../support/recording-host';

/** Runs a step in-process against the emulator, as a face would, and keeps what it showed. */
export async function runInProcess(
  emulator: Emulator,
  cwd: string,
  step: string,
  inputs: Record<string, string>,
  workspace = 'dev',
): Promise<{ host: RecordingHost; error?: string }> {
  const host = new RecordingHost({ ...emulatorInputs(emulator, workspace), ...inputs }, secretEnvOf(emulator), cwd);
  host.run = { provider: 'github', commit: 'abc123', runUrl: 'https://github.com/acme/churn/actions/runs/42' };
  try {
    await runStep(step, host);
    return { host };
  } catch (err) {
    return { host, error: errorMessage(err) };
  }
}

export function armUrl(emulator: Emulator, armPath: string): string {
  const { info } = emulator;
  return `${info.armEndpoint}subscriptions/${info.subscriptionId}/resourceGroups/${info.resourceGroup}/providers/Microsoft.MachineLearningServices/${armPath}${armPath.includes('?') ? '&' : '?'}api-version=2024-10-01`;
}

export async function armGet<T = Record<string, unknown>>(
  emulator: Emulator,
  armPath: string,
): Promise<{ status: number; body: T }> {
  const res = await fetch(armUrl(emulator, armPath), {
    headers: { authorization: `Bearer ${emulator.issueAccessToken()}` },
  });
  return { status: res.status, body: (await res.json().catch(() => undefined)) as T };
}

export async function armPut(emulator: Emulator, armPath: string, body: unknown): Promise<number> {
  const res = await fetch(armUrl(emulator, armPath), {
    method: 'PUT',
    headers: { authorization: `Bearer ${emulator.issueAccessToken()}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await res.text();
  return res.status;
}

/** ARM writes (PUT/POST/PATCH/DELETE) the emulator saw, leaving out token and status reads. */
export const armWrites = (emulator: Emulator) =>
  emulator.requests.filter(
    (r) => r.path.toLowerCase().startsWith('/subscriptions/') && r.method !== 'GET' && !/\/listSecrets$/i.test(r.path),
  );

/**
 * A project with a training script whose accuracy is an input, so tests can produce a better and
 * a worse model on purpose; it writes a small model folder as its `model` output.
 */
export function writeTrainingProject(dir: string): void {
  fs.mkdirSync(path.join(dir, 'src'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'src', 'train.py'),
    [
      'import os, sys',
      'import mlflow',
      'acc = float(sys.argv[1])',
      'mlflow.log_metric("accuracy", acc)',
      'mlflow.log_metric("loss", round(1 - acc, 4))',
      'os.makedirs(sys.argv[2], exist_ok=True)',
      'open(os.path.join(sys.argv[2], "model.txt"), "w").write(f"model with accuracy {acc}")',
      'open(os.path.join(sys.argv[2], "MLmodel"), "w").write("flavors: {}\\n")',
      '',
    ].join('\n'),
  );
  fs.writeFileSync(
    path.join(dir, 'train.yml'),
    [
      '$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json',
      'code: src',
      'command: python train.py ${{inputs.accuracy}} ${{outputs.model}}',
      'environment:',
      '  image: python:3.11',
      'compute: azureml:cpu-cluster',
      'experiment_name: amlops-models',
      'inputs:',
      '  accuracy: 0.8',
      'outputs:',
      '  model:',
      '    type: custom_model',
      '  report:',
      '    type: uri_folder',
      '',
    ].join('\n'),
  );
}

export async function createCluster(emulator: Emulator, workspace = 'dev'): Promise<void> {
  const status = await armPut(emulator, `workspaces/${workspace}/computes/cpu-cluster`, {
    location: emulator.info.location,
    properties: {
      computeType: 'AmlCompute',
      properties: { vmSize: 'Standard_DS3_v2', scaleSettings: { maxNodeCount: 4 } },
    },
  });
  if (status >= 300) throw new Error(`cluster PUT answered ${status}`);
}

/** Runs the training job to completion through submit-job; returns its name. */
export async function train(emulator: Emulator, dir: string, name: string, accuracy: number): Promise<string> {
  const { error } = await runInProcess(emulator, dir, 'submit-job', {
    file: 'train.yml',
    name,
    set: `inputs.accuracy=${accuracy}`,
    'stream-logs': 'false',
  });
  if (error) throw new Error(`training job ${name} failed: ${error}`);
  return name;
}
