import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Emulator } from '../../emulator';
import { writeScaffold } from '../../shared/init/scaffold';
import { spnEndpointOf } from '../support/connection';
import { startTestEmulator } from '../support/emulator';
import { expandTemplate, runPipeline } from './run-azure-pipeline';
import { runWorkflow, type WorkflowRunOptions } from './run-workflow';
import { adoDir, amlopsAction, amlopsTask, githubDir, readYaml, resolveTemplate } from './templates';

/**
 * The templates' step sequences on the emulator: each template parsed, its amlops steps run in
 * order through their real bundles with the inputs the template passes, in a project written by
 * `amlops init` whose .cloud files point at the emulator. A wrong input, output or parameter name
 * in a template fails here.
 *
 * Steps still being built: a template using one of PENDING is skipped, and its test name says which
 * step it waits for. When a step lands, remove it from PENDING and these tests run.
 */
const PENDING: readonly string[] = [];

function stepsOf(file: string): string[] {
  const found = new Set<string>();
  const visit = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      const n = node as { uses?: unknown; task?: unknown; template?: unknown };
      if (typeof n.uses === 'string') {
        const action = amlopsAction(n.uses);
        if (action) found.add(action.step.id);
      }
      if (typeof n.task === 'string') {
        const task = amlopsTask(n.task);
        if (task) found.add(task.id);
      }
      if (typeof n.template === 'string') stepsOf(resolveTemplate(file, n.template)).forEach((s) => found.add(s));
      Object.values(node).forEach(visit);
    }
  };
  visit(readYaml(file));
  return [...found];
}

/** `it`, or `it.skip` named after the steps the template waits for. */
function sequence(title: string, file: string, fn: () => Promise<void>, timeout = 240_000): void {
  const waiting = stepsOf(file).filter((s) => PENDING.includes(s));
  if (waiting.length) it.skip(`${title} [pending: ${waiting.join(', ')} not available yet]`, fn, timeout);
  else it(title, fn, timeout);
}

let emulator: Emulator;
let project: string;
let github: WorkflowRunOptions;

beforeAll(async () => {
  emulator = await startTestEmulator({ computeProvisioningMs: 100 });
  const { info } = emulator;
  project = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-templates-')), 'seq');
  writeScaffold(project, { ci: 'both', person: 'ada', project: 'seq', registry: info.registry });
  // The scaffold's placeholders replaced by the emulator's workspaces, as a platform team fills them in.
  for (const env of ['dev', 'prod']) {
    fs.writeFileSync(
      path.join(project, '.cloud', `${env}.yml`),
      [
        `subscription_id: ${info.subscriptionId}`,
        `resource_group: ${info.resourceGroup}`,
        `workspace_name: ${env}`,
        'cloud: Custom',
        `arm_endpoint: ${info.armEndpoint}`,
        `authority_host: ${info.authorityHost}`,
        '',
      ].join('\n'),
    );
  }
  // Federated sign-in as on GitHub: the environment's variables name the identity, the runner's OIDC token proves it.
  github = {
    cwd: project,
    vars: { AZURE_CLIENT_ID: info.clientId, AZURE_TENANT_ID: info.tenantId },
    env: {
      ACTIONS_ID_TOKEN_REQUEST_URL: info.githubOidc.requestUrl,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: info.githubOidc.requestToken,
    },
    github: { ref: 'refs/heads/main', repository: 'contoso/seq' },
    timeoutMs: 180_000,
  };
});
afterAll(async () => {
  await emulator?.stop();
  if (project) fs.rmSync(path.dirname(project), { recursive: true, force: true });
});

const ado = () => ({ cwd: project, endpoint: (name: string) => spnEndpointOf(emulator, name), timeoutMs: 180_000 });

/** The deployments an online endpoint has, as ARM lists them: what a rollout left behind. */
async function deploymentsOf(workspace: string, endpoint: string): Promise<string[]> {
  const { info } = emulator;
  const url =
    `${info.armEndpoint}subscriptions/${info.subscriptionId}/resourceGroups/${info.resourceGroup}` +
    `/providers/Microsoft.MachineLearningServices/workspaces/${workspace}/onlineEndpoints/${endpoint}/deployments?api-version=2024-10-01`;
  const res = await fetch(url, { headers: { authorization: `Bearer ${emulator.issueAccessToken()}` } });
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { value: { name: string }[] }).value.map((d) => d.name).sort();
}

/** The traffic splits deploy-online logged as it moved traffic, in order. */
const trafficLines = (log: string): string[] =>
  log
    .split('\n')
    .filter((l) => /Traffic step /.test(l))
    .map((l) => l.trim());

