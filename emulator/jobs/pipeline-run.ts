import * as crypto from 'node:crypto';
import { resolveAssetReference, versionArmId } from '../assets/store';
import { resolveRegistryAsset } from '../routes/registry-components';
import { isRecord } from '../http';
import { parsePipelineBinding, replaceParentInputs } from './bindings';
import { describeInput, literalText } from './data';
import { parsePolicy } from './early-termination';
import { PIPELINE_LOG } from './logs';
import type { JobRecord } from './model';
import { parallelCommand } from './parallel-run';
import { UserJobError, type JobContext, type Outcome } from './runner';

/**
 * A pipeline job: its steps run as child jobs in dependency order (a step waits for the steps whose
 * outputs it reads), each as a command (or sweep) job of its own with its own logs, visible through
 * run history's children of the pipeline. `${{parent.inputs.x}}`, `${{parent.outputs.x}}` and
 * `${{parent.jobs.<step>.outputs.<y>}}` are resolved to values and storage URIs before a step starts.
 */

interface Step {
  name: string;
  def: Record<string, unknown>;
  dependsOn: Set<string>;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (isRecord(v) ? v : {});

export async function runPipelineJob(job: JobContext): Promise<Outcome> {
  const req = job.rec.request;
  const settings = obj(req.settings);
  const continueOnFailure = settings.continue_on_step_failure === true || settings.continueOnStepFailure === true;
  const steps = planSteps(obj(req.jobs));
  const log = (text: string): void => job.logs.write(PIPELINE_LOG, `[${new Date().toISOString()}] ${text}\n`);

  job.setStatus('Queued');
  await job.pause();
  job.setStatus('Running');
  log(`Pipeline ${job.rec.name}: ${steps.length} steps${continueOnFailure ? ' (continue_on_step_failure)' : ''}`);

  const stepsController = new AbortController();
  const onAbort = (): void => stepsController.abort(job.signal.reason);
  job.signal.addEventListener('abort', onAbort, { once: true });
  const results = new Map<string, JobRecord>();
  const skipped = new Set<string>();
  const running = new Map<string, Promise<void>>();
  let failed = false;
  try {
    while (results.size + skipped.size < steps.length && !stepsController.signal.aborted) {
      for (const step of steps) {
        if (results.has(step.name) || skipped.has(step.name) || running.has(step.name)) continue;
        const deps = [...step.dependsOn];
        if (deps.some((d) => skipped.has(d) || (results.has(d) && results.get(d)?.status !== 'Completed'))) {
          skipped.add(step.name);
          log(`Step ${step.name} is skipped: a step it depends on did not complete`);
          continue;
        }
        if ((failed && !continueOnFailure) || !deps.every((d) => results.has(d))) continue;
        const childName = crypto.randomUUID();
        const props = stepJob(job, step, results);
        log(`Submitting 1 runs, first five are: ${step.name}:${childName}`);
        running.set(
          step.name,
          job.runner.runChild(job.rec, childName, props, stepsController.signal).then((child) => {
            results.set(step.name, child);
            running.delete(step.name);
            log(`Completing processing run id ${childName} (${step.name}): ${child.status}`);
            if (child.status !== 'Completed') {
              failed = true;
              if (!continueOnFailure) stepsController.abort('step failed');
            }
          }),
        );
      }
      if (running.size === 0) {
        // Nothing runs and nothing can start: the rest is blocked by failed steps.
        for (const step of steps) if (!results.has(step.name)) skipped.add(step.name);
        break;
      }
      await Promise.race(running.values());
    }
    await Promise.all(running.values());
  } finally {
    job.signal.removeEventListener('abort', onAbort);
  }

  job.setStatus('Finalizing');
  for (const step of steps) if (!results.has(step.name)) log(`Step ${step.name} did not run`);
  if (job.signal.aborted) return { status: 'Canceled' };
  const ended = (status: string): string[] =>
    steps.filter((s) => results.get(s.name)?.status === status).map((s) => s.name);
  const failedSteps = ended('Failed');
  const canceledSteps = ended('Canceled');
  if (failedSteps.length > 0 || canceledSteps.length > 0) {
    const canceled = canceledSteps.length ? ` Canceled steps: ${canceledSteps.join(', ')}.` : '';
    return {
      status: 'Failed',
      error: {
        code: 'UserError',
        message: `Pipeline has some failed steps: ${failedSteps.join(', ') || 'none'}.${canceled} See the child jobs or the execution logs for details.`,
      },
    };
  }
  log(`Pipeline ${job.rec.name} completed`);
  return { status: 'Completed' };
}

/** The steps with what they wait for; unknown step references and cycles are the user's error. */
export function planSteps(jobs: Json): Step[] {
  const steps: Step[] = Object.entries(jobs).map(([name, def]) => {
    const dependsOn = new Set<string>();
    for (const input of Object.values(obj(obj(def).inputs))) {
      const ref = parsePipelineBinding(isRecord(input) ? (input.value ?? input.uri ?? input.path) : input);
      if (ref?.kind === 'stepOutput') dependsOn.add(ref.step);
    }
    return { name, def: obj(def), dependsOn };
  });
  const names = new Set(steps.map((s) => s.name));
  for (const s of steps) {
    for (const d of s.dependsOn) {
      if (!names.has(d))
        throw new UserJobError(`Step '${s.name}' reads outputs of '${d}', which is not a step of this pipeline.`);
    }
  }
  // Cycle check: repeatedly remove steps whose dependencies are all removed.
  const done = new Set<string>();
  while (done.size < steps.length) {
    const ready = steps.filter((s) => !done.has(s.name) && [...s.dependsOn].every((d) => done.has(d)));
    if (ready.length === 0) throw new UserJobError("The pipeline's steps depend on each other in a cycle.");
    ready.forEach((s) => done.add(s.name));
  }
  return steps;
}

/** The component a step runs: its componentSpec, or the step itself for inline definitions. */
function componentSpec(job: JobContext, step: Step): Json {
  // A sweep step names its trial's component under `trial`.
  const id = step.def.componentId ?? step.def.component_id ?? obj(step.def.trial).componentId;
  if (typeof id !== 'string') return step.def;
  if (/^azureml:\/\/registries\/|\/registries\//i.test(id)) {
    const shared = resolveRegistryAsset(job.w, 'components', id);
    if (!shared) throw new UserJobError(`Step '${step.name}': component ${id} does not exist in the registry.`);
    return obj(shared.version.properties.componentSpec);
  }
  // A labelled id (@default as azure-ai-ml sends it): the emulator's components have no default set, so the newest.
  const labelled = /\/workspaces\/[^/]+\/components\/([^/]+)\/labels\/(default|latest)$/i.exec(id);
  const found = resolveAssetReference(
    job.w,
    job.ws,
    'components',
    labelled ? `${decodeURIComponent(labelled[1])}@latest` : id,
  );
  if (!found)
    throw new UserJobError(`Step '${step.name}': component ${id} does not exist in workspace '${job.ws.name}'.`);
  return obj(found.version.properties.componentSpec);
}

/** A component's `code` or `environment` as an ARM id (they are 'azureml:<id>' or 'azureml:name:version'). */
function assetId(job: JobContext, kind: 'codes' | 'environments', value: unknown): string | undefined {
  // Inline environments (a YAML mapping in the component) are not built either way.
  if (isRecord(value)) return kind === 'environments' ? 'emulator:inline-environment' : undefined;
  if (typeof value !== 'string' || !value) return undefined;
  const found = resolveAssetReference(job.w, job.ws, kind, value);
  if (found) return versionArmId(job.w, found.ws, found.container, found.version);
  if (kind === 'environments' && /registries\//i.test(value) && !resolveRegistryAsset(job.w, kind, value)) {
    throw new UserJobError(`Environment ${value} does not exist in the registry.`);
  }
  // Registry and other references pass as they are: nothing is built from them locally.
  return value.replace(/^azureml:/i, '');
}

/** The step's inputs as a command job's inputs, with every binding resolved. */
function stepInputs(job: JobContext, step: Step, spec: Json, results: Map<string, JobRecord>): Json {
  const parentInputs = obj(job.rec.request.inputs);
  const parentLiterals = Object.fromEntries(
    Object.entries(parentInputs).map(([k, v]) => [k, describeInput(v).value ?? describeInput(v).uri]),
  );
  const declared = obj(spec.inputs);
  const out: Json = {};
  for (const [name, port] of Object.entries(declared)) {
    const def = obj(port);
    if (def.default === undefined || def.default === null) continue;
    const type = String(def.type ?? 'string');
    out[name] = ['uri_file', 'uri_folder', 'mltable', 'custom_model', 'mlflow_model'].includes(type)
      ? { jobInputType: type, uri: String(obj(def.default).path ?? def.default) }
      : { jobInputType: 'literal', value: literalText(def.default) };
  }
  for (const [name, raw] of Object.entries(obj(step.def.inputs))) {
    const input = describeInput(raw);
    const binding = parsePipelineBinding(isRecord(raw) ? (raw.value ?? raw.uri ?? raw.path) : raw);
    const declaredType = String(obj(declared[name]).type ?? '');
    if (binding?.kind === 'stepOutput') {
      const source = results.get(binding.step);
      const uri = source?.outputUris[binding.name];
      if (!uri)
        throw new UserJobError(
          `Step '${step.name}' reads ${binding.step}.outputs.${binding.name}, which that step does not have.`,
        );
      const type = input.type !== 'literal' ? input.type : declaredType || 'uri_folder';
      out[name] = { jobInputType: type, uri, ...(input.mode ? { mode: input.mode } : {}) };
    } else if (binding?.kind === 'parentInput') {
      const parent = parentInputs[binding.name];
      if (parent === undefined) {
        // An optional pipeline input left out: the step's input stays unset.
        continue;
      }
      out[name] = isRecord(parent) ? { ...parent } : { jobInputType: 'literal', value: literalText(parent) };
    } else if (input.type === 'literal') {
      out[name] = { jobInputType: 'literal', value: replaceParentInputs(input.value ?? '', parentLiterals) };
    } else {
      out[name] = { jobInputType: input.type, uri: input.uri, ...(input.mode ? { mode: input.mode } : {}) };
    }
  }
  return out;
}

/** The step's outputs: bound to a pipeline output (same place), given a path, or the step's default. */
function stepOutputs(job: JobContext, step: Step, spec: Json): Json {
  const out: Json = {};
  const declared = obj(spec.outputs);
  const given = obj(step.def.outputs);
  for (const name of new Set([...Object.keys(declared), ...Object.keys(given)])) {
    const def = obj(given[name]);
    // A binding to a pipeline output comes as {type: 'literal', value: '${{parent.outputs.x}}'}: the port's type applies.
    const sentType = def.job_output_type ?? def.jobOutputType ?? def.type;
    const type = String(sentType && sentType !== 'literal' ? sentType : (obj(declared[name]).type ?? 'uri_folder'));
    const binding = parsePipelineBinding(def.value ?? def.uri);
    const output: Json = { jobOutputType: type };
    if (binding?.kind === 'parentOutput') {
      const uri = job.rec.outputUris[binding.name];
      if (uri) output.uri = uri;
    } else if (typeof def.uri === 'string' || typeof def.path === 'string') {
      output.uri = def.uri ?? def.path;
    }
    if (typeof def.mode === 'string') output.mode = def.mode;
    out[name] = output;
  }
  return out;
}

/** The child job a step runs as. */
function stepJob(job: JobContext, step: Step, results: Map<string, JobRecord>): Json {
  const type = String(step.def.type ?? 'command').toLowerCase();
  const req = job.rec.request;
  const settings = obj(req.settings);
  const computeId =
    step.def.computeId ?? step.def.compute ?? settings.default_compute ?? settings.defaultCompute ?? req.computeId;
  const base = (): Json => ({
    displayName: String(step.def.display_name ?? step.def.displayName ?? step.name),
    experimentName: req.experimentName ?? 'Default',
    computeId: typeof computeId === 'string' && !computeId.includes('${{') ? computeId : req.computeId,
    properties: { 'azureml.nodeid': step.name, 'azureml.pipeline': job.rec.name },
    tags: obj(step.def.tags),
  });
  // AutoML and Spark steps are child jobs of their own type, which end Failed saying why (not-run-locally.ts).
  if (type === 'automl') {
    return {
      ...base(),
      jobType: 'AutoML',
      taskDetails: {
        taskType: AUTOML_TASK_TYPES[String(step.def.task)] ?? String(step.def.task ?? ''),
        trainingData: { jobInputType: 'mltable', uri: String(step.def.training_data ?? '') },
      },
      outputs: stepOutputs(job, step, {}),
    };
  }
  if (type === 'spark') {
    // The program is the component's; the child is a Spark job like a standalone one.
    const spec = componentSpec(job, step);
    const entry = obj(step.def.entry ?? spec.entry);
    return {
      ...base(),
      jobType: 'Spark',
      codeId: assetId(job, 'codes', spec.code) ?? 'emulator:no-code',
      entry: entry.class_name
        ? { sparkJobEntryType: 'SparkJobScalaEntry', className: entry.class_name }
        : { sparkJobEntryType: 'SparkJobPythonEntry', file: entry.file },
      outputs: stepOutputs(job, step, spec),
    };
  }
  if (type !== 'command' && type !== 'sweep' && type !== 'parallel' && type !== 'pipeline') {
    throw new UserJobError(
      `Step '${step.name}' is a ${type} step; the local emulator runs command, sweep, parallel and pipeline steps.`,
    );
  }
  const spec = componentSpec(job, step);
  // A pipeline component runs as a child pipeline whose parent.inputs/outputs are this step's.
  if (type === 'pipeline') {
    return {
      ...base(),
      jobType: 'Pipeline',
      jobs: obj(spec.jobs),
      settings: { ...settings, _source: undefined },
      inputs: stepInputs(job, step, spec, results),
      outputs: stepOutputs(job, step, spec),
    };
  }
  const parallel = type === 'parallel' ? parallelCommand(step.name, step.def, spec) : undefined;
  const command = parallel?.command ?? spec.command ?? step.def.command;
  if (typeof command !== 'string') throw new UserJobError(`Step '${step.name}' has no command.`);
  const trial = {
    command,
    codeId: assetId(job, 'codes', parallel ? parallel.code : (spec.code ?? step.def.code)),
    environmentId:
      assetId(job, 'environments', parallel ? parallel.environment : (spec.environment ?? step.def.environment)) ??
      'emulator:no-environment',
    environmentVariables: obj(
      parallel?.environmentVariables ?? spec.environment_variables ?? step.def.environment_variables,
    ),
  };
  const common: Json = {
    ...base(),
    inputs: stepInputs(job, step, spec, results),
    outputs: stepOutputs(job, step, spec),
  };
  if (type === 'sweep') return { ...common, ...sweepStepJob(step), trial };
  const limits = obj(step.def.limits);
  return {
    ...common,
    jobType: 'Command',
    ...trial,
    ...(limits.timeout !== undefined
      ? { limits: { jobLimitsType: 'Command', timeout: isoSeconds(limits.timeout) } }
      : {}),
  };
}

/** The REST taskType of each AutoML task as YAML names it. */
const AUTOML_TASK_TYPES: Record<string, string> = {
  classification: 'Classification',
  regression: 'Regression',
  forecasting: 'Forecasting',
  image_classification: 'ImageClassification',
  image_classification_multilabel: 'ImageClassificationMultilabel',
  image_object_detection: 'ImageObjectDetection',
  image_instance_segmentation: 'ImageInstanceSegmentation',
  text_classification: 'TextClassification',
  text_classification_multilabel: 'TextClassificationMultilabel',
  text_ner: 'TextNER',
};

const capitalized = (v: unknown): string => {
  const s = String(v ?? '');
  return s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();
};
/** A duration in the YAML's seconds as the REST ISO-8601 form. */
const isoSeconds = (v: unknown): string | undefined =>
  typeof v === 'number' ? `PT${v}S` : typeof v === 'string' ? v : undefined;
const defined = (o: Json): Json =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null));

