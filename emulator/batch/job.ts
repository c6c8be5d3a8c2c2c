import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveAssetReference } from '../assets/store';
import { pipelineSpecOf } from './component-spec';
import { resolveModel } from '../assets/model-reference';
import { isRecord } from '../http';
import { newJobRecord } from '../jobs/definition';
import type { JobRecord } from '../jobs/model';
import { runPipelineJob } from '../jobs/pipeline-run';
import type { JobContext, Outcome } from '../jobs/runner';
import { jobKey, saveJob } from '../jobs/store';
import type { WorkspaceSeed } from '../state';
import type { World } from '../world';
import type { BatchJobRecord, BatchResourceRecord } from './model';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (isRecord(v) ? v : {});

/** One data or literal input of an invocation, as the job's REST input. */
export interface InvocationInput {
  jobInputType: string;
  uri?: string;
  value?: string;
}

/** What an invocation may override of the deployment's settings. */
export interface InvocationSettings {
  inputs: Record<string, InvocationInput>;
  /** Output name -> URI where the scores (or pipeline outputs) go. */
  outputUris: Record<string, string>;
  outputFileName?: string;
  miniBatchSize?: number;
  errorThreshold?: number;
  maxRetries?: number;
  loggingLevel?: string;
}

export class InvocationError extends Error {}

/** Scripts that ship beside the emulator (emulator/python), found from sources and bundles alike. */
export function batchDriverPath(): string {
  const candidates: string[] = [];
  for (let dir = __dirname, i = 0; i < 6; i++, dir = path.dirname(dir)) {
    candidates.push(
      path.join(dir, 'python', 'batch_driver.py'),
      path.join(dir, 'emulator', 'python', 'batch_driver.py'),
    );
  }
  candidates.push(path.join(process.cwd(), 'emulator', 'python', 'batch_driver.py'));
  const found = candidates.find((c) => fs.existsSync(c));
  if (!found) throw new Error('the batch driver (emulator/python/batch_driver.py) is missing from this installation');
  return found;
}

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
const OUTPUT_ACTION: Record<string, string> = { appendrow: 'append_row', summaryonly: 'summary_only' };