/** Registered by the GitHub train runs, oldest first: { id, version }. */
const trained: { id: string; version: string }[] = [];

describe('GitHub reusable workflows', () => {
  sequence(
    'train.yml: connect, ensure-compute, the pipeline, register behind the gate',
    path.join(githubDir, 'train.yml'),
    async () => {
      const run = await runWorkflow('train', { 'model-name': 'seq-model', 'gate-metric': 'accuracy' }, github);
      expect(run.steps.map((s) => s.step)).toEqual(['connect', 'ensure-compute', 'submit-job', 'register-model']);
      expect(run.outputs).toMatchObject({
        'model-name': 'seq-model',
        'model-version': '1',
        'model-id': 'azureml:seq-model:1',
        registration: 'created',
      });
      expect(JSON.parse(run.outputs.metrics).accuracy).toBeGreaterThan(0.7);
      expect(run.steps[3].log).toMatch(/Gate: /);
      trained.push({ id: run.outputs['model-id'], version: run.outputs['model-version'] });
    },
  );

  sequence(
    'deploy-online.yml, pipeline run 1: the first version gets its own deployment with all the traffic',
    path.join(githubDir, 'deploy-online.yml'),
    async () => {
      expect(trained).toHaveLength(1);
      const run = await runWorkflow(
        'deploy-online',
        { environment: 'dev', model: trained[0].id, 'model-version': trained[0].version, 'step-wait': '1s' },
        github,
      );
      expect(run.steps.map((s) => s.step)).toEqual(['connect', 'deploy-online', 'smoke-test']);
      expect(run.outputs).toMatchObject({ endpoint: 'seq-dev', deployment: 'model-v1' });
      expect(JSON.parse(run.outputs.traffic)).toEqual({ 'model-v1': 100 });
      expect(run.steps[1].outputs.action).toBe('created');
      expect(await deploymentsOf('dev', 'seq-dev')).toEqual(['model-v1']);
    },
  );

  sequence(
    'deploy-online.yml, pipeline run 2: a new version rolls out beside the live one in traffic steps, and the old one is deleted',
    path.join(githubDir, 'deploy-online.yml'),
    async () => {
      const train = await runWorkflow('train', { 'model-name': 'seq-model', 'gate-metric': 'accuracy' }, github);
      expect(train.outputs['model-id']).toBe('azureml:seq-model:2');
      trained.push({ id: train.outputs['model-id'], version: train.outputs['model-version'] });

      const run = await runWorkflow(
        'deploy-online',
        { environment: 'dev', model: trained[1].id, 'model-version': trained[1].version, 'step-wait': '1s' },
        github,
      );
      const deploy = run.steps[1];
      expect(deploy.outputs.action).toBe('rolled-out');
      expect(JSON.parse(deploy.outputs['previous-traffic'])).toEqual({ 'model-v1': 100 });
      // 0% with its smoke test first, then the traffic steps, the live version serving the rest.
      const steps = trafficLines(deploy.log);
      expect(steps).toHaveLength(3);
      expect(steps[0]).toMatch(/step 1\/3: .*(?=.*model-v1 90%)(?=.*model-v2 10%)/);
      expect(steps[1]).toMatch(/step 2\/3: .*(?=.*model-v1 50%)(?=.*model-v2 50%)/);
      expect(steps[2]).toMatch(/step 3\/3: model-v2 100%$/);
      expect(deploy.log).not.toMatch(/updated in place/);
      expect(run.outputs.deployment).toBe('model-v2');
      expect(JSON.parse(run.outputs.traffic)).toEqual({ 'model-v2': 100 });
      expect(await deploymentsOf('dev', 'seq-dev')).toEqual(['model-v2']);
    },
  );

  sequence(
    'promote.yml: registry copy, then the version rolled out to prod as its own deployment, and smoke-tested',
    path.join(githubDir, 'promote.yml'),
    async () => {
      const run = await runWorkflow(
        'promote',
        { model: trained[1].id, registry: emulator.info.registry, 'step-wait': '1s' },
        github,
      );
      expect(run.steps.map((s) => s.step)).toEqual([
        'connect',
        'promote-model',
        'connect',
        'deploy-online',
        'smoke-test',
      ]);
      expect(run.outputs['model-id']).toBe(
        `azureml://registries/${emulator.info.registry}/models/seq-model/versions/2`,
      );
      expect(run.steps[3].outputs).toMatchObject({ endpoint: 'seq-prod', deployment: 'model-v2', action: 'created' });
      expect(await deploymentsOf('prod', 'seq-prod')).toEqual(['model-v2']);
    },
  );

  sequence(
    'batch-score.yml: in a fresh prod workspace, creates the cluster, then the batch endpoint scores the sample',
    path.join(githubDir, 'batch-score.yml'),
    async () => {
      const run = await runWorkflow('batch-score', { environment: 'prod', input: 'data/sample.csv' }, github);
      expect(run.steps.map((s) => s.step)).toEqual(['connect', 'ensure-compute', 'deploy-batch']);
      expect(run.steps[1].outputs).toMatchObject({ name: 'cpu-cluster', action: 'created' });
      expect(run.outputs.endpoint).toBe('seq-batch-prod');
      expect(run.outputs['scoring-job']).not.toBe('');
    },
  );
});