/** A sweep step (YAML form, snake_case) as a sweep job's REST properties. */
function sweepStepJob(step: Step): Json {
  const sampling = step.def.sampling_algorithm;
  const limits = obj(step.def.limits);
  const objective = obj(step.def.objective);
  const policy = parsePolicy(step.def.early_termination);
  return {
    jobType: 'Sweep',
    searchSpace: obj(step.def.search_space),
    samplingAlgorithm: isRecord(sampling)
      ? defined({ samplingAlgorithmType: capitalized(sampling.type), seed: sampling.seed, rule: sampling.rule })
      : { samplingAlgorithmType: capitalized(sampling ?? 'random') },
    objective: {
      goal: capitalized(objective.goal ?? 'minimize'),
      primaryMetric: String(objective.primary_metric ?? ''),
    },
    limits: defined({
      jobLimitsType: 'Sweep',
      maxTotalTrials: limits.max_total_trials,
      maxConcurrentTrials: limits.max_concurrent_trials,
      timeout: isoSeconds(limits.timeout),
      trialTimeout: isoSeconds(limits.trial_timeout),
    }),
    ...(policy
      ? {
          earlyTermination: defined({
            policyType: policy.type,
            delayEvaluation: policy.delayEvaluation,
            evaluationInterval: policy.evaluationInterval,
            slackFactor: policy.slackFactor,
            slackAmount: policy.slackAmount,
            truncationPercentage: policy.type === 'TruncationSelection' ? policy.truncationPercentage : undefined,
          }),
        }
      : {}),
  };
}
