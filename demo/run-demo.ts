import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { projectRoot } from './project-root';
import { startEmulator, type Emulator } from '../emulator';

/**
 * `npm run demo`: starts the local Azure ML workspace emulator, then runs the amlops steps against
 * its `dev` workspace through the amlops command line (the same core the GitHub Action and the
 * Azure DevOps task run), and prints a short report.
 */
const root = projectRoot();
const cli = path.join(root, 'bin', 'amlops.cjs');

interface StepResult {
  code: number;
  outputs: Record<string, string>;
  log: string;
  ms: number;
}

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-demo-'));
  const started = Date.now();
  say('Starting the local Azure ML workspace emulator ...');
  const emulator = await startEmulator({ stateDir: path.join(work, 'emulator'), log: () => undefined });
  try {
    const { info } = emulator;
    say(`  ARM ${info.armEndpoint}  workspaces: ${info.workspaces.join(', ')}  storage: ${info.blobEndpoint}`);
    const project = writeProject(work, emulator);
    const env = {
      ...process.env,
      NODE_EXTRA_CA_CERTS: info.caCertFile,
      AZURE_TENANT_ID: info.tenantId,
      AZURE_CLIENT_ID: info.clientId,
      AZURE_CLIENT_SECRET: info.clientSecret,
    };

    heading('connect');
    const connect = await step(['connect', '--environment', 'dev'], project, env);
    if (connect.code !== 0) return fail(connect);
    const exported = {
      AMLOPS_SUBSCRIPTION_ID: connect.outputs['subscription-id'],
      AMLOPS_RESOURCE_GROUP: connect.outputs['resource-group'],
      AMLOPS_WORKSPACE: connect.outputs.workspace,
      AMLOPS_ARM_ENDPOINT: info.armEndpoint,
      AMLOPS_AUTHORITY_HOST: info.authorityHost,
    };
    table({
      workspace: connect.outputs.workspace,
      region: connect.outputs.location,
      'workspace id': connect.outputs['workspace-id'],
      'MLflow tracking URI': connect.outputs['mlflow-tracking-uri'],
      studio: connect.outputs['studio-url'],
      time: `${connect.ms} ms`,
    });

    heading('ensure-compute (first run: creates the cluster)');
    const first = await step(['ensure-compute', '--file', '.cloud/compute/cpu-cluster.yml'], project, {
      ...env,
      ...exported,
    });
    if (first.code !== 0) return fail(first);
    table({
      compute: first.outputs.name,
      action: first.outputs.action,
      state: first.outputs['provisioning-state'],
      time: `${first.ms} ms`,
    });

    heading('ensure-compute (re-run: nothing changed)');
    emulator.clearRequests();
    const again = await step(['ensure-compute', '--file', '.cloud/compute/cpu-cluster.yml'], project, {
      ...env,
      ...exported,
    });
    if (again.code !== 0) return fail(again);
    const armCalls = emulator.requests.filter((r) => r.path.startsWith('/subscriptions/'));
    table({
      action: again.outputs.action,
      'ARM requests': `${armCalls.length} (${armCalls.map((r) => r.method).join(', ')})`,
      time: `${again.ms} ms`,
    });

    heading('ensure-compute (drift: max_instances 2 -> 3)');
    const drift = await step(
      ['ensure-compute', '--file', '.cloud/compute/cpu-cluster.yml', '--max-instances', '3'],
      project,
      { ...env, ...exported },
    );
    if (drift.code !== 0) return fail(drift);
    table({ action: drift.outputs.action, state: drift.outputs['provisioning-state'], time: `${drift.ms} ms` });

    heading('submit-job (train on cpu-cluster, logs streamed)');
    const train = await step(['submit-job', '--file', 'pipelines/train.yml'], project, { ...env, ...exported });
    if (train.code !== 0) return fail(train);
    const metrics = JSON.parse(train.outputs.metrics ?? '{}') as Record<string, number>;
    table({
      job: train.outputs['job-name'],
      status: train.outputs.status,
      ...Object.fromEntries(Object.entries(metrics).map(([k, v]) => [`metric ${k}`, String(v)])),
      'model output': JSON.parse(train.outputs.outputs ?? '{}').model,
      time: `${train.ms} ms`,
    });

    say(`\nDemo finished in ${((Date.now() - started) / 1000).toFixed(1)} s. Project used: ${project}`);
  } finally {
    await emulator.stop();
  }
}

