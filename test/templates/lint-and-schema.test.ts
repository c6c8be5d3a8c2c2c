import * as fs from 'node:fs';
import * as path from 'node:path';

import { actionlint } from './actionlint';
import { asPipelineYaml, explain, validatePipeline, validateWorkflow } from './schemas';
import { expandTemplate } from './run-azure-pipeline';
import {
  adoDir,
  adoTemplates,
  amlopsAction,
  amlopsTask,
  githubDir,
  githubTemplates,
  readYaml,
  unknownInputs,
} from './templates';

/**
 * The pipeline templates as users' CI systems see them: actionlint and the workflow schema for
 * GitHub, the pipeline schema for Azure Pipelines, and every input a template passes to one of our
 * steps checked against the step's declaration.
 */
const githubFiles = [...githubTemplates.map((t) => `${t}.yml`), 'examples/ml-pipeline.yml'];

describe.each(githubFiles)('GitHub %s', (file) => {
  const full = path.join(githubDir, file);
  const doc = readYaml(full) as { jobs: Record<string, { steps?: { uses?: string; with?: object }[] }> };

  it('is clean under actionlint', async () => {
    const problems = await actionlint(fs.readFileSync(full, 'utf8'), `.github/workflows/${path.basename(file)}`);
    expect(problems.map((p) => `${file}:${p.line}:${p.column} ${p.message} [${p.kind}]`)).toEqual([]);
  });

  it('is valid against the workflow schema', () => {
    expect(validateWorkflow(doc) || explain(validateWorkflow.errors)).toBe(true);
  });

  it('passes only inputs the amlops steps declare, all at one ref', () => {
    const problems: string[] = [];
    const refs = new Set<string>();
    for (const [jobName, job] of Object.entries(doc.jobs)) {
      for (const step of job.steps ?? []) {
        const action = step.uses ? amlopsAction(step.uses) : undefined;
        if (!action) continue;
        refs.add(action.ref);
        for (const name of unknownInputs(action.step, 'github', Object.keys(step.with ?? {})))
          problems.push(`${jobName}: ${step.uses} has no input '${name}'`);
      }
    }
    expect(problems).toEqual([]);
    // One ref everywhere, so pinning is one search-and-replace (docs/pipeline-templates.md).
    expect([...refs].length).toBeLessThanOrEqual(1);
  });

  it('asks for no permission beyond id-token: write and contents: read', () => {
    const all = doc as { permissions?: unknown; jobs: Record<string, { permissions?: unknown }> };
    const allowed = [{}, { 'id-token': 'write', contents: 'read' }, undefined];
    expect(allowed).toContainEqual(all.permissions);
    for (const job of Object.values(all.jobs)) expect(allowed).toContainEqual(job.permissions);
  });
});

it('the example caller passes only inputs the reusable workflows declare', () => {
  const example = readYaml(path.join(githubDir, 'examples/ml-pipeline.yml')) as {
    jobs: Record<string, { uses: string; with?: Record<string, unknown> }>;
  };
  const problems: string[] = [];
  for (const [name, job] of Object.entries(example.jobs)) {
    const template = /\/\.github\/workflows\/([a-z-]+)\.yml@/.exec(job.uses)?.[1];
    expect(githubTemplates).toContain(template);
    const call = (readYaml(path.join(githubDir, `${template}.yml`)) as { on: { workflow_call: { inputs: object } } }).on
      .workflow_call;
    const declared = Object.entries(call.inputs) as [string, { required?: boolean }][];
    for (const key of Object.keys(job.with ?? {}))
      if (!declared.some(([k]) => k === key)) problems.push(`${name}: ${template}.yml has no input '${key}'`);
    for (const [key, spec] of declared)
      if (spec.required && !(key in (job.with ?? {}))) problems.push(`${name}: required input '${key}' missing`);
  }
  expect(problems).toEqual([]);
  // The dev rollout names its deployment after the version train registered, so each version is a canary.
  expect(example.jobs['deploy-dev'].with).toMatchObject({
    model: '${{ needs.train.outputs.model-id }}',
    'model-version': '${{ needs.train.outputs.model-version }}',
  });
});

const placeholders = {
  azureSubscription: 'ml-dev',
  modelName: 'my-model',
  model: 'azureml:my-model:1',
  registry: 'my-registry',
  input: 'data/sample.csv',
};

const adoFiles = adoTemplates.flatMap((t) => [`jobs/${t}.yml`, `stages/${t}.yml`]);

describe.each(adoFiles)('Azure Pipelines %s', (file) => {
  const full = path.join(adoDir, file);
  const raw = readYaml(full) as { parameters: { name: string; default?: unknown }[] };

  it('expands, with its defaults and the required parameters, into a pipeline valid against the schema', () => {
    const given = Object.fromEntries(
      raw.parameters
        .filter((p) => p.default === undefined)
        .map((p) => [p.name, placeholders[p.name as keyof typeof placeholders]]),
    );
    const expanded = expandTemplate(full, given);
    const doc = asPipelineYaml({ parameters: raw.parameters, ...expanded });
    expect(validatePipeline(doc) || explain(validatePipeline.errors)).toBe(true);
  });

  it('passes only inputs the amlops tasks declare', () => {
    const problems: string[] = [];
    const visit = (node: unknown) => {
      if (Array.isArray(node)) node.forEach(visit);
      else if (node && typeof node === 'object') {
        const step = node as { task?: string; inputs?: Record<string, unknown> };
        const decl = typeof step.task === 'string' ? amlopsTask(step.task) : undefined;
        if (decl) {
          const names = Object.keys(step.inputs ?? {}).flatMap((k) =>
            k.startsWith('${{') ? Object.keys((step.inputs![k] as object) ?? {}) : [k],
          );
          for (const n of unknownInputs(decl, 'azure-devops', names)) problems.push(`${step.task} has no input '${n}'`);
        }
        Object.values(node).forEach(visit);
      }
    };
    visit(raw);
    expect(problems).toEqual([]);
  });
});

it('the example Azure pipeline expands through the templates into a valid pipeline', () => {
  const expanded = expandTemplate(path.join(adoDir, 'examples/azure-pipelines.yml'), {});
  expect(validatePipeline(asPipelineYaml(expanded)) || explain(validatePipeline.errors)).toBe(true);
  const stages = expanded.stages as { stage: string; jobs: { deployment?: string; environment?: string }[] }[];
  expect(stages.map((s) => s.stage)).toEqual(['Train', 'DeployDev', 'Promote', 'BatchScore']);
  // Everything that changes an endpoint runs as a deployment job bound to an environment.
  for (const stage of stages.slice(1)) expect(stage.jobs[0]).toMatchObject({ environment: expect.any(String) });
  // DeployDev reads train's model and version at run time and names the deployment after the version.
  const deployDev = stages[1].jobs[0] as unknown as {
    variables: { name: string; value: string }[];
    strategy: { runOnce: { deploy: { steps: { task?: string; inputs?: Record<string, unknown> }[] } } };
  };
  expect(deployDev.variables).toEqual([
    { name: 'amlopsModel', value: "$[ stageDependencies.Train.Train.outputs['register.modelId'] ]" },
    { name: 'amlopsModelVersion', value: "$[ stageDependencies.Train.Train.outputs['register.modelVersion'] ]" },
  ]);
  const task = deployDev.strategy.runOnce.deploy.steps.find((s) => s.task === 'AmlDeployOnline@1');
  expect(task?.inputs).toMatchObject({
    model: '$(amlopsModel)',
    deploymentName: 'model-v$(amlopsModelVersion)',
    deleteOld: true,
  });
});
