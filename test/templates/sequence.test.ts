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
let trainedModel = '';

describe('GitHub reusable workflows', () => {
  sequence(
    'train.yml: connect, ensure-compute, the pipeline, register behind the gate',
    path.join(githubDir, 'train.yml'),
    async () => {
      const run = await runWorkflow('train', { 'model-name': 'seq-model', 'gate-metric': 'accuracy' }, github);
      expect(run.steps.map((s) => s.step)).toEqual(['connect', 'ensure-compute', 'submit-job', 'register-model']);
      expect(run.outputs).toMatchObject({
        'model-name': 'seq-model',
        'model-id': 'azureml:seq-model:1',
        registration: 'created',
      });
      expect(JSON.parse(run.outputs.metrics).accuracy).toBeGreaterThan(0.7);
      expect(run.steps[3].log).toMatch(/Gate: /);
      trainedModel = run.outputs['model-id'];
    },
  );

  sequence(
    'batch-score.yml: batch endpoint in dev scores the sample',
    path.join(githubDir, 'batch-score.yml'),
    async () => {
      expect(trainedModel).not.toBe('');
      const run = await runWorkflow('batch-score', { environment: 'dev', input: 'data/sample.csv' }, github);
      expect(run.steps.map((s) => s.step)).toEqual(['connect', 'deploy-batch']);
      expect(run.outputs.endpoint).toBe('seq-batch-dev');
      expect(run.outputs['scoring-job']).not.toBe('');
    },
  );

  sequence(
    'deploy-online.yml: safe rollout to dev and smoke test',
    path.join(githubDir, 'deploy-online.yml'),
    async () => {
      const run = await runWorkflow(
        'deploy-online',
        { environment: 'dev', model: trainedModel, 'step-wait': '1s' },
        github,
      );
      expect(run.steps.map((s) => s.step)).toEqual(['connect', 'deploy-online', 'smoke-test']);
      expect(run.outputs.endpoint).toBe('seq-dev');
    },
  );

  sequence(
    'promote.yml: registry copy, then prod rollout and smoke test',
    path.join(githubDir, 'promote.yml'),
    async () => {
      const run = await runWorkflow(
        'promote',
        { model: trainedModel, registry: emulator.info.registry, 'step-wait': '1s' },
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
        `azureml://registries/${emulator.info.registry}/models/seq-model/versions/1`,
      );
    },
  );
});

describe('Azure Pipelines templates', () => {
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
      expect(run.outputs.Train.Train['register.modelId']).toMatch(/^azureml:seq-model:\d+$/);
      expect(run.outputs.Train.Train['register.action']).toBe('created');
    },
  );

  sequence(
    'stages/batch-score.yml: batch endpoint in dev scores the sample',
    path.join(adoDir, 'stages/batch-score.yml'),
    async () => {
      const doc = expandTemplate(path.join(adoDir, 'stages/batch-score.yml'), {
        azureSubscription: 'ml-dev',
        environment: 'dev',
        input: 'data/sample.csv',
      });
      const run = await runPipeline(doc, ado());
      expect(run.tasks.map((t) => t.step)).toEqual(['connect', 'deploy-batch']);
      expect(run.outputs.BatchScore.BatchScore['batch.endpoint']).toBe('seq-batch-dev');
    },
  );

  sequence(
    'stages/deploy-online.yml: safe rollout to dev and smoke test',
    path.join(adoDir, 'stages/deploy-online.yml'),
    async () => {
      const doc = expandTemplate(path.join(adoDir, 'stages/deploy-online.yml'), {
        azureSubscription: 'ml-dev',
        environment: 'dev',
        stepWait: '1s',
      });
      const run = await runPipeline(doc, ado());
      expect(run.tasks.map((t) => t.step)).toEqual(['connect', 'deploy-online', 'smoke-test']);
      expect(run.outputs.DeployOnline.DeployOnline['deploy.endpoint']).toBe('seq-dev');
    },
  );

  sequence(
    'stages/promote.yml: registry copy, then prod rollout and smoke test',
    path.join(adoDir, 'stages/promote.yml'),
    async () => {
      expect(trainedModel).not.toBe('');
      const doc = expandTemplate(path.join(adoDir, 'stages/promote.yml'), {
        azureSubscription: 'ml-prod',
        model: trainedModel,
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
      expect(run.outputs.Promote.Promote['promote.modelId']).toMatch(/^azureml:\/\/registries\//);
    },
  );
});