describe('Azure Pipelines templates', () => {
  let modelId = '';
  let modelVersion = '';

  sequence(
    'stages/train.yml: the same sequence with the tasks and a service connection',
    path.join(adoDir, 'stages/train.yml'),
    async () => {
      const doc = expandTemplate(path.join(adoDir, 'stages/train.yml'), {
        azureSubscription: 'ml-dev',
        modelName: 'seq-model',
        gateMetric: 'accuracy',
      });
      const run = await runPipeline(doc, ado());
      expect(run.tasks.map((t) => t.step)).toEqual(['connect', 'ensure-compute', 'submit-job', 'register-model']);
      const outputs = run.outputs.Train.Train;
      expect(outputs['register.modelId']).toMatch(/^azureml:seq-model:\d+$/);
      expect(outputs['register.action']).toBe('created');
      modelId = outputs['register.modelId'];
      modelVersion = outputs['register.modelVersion'];
    },
  );

  sequence(
    'stages/deploy-online.yml: the new version rolls out beside the live one, which is then deleted',
    path.join(adoDir, 'stages/deploy-online.yml'),
    async () => {
      expect(modelVersion).toMatch(/^\d+$/);
      const live = await deploymentsOf('dev', 'seq-dev');
      const doc = expandTemplate(path.join(adoDir, 'stages/deploy-online.yml'), {
        azureSubscription: 'ml-dev',
        environment: 'dev',
        model: modelId,
        modelVersion,
        stepWait: '1s',
      });
      const run = await runPipeline(doc, ado());
      expect(run.tasks.map((t) => t.step)).toEqual(['connect', 'deploy-online', 'smoke-test']);
      const outputs = run.outputs.DeployOnline.DeployOnline;
      expect(outputs['deploy.endpoint']).toBe('seq-dev');
      expect(outputs['deploy.deployment']).toBe(`model-v${modelVersion}`);
      expect(outputs['deploy.action']).toBe('rolled-out');
      expect(JSON.parse(outputs['deploy.traffic'])).toEqual({ [`model-v${modelVersion}`]: 100 });
      expect(live).not.toContain(`model-v${modelVersion}`);
      expect(await deploymentsOf('dev', 'seq-dev')).toEqual([`model-v${modelVersion}`]);
    },
  );

  sequence(
    'stages/promote.yml: registry copy, then prod rollout of the version beside the live one, and smoke test',
    path.join(adoDir, 'stages/promote.yml'),
    async () => {
      expect(modelId).not.toBe('');
      const doc = expandTemplate(path.join(adoDir, 'stages/promote.yml'), {
        azureSubscription: 'ml-prod',
        model: modelId,
        registry: emulator.info.registry,
        stepWait: '1s',
      });
      const run = await runPipeline(doc, ado());
      expect(run.tasks.map((t) => t.step)).toEqual([
        'connect',
        'promote-model',
        'connect',
        'deploy-online',
        'smoke-test',
      ]);
      const outputs = run.outputs.Promote.Promote;
      expect(outputs['promote.modelId']).toMatch(/^azureml:\/\/registries\//);
      expect(outputs['deploy.deployment']).toBe(`model-v${modelVersion}`);
      expect(outputs['deploy.action']).toBe('rolled-out');
      expect(await deploymentsOf('prod', 'seq-prod')).toEqual([`model-v${modelVersion}`]);
    },
  );

  sequence(
    'stages/batch-score.yml: ensure the cluster, then the batch endpoint in prod scores the sample',
    path.join(adoDir, 'stages/batch-score.yml'),
    async () => {
      const doc = expandTemplate(path.join(adoDir, 'stages/batch-score.yml'), {
        azureSubscription: 'ml-prod',
        environment: 'prod',
        input: 'data/sample.csv',
      });
      const run = await runPipeline(doc, ado());
      expect(run.tasks.map((t) => t.step)).toEqual(['connect', 'ensure-compute', 'deploy-batch']);
      expect(run.outputs.BatchScore.BatchScore['batch.endpoint']).toBe('seq-batch-prod');
    },
  );
});