/** Seconds of an ISO-8601 duration such as PT30S or PT1M30S. */
function isoSeconds(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const m = /^P(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)$/i.exec(v);
  if (!m) return undefined;
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

/**
 * Creates (and starts) the job an invocation runs. Like Azure ML, it is a pipeline job filed under
 * an experiment named after the endpoint: for a model deployment its one step, batchscoring, runs the
 * batch driver over the input files; for a pipeline component deployment it runs the component's steps.
 */
export function startBatchJob(
  w: World,
  ws: WorkspaceSeed,
  endpoint: BatchResourceRecord,
  deployment: BatchResourceRecord,
  settings: InvocationSettings,
): JobRecord {
  const name = `batchjob-${crypto.randomUUID()}`;
  const dp = obj(deployment.resource.properties);
  const config = obj(dp.deploymentConfiguration);
  const common: Json = {
    jobType: 'Pipeline',
    experimentName: endpoint.name,
    displayName: name,
    tags: {},
    properties: {
      'azureml.batchrun': 'true',
      'azureml.deploymentname': deployment.name,
      'azureml.endpointname': endpoint.name,
    },
  };
  let props: Json;
  let batch: BatchJobRecord;
  if (config.deploymentConfigurationType === 'PipelineComponent') {
    const component = resolveAssetReference(w, ws, 'components', String(obj(config.componentId).assetId));
    if (!component) throw new InvocationError(`the component of deployment '${deployment.name}' no longer exists`);
    const spec = pipelineSpecOf(w, ws, obj(component.version.properties.componentSpec));
    if (!spec)
      throw new InvocationError(
        `the pipeline job the component of '${deployment.name}' was made from no longer exists`,
      );
    const declared = obj(spec.inputs);
    for (const [input, port] of Object.entries(declared)) {
      const p = obj(port);
      const optional = p.optional === true || (p.default !== undefined && p.default !== null);
      if (!settings.inputs[input] && !optional) {
        throw new InvocationError(`the pipeline component needs input '${input}' (${String(p.type ?? 'any')})`);
      }
    }
    for (const given of Object.keys(settings.inputs)) {
      if (!(given in declared)) {
        throw new InvocationError(
          `the pipeline component has no input '${given}' (its inputs: ${Object.keys(declared).join(', ') || 'none'})`,
        );
      }
    }
    const outputs: Json = {};
    for (const [output, port] of Object.entries(obj(spec.outputs))) {
      const type = String(obj(port).type ?? 'uri_folder');
      outputs[output] = {
        jobOutputType: type,
        ...(settings.outputUris[output] ? { uri: settings.outputUris[output] } : {}),
      };
    }
    const runSettings = obj(config.settings);
    const defaultCompute = runSettings.default_compute ?? runSettings.defaultCompute;
    props = {
      ...common,
      description: config.description ?? null,
      tags: obj(config.tags),
      computeId: typeof defaultCompute === 'string' ? defaultCompute : undefined,
      settings: runSettings,
      inputs: settings.inputs,
      outputs,
      jobs: obj(spec.jobs),
    };
    batch = { workspace: ws.name, endpoint: endpoint.name, deployment: deployment.name, kind: 'pipeline' };
  } else {
    const data = Object.entries(settings.inputs).filter(([, v]) => v.jobInputType !== 'literal');
    if (data.length !== 1) {
      throw new InvocationError(
        `a model deployment scores one data input (a uri_folder or uri_file), got ${data.length ? data.map(([k]) => k).join(', ') : 'none'}`,
      );
    }
    const [inputName, input] = data[0];
    const model = resolveModel(w, ws, String(obj(dp.model).assetId));
    if (!model) throw new InvocationError(`the model of deployment '${deployment.name}' no longer exists`);
    const code = obj(dp.codeConfiguration);
    const retry = obj(dp.retrySettings);
    const outputAction = OUTPUT_ACTION[String(dp.outputAction ?? 'AppendRow').toLowerCase()] ?? 'append_row';
    const args = [
      'python',
      quote(batchDriverPath()),
      ...(typeof code.scoringScript === 'string' ? ['--scoring-script', quote(code.scoringScript)] : []),
      '--model-dir ${{inputs.model}}',
      '--model-type',
      model.type,
      '--input ${{inputs.data}}',
      '--output ${{outputs.score}}',
      '--output-action',
      outputAction,
      '--output-file-name',
      quote(settings.outputFileName ?? String(dp.outputFileName ?? 'predictions.csv')),
      '--mini-batch-size',
      String(settings.miniBatchSize ?? dp.miniBatchSize ?? 10),
      '--error-threshold',
      String(settings.errorThreshold ?? dp.errorThreshold ?? -1),
      '--max-retries',
      String(settings.maxRetries ?? retry.maxRetries ?? 3),
      '--timeout',
      String(isoSeconds(retry.timeout) ?? 30),
      '--logging-level',
      String(settings.loggingLevel ?? dp.loggingLevel ?? 'Info'),
    ];
    const scoreUri = settings.outputUris.score;
    const scoringStep: Json = {
      jobType: 'Command',
      displayName: 'batchscoring',
      experimentName: endpoint.name,
      computeId: dp.compute,
      command: args.join(' '),
      ...(typeof code.codeId === 'string' ? { codeId: code.codeId } : {}),
      environmentId:
        typeof dp.environmentId === 'string' && dp.environmentId ? dp.environmentId : 'emulator:no-environment',
      environmentVariables: obj(dp.environmentVariables),
      inputs: {
        model: { jobInputType: model.type, uri: model.path },
        data: { ...input },
      },
      outputs: { score: { jobOutputType: 'uri_folder', mode: 'Upload' } },
      properties: { 'azureml.nodeid': 'batchscoring', 'azureml.pipeline': name },
      tags: {},
    };
    props = {
      ...common,
      computeId: dp.compute,
      inputs: { [inputName]: input },
      outputs: { score: { jobOutputType: 'uri_folder', mode: 'Upload', ...(scoreUri ? { uri: scoreUri } : {}) } },
      jobs: {
        batchscoring: {
          type: 'parallel',
          name: 'batchscoring',
          inputs: { data: { job_input_type: 'literal', value: `\${{parent.inputs.${inputName}}}` } },
          outputs: { score: { type: 'literal', value: '${{parent.outputs.score}}' } },
        },
      },
    };
    batch = {
      workspace: ws.name,
      endpoint: endpoint.name,
      deployment: deployment.name,
      kind: 'model',
      scoringStep,
    };
  }
  const rec = newJobRecord(w, ws, name, props);
  (w.state.data.batchJobs ??= {})[jobKey(ws.name, name)] = batch;
  saveJob(w, rec);
  w.jobs?.start(rec);
  return rec;
}

export function isBatchJob(w: World, rec: JobRecord): boolean {
  return !!w.state.data.batchJobs?.[jobKey(rec.workspace, rec.name)];
}

/**
 * Runs a batch scoring job. A model deployment's scoring step is a child job (its own logs, like
 * Azure ML's batchscoring step); the job ends as that step ends, with the step's error as its own.
 */
export async function runBatchJob(job: JobContext): Promise<Outcome> {
  const batch = job.w.state.data.batchJobs?.[jobKey(job.rec.workspace, job.rec.name)];
  if (!batch || batch.kind === 'pipeline' || !batch.scoringStep) return runPipelineJob(job);
  job.setStatus('Queued');
  await job.pause();
  job.setStatus('Running');
  const step = JSON.parse(JSON.stringify(batch.scoringStep)) as Json;
  const scoreUri = job.rec.outputUris.score;
  if (scoreUri) obj(obj(step.outputs).score).uri = scoreUri;
  const child = await job.runner.runChild(job.rec, crypto.randomUUID(), step, job.signal);
  job.setStatus('Finalizing');
  if (job.signal.aborted || child.status === 'Canceled') return { status: 'Canceled' };
  if (child.status === 'Completed') return { status: 'Completed' };
  return {
    status: 'Failed',
    error: {
      code: child.error?.code ?? 'UserError',
      message: `batchscoring failed: ${child.error?.message ?? 'see the logs of the step'}`,
    },
  };
}
