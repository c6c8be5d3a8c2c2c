import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { runAdoTask, type TestEndpoint } from '../faces/run-ado';
import { asString, commonFunctions, evaluate, interpolate, truthy, type Value } from './expressions';
import { PendingStepError } from './run-workflow';
import { adoDir, amlopsTask, kebabOf, resolveTemplate, unknownInputs } from './templates';

interface Parameter {
  name: string;
  type?: string;
  default?: Value;
  values?: Value[];
}

/**
 * Expands an Azure Pipelines template as the service does at compile time: typed parameters
 * (unknown or missing required ones are errors), `${{ }}` expressions, `${{ if }}` insertions and
 * nested `- template:` references (`x.yml@amlops` resolves into pipeline-templates/azure-pipelines).
 */
export function expandTemplate(file: string, given: Record<string, Value>): Record<string, unknown> {
  const doc = parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown> & { parameters?: Parameter[] };
  const where = path.relative(adoDir, file);
  const values: Record<string, Value> = {};
  for (const p of doc.parameters ?? []) {
    let v = p.name in given ? given[p.name] : p.default;
    if (v === undefined) throw new Error(`${where}: parameter '${p.name}' is required`);
    if (p.type === 'boolean' && typeof v === 'string') v = v === 'true';
    if (p.type === 'number' && typeof v === 'string' && !/^\$/.test(v)) v = Number(v);
    if (p.values && !p.values.includes(v))
      throw new Error(`${where}: parameter '${p.name}' must be one of ${p.values.join(', ')}`);
    values[p.name] = v;
  }
  for (const key of Object.keys(given)) {
    if (!(doc.parameters ?? []).some((p) => p.name === key)) throw new Error(`${where}: no parameter '${key}'`);
  }
  const ctx = {
    functions: commonFunctions,
    lookup: (p: string[]): Value => {
      if (p[0] !== 'parameters' || !(p[1] in values)) throw new Error(`${where}: '${p.join('.')}' does not exist`);
      return values[p[1]];
    },
  };
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') return interpolate(node, ctx);
    if (Array.isArray(node)) {
      return node.flatMap((item) => {
        if (item && typeof item === 'object' && 'template' in item) {
          const target = resolveTemplate(file, String((item as { template: string }).template));
          const params = walk((item as { parameters?: unknown }).parameters ?? {}) as Record<string, Value>;
          const expanded = expandTemplate(target, params);
          return (expanded.stages ?? expanded.jobs ?? expanded.steps) as unknown[];
        }
        return [walk(item)];
      });
    }
    if (node && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(node)) {
        const cond = /^\$\{\{\s*if (.*)\}\}$/.exec(k);
        if (cond) {
          if (truthy(interpolate(`\${{ ${cond[1]} }}`, ctx))) Object.assign(out, walk(v));
        } else out[k] = walk(v);
      }
      return out;
    }
    return node;
  };
  const { parameters: _parameters, ...rest } = doc;
  return walk(rest) as Record<string, unknown>;
}

interface Step {
  task?: string;
  checkout?: string;
  name?: string;
  inputs?: Record<string, unknown>;
}
interface Job {
  job?: string;
  deployment?: string;
  environment?: string;
  variables?: { name: string; value: string }[] | Record<string, string>;
  steps?: Step[];
  strategy?: { runOnce: { deploy: { steps: Step[] } } };
}

export interface PipelineRun {
  /** Output variables by stage, job and `step.variable`. */
  outputs: Record<string, Record<string, Record<string, string>>>;
  tasks: { stage: string; job: string; name?: string; step: string; outputs: Record<string, string> }[];
}

export interface PipelineRunOptions {
  cwd: string;
  /** Service connection by its name (the azureSubscription value). */
  endpoint: (name: string) => TestEndpoint;
  timeoutMs?: number;
}

/**
 * Runs expanded stages (or jobs) in order on one agent: each Aml* task through its real bundle
 * (runAdoTask) with the inputs the template passes, `$(var)` macros from job variables, earlier
 * tasks' output variables and exported variables, and `$[ stageDependencies... ]` job variables
 * from earlier jobs' outputs. A `$(name)` that resolves to nothing fails instead of passing through.
 */
export async function runPipeline(doc: Record<string, unknown>, options: PipelineRunOptions): Promise<PipelineRun> {
  const stages = (doc.stages as { stage: string; jobs: Job[] }[] | undefined) ?? [
    { stage: '__default', jobs: doc.jobs as Job[] },
  ];
  const run: PipelineRun = { outputs: {}, tasks: [] };
  for (const stage of stages) {
    run.outputs[stage.stage] = {};
    for (const job of stage.jobs) {
      const jobName = job.job ?? job.deployment!;
      const runtime = {
        functions: commonFunctions,
        lookup: (p: string[]): Value => {
          const [root, s, j, outputs, key] = p;
          const value = root === 'stageDependencies' && outputs === 'outputs' ? run.outputs[s]?.[j]?.[key] : undefined;
          if (value === undefined) throw new Error(`${stage.stage}.${jobName}: '${p.join('.')}' does not exist`);
          return value;
        },
      };
      const variables: Record<string, string> = {};
      const list = Array.isArray(job.variables)
        ? job.variables
        : Object.entries(job.variables ?? {}).map(([name, value]) => ({ name, value }));
      for (const v of list) {
        const runtimeExpression = /^\s*\$\[([\s\S]*)\]\s*$/.exec(String(v.value));
        variables[v.name] = runtimeExpression ? asString(evaluate(runtimeExpression[1], runtime)) : String(v.value);
      }
      const outputs: Record<string, string> = {};
      let exported: Record<string, string> = {};
      const macro = (text: string) =>
        text.replace(/\$\(([A-Za-z0-9_.]+)\)/g, (_, name: string) => {
          const v = variables[name] ?? outputs[name] ?? exported[name];
          if (v === undefined) throw new Error(`${stage.stage}.${jobName}: $(${name}) is not defined`);
          return v;
        });
      for (const step of job.steps ?? job.strategy?.runOnce.deploy.steps ?? []) {
        if (step.checkout !== undefined) continue;
        const decl = step.task ? amlopsTask(step.task) : undefined;
        if (!decl) throw new Error(`${stage.stage}.${jobName}: unexpected step ${JSON.stringify(step)}`);
        const names = Object.keys(step.inputs ?? {});
        const unknown = unknownInputs(decl, 'azure-devops', names);
        if (unknown.length) throw new Error(`${step.task} has no input ${unknown.join(', ')}`);
        const inputs: Record<string, string> = {};
        for (const [k, v] of Object.entries(step.inputs ?? {})) inputs[kebabOf(decl, k)] = macro(asString(v as Value));
        const result = await runAdoTask(
          decl.id,
          inputs,
          options.endpoint(inputs['azure-subscription']),
          { ...exported, ...variables },
          { cwd: options.cwd, timeoutMs: options.timeoutMs },
        );
        if (result.failed) {
          const message = result.issues.map((i) => i.message).join('\n') || result.log.slice(-3000);
          if (/is not available yet/.test(message)) throw new PendingStepError(`${decl.id} is not available yet`);
          throw new Error(`${stage.stage}.${jobName}: ${step.task} (${step.name ?? ''}) failed:\n${message}`);
        }
        exported = { ...exported, ...result.variables };
        if (step.name) for (const [k, v] of Object.entries(result.outputs)) outputs[`${step.name}.${k}`] = v;
        run.tasks.push({ stage: stage.stage, job: jobName, name: step.name, step: decl.id, outputs: result.outputs });
      }
      run.outputs[stage.stage][jobName] = outputs;
    }
  }
  return run;
}
