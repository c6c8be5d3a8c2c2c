import * as path from 'node:path';
import { runGithubStep } from '../faces/run-github';
import { asString, commonFunctions, interpolate, type ExpressionContext, type Value } from './expressions';
import { amlopsAction, githubDir, readYaml, unknownInputs } from './templates';

/** A step that exists as a declaration but whose implementation has not landed yet. */
export class PendingStepError extends Error {}

interface WorkflowStep {
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
}
interface WorkflowJob {
  needs?: string | string[];
  steps: WorkflowStep[];
  outputs?: Record<string, string>;
}
interface CallInput {
  type: 'string' | 'boolean' | 'number';
  required?: boolean;
  default?: string | boolean | number;
}

export interface WorkflowRun {
  /** The workflow_call outputs. */
  outputs: Record<string, string>;
  /** Every amlops step that ran: its id, step and outputs, in order. */
  steps: { job: string; id?: string; step: string; outputs: Record<string, string>; log: string }[];
}

export interface WorkflowRunOptions {
  /** Checked-out repository: the working directory of every step. */
  cwd: string;
  /** Repository or environment variables (vars context). */
  vars: Record<string, string>;
  /** Runner environment of every step (OIDC request URL and token, CA). */
  env: Record<string, string>;
  github?: Record<string, string>;
  timeoutMs?: number;
}

/**
 * Runs a reusable workflow of pipeline-templates/github the way the runner would on one machine:
 * jobs in `needs` order, each amlops step through its real bundle (runGithubStep) with the `with:`
 * values the template passes, GITHUB_ENV exports carried to later steps of the job, step and job
 * outputs wired through the expressions. actions/checkout is the cwd already.
 */
export async function runWorkflow(
  name: string,
  inputs: Record<string, string | boolean | number>,
  options: WorkflowRunOptions,
): Promise<WorkflowRun> {
  const file = path.join(githubDir, `${name}.yml`);
  const doc = readYaml(file) as {
    on: { workflow_call: { inputs?: Record<string, CallInput>; outputs?: Record<string, { value: string }> } };
    jobs: Record<string, WorkflowJob>;
  };
  const call = doc.on.workflow_call;
  const inputValues: Record<string, Value> = {};
  for (const [key, spec] of Object.entries(call.inputs ?? {})) {
    if (key in inputs) inputValues[key] = inputs[key];
    else if (spec.required) throw new Error(`${name}.yml: required input '${key}' not given`);
    else inputValues[key] = spec.default ?? (spec.type === 'boolean' ? false : spec.type === 'number' ? 0 : '');
  }
  for (const key of Object.keys(inputs)) {
    if (!(key in inputValues)) throw new Error(`${name}.yml has no input '${key}'`);
  }
  const jobOutputs: Record<string, Record<string, string>> = {};
  const run: WorkflowRun = { outputs: {}, steps: [] };
  const context = (stepOutputs: Record<string, Record<string, string> | undefined>, needs: string[]) =>
    ({
      functions: commonFunctions,
      lookup: (p: string[]): Value => {
        const [root, a, b, c] = p;
        const fail = () => {
          throw new Error(`${name}.yml: '${p.join('.')}' does not exist`);
        };
        switch (root) {
          case 'inputs':
            return a in inputValues ? inputValues[a] : fail();
          case 'vars':
            return options.vars[a] ?? '';
          case 'github':
            return options.github?.[a] ?? '';
          case 'steps':
            if (b !== 'outputs' || !(a in stepOutputs)) return fail();
            return stepOutputs[a]?.[c] ?? fail();
          case 'needs':
          case 'jobs':
            if ((root === 'needs' && !needs.includes(a)) || b !== 'outputs' || !jobOutputs[a]) return fail();
            return c in jobOutputs[a] ? jobOutputs[a][c] : fail();
          default:
            return fail();
        }
      },
    }) satisfies ExpressionContext;

  for (const jobName of jobOrder(doc.jobs)) {
    const job = doc.jobs[jobName];
    const needs = [job.needs ?? []].flat();
    // Declared step ids map to their outputs once they ran; before, referencing them fails.
    const stepOutputs: Record<string, Record<string, string> | undefined> = {};
    let exported: Record<string, string> = {};
    for (const step of job.steps) {
      const ctx = context(stepOutputs, needs);
      if (step.if !== undefined && !interpolate(`\${{ ${step.if} }}`, ctx)) continue;
      if (step.run !== undefined) throw new Error(`${name}.yml: run steps are not supported by this test runner`);
      if (!step.uses || step.uses.startsWith('actions/checkout@')) continue;
      const action = amlopsAction(step.uses);
      if (!action) throw new Error(`${name}.yml: unexpected action ${step.uses}`);
      const given = Object.keys(step.with ?? {});
      const unknown = unknownInputs(action.step, 'github', given);
      if (unknown.length) throw new Error(`${name}.yml: ${step.uses} has no input ${unknown.join(', ')}`);
      const withValues: Record<string, string> = {};
      for (const [k, v] of Object.entries(step.with ?? {})) withValues[k] = asString(interpolate(String(v), ctx));
      const result = await runGithubStep(
        action.step.id,
        withValues,
        { ...options.env, ...exported },
        { cwd: options.cwd, timeoutMs: options.timeoutMs },
      );
      if (result.code !== 0) {
        const message = result.annotations.map((a) => a.message).join('\n') || result.log.slice(-3000);
        if (/is not available yet/.test(message)) throw new PendingStepError(`${action.step.id} is not available yet`);
        throw new Error(`${name}.yml: step ${step.id ?? action.step.id} failed:\n${message}`);
      }
      exported = { ...exported, ...result.env };
      // Declared outputs a step left unset read as '', as on GitHub; undeclared ones fail the lookup.
      const declared = Object.fromEntries(action.step.outputs.map((o) => [o.name, '']));
      if (step.id) stepOutputs[step.id] = { ...declared, ...result.outputs };
      run.steps.push({ job: jobName, id: step.id, step: action.step.id, outputs: result.outputs, log: result.log });
    }
    const ctx = context(stepOutputs, needs);
    jobOutputs[jobName] = Object.fromEntries(
      Object.entries(job.outputs ?? {}).map(([k, v]) => [k, asString(interpolate(v, ctx))]),
    );
  }
  const ctx = context({}, []);
  for (const [key, out] of Object.entries(call.outputs ?? {})) run.outputs[key] = asString(interpolate(out.value, ctx));
  return run;
}

function jobOrder(jobs: Record<string, WorkflowJob>): string[] {
  const order: string[] = [];
  const visit = (j: string) => {
    if (order.includes(j)) return;
    for (const n of [jobs[j].needs ?? []].flat()) visit(n);
    order.push(j);
  };
  Object.keys(jobs).forEach(visit);
  return order;
}