function writeProject(work: string, emulator: Emulator): string {
  const { info } = emulator;
  const project = path.join(work, 'project');
  fs.mkdirSync(path.join(project, '.cloud', 'compute'), { recursive: true });
  fs.writeFileSync(
    path.join(project, '.cloud', 'dev.yml'),
    [
      '# Where the dev environment lives (here: the local emulator).',
      `subscription_id: ${info.subscriptionId}`,
      `resource_group: ${info.resourceGroup}`,
      'workspace_name: dev',
      'cloud: Custom',
      `arm_endpoint: ${info.armEndpoint}`,
      `authority_host: ${info.authorityHost}`,
      '',
    ].join('\n'),
  );
  fs.writeFileSync(
    path.join(project, '.cloud', 'compute', 'cpu-cluster.yml'),
    [
      '$schema: https://azuremlschemas.azureedge.net/latest/amlCompute.schema.json',
      'name: cpu-cluster',
      'type: amlcompute',
      'size: Standard_DS3_v2',
      'min_instances: 0',
      'max_instances: 2',
      'idle_time_before_scale_down: 120',
      '',
    ].join('\n'),
  );
  fs.mkdirSync(path.join(project, 'code', 'train'), { recursive: true });
  fs.mkdirSync(path.join(project, 'pipelines'), { recursive: true });
  fs.writeFileSync(
    path.join(project, 'code', 'train', 'train.py'),
    [
      '# Fits y = w*x on a tiny dataset by gradient descent and logs the loss with MLflow.',
      'import os, sys, time',
      'import mlflow',
      '',
      'lr, out = float(sys.argv[1]), sys.argv[2]',
      'data = [(x, 3.0 * x) for x in range(1, 6)]',
      'w = 0.0',
      'for epoch in range(5):',
      '    grad = sum(2 * (w * x - y) * x for x, y in data) / len(data)',
      '    w -= lr * grad',
      '    loss = sum((w * x - y) ** 2 for x, y in data) / len(data)',
      '    mlflow.log_metric("loss", loss, step=epoch)',
      '    print(f"epoch {epoch}: w={w:.3f} loss={loss:.4f}", flush=True)',
      '    time.sleep(0.3)',
      'mlflow.log_metric("final_loss", loss)',
      'os.makedirs(out, exist_ok=True)',
      'with open(os.path.join(out, "model.txt"), "w") as f:',
      '    f.write(str(w))',
      '',
    ].join('\n'),
  );
  fs.writeFileSync(
    path.join(project, 'pipelines', 'train.yml'),
    [
      '$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json',
      'code: ../code/train',
      'command: python train.py ${{inputs.learning_rate}} ${{outputs.model}}',
      'inputs:',
      '  learning_rate: 0.02',
      'outputs:',
      '  model:',
      '    type: uri_folder',
      'environment:',
      '  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest',
      'compute: azureml:cpu-cluster',
      'experiment_name: demo-train',
      '',
    ].join('\n'),
  );
  return project;
}

function step(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<StepResult> {
  const started = Date.now();
  say(`$ amlops ${args.join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let log = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      log += d.toString();
      for (const line of d.toString().split('\n')) if (line.trim()) say(`  | ${line}`);
    });
    child.on('close', (code) => {
      let outputs: Record<string, string> = {};
      try {
        outputs = JSON.parse(stdout || '{}');
      } catch {
        log += stdout;
      }
      resolve({ code: code ?? 1, outputs, log, ms: Date.now() - started });
    });
  });
}

function fail(result: StepResult): void {
  say(`\nThe step failed (exit ${result.code}).`);
  process.exitCode = 1;
}

const say = (line: string) => process.stdout.write(`${line}\n`);
const heading = (title: string) => say(`\n== ${title}`);
function table(rows: Record<string, string | undefined>): void {
  const width = Math.max(...Object.keys(rows).map((k) => k.length));
  for (const [k, v] of Object.entries(rows)) say(`  ${k.padEnd(width)}  ${v ?? ''}`);
}

main().catch((err) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
