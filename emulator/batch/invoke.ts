import type { ArmAuthenticator } from '../arm-auth';
import { ArmError } from '../arm-errors';
import { headerValue, isRecord, segments, type Reply, type RequestContext } from '../http';
import { jobArmId } from '../jobs/resource';
import { findDeployment, findEndpoint } from '../routes/batch-endpoints';
import { findWorkspace, systemData, type World } from '../world';
import { InvocationError, startBatchJob, type InvocationInput, type InvocationSettings } from './job';

export const BATCH_PREFIX = '_batch';

export interface BatchInvokeDeps {
  world: World;
  /** Checks Entra tokens for the audience https://ml.azure.com, as batch endpoints do. */
  auth: ArmAuthenticator;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (isRecord(v) ? v : {});

const error = (status: number, code: string, message: string): Reply => ({
  status,
  body: { error: { code, message } },
});

/**
 * The data plane of batch endpoints: POST <scoringUri> (https://HOST/_batch/<workspace>/<endpoint>/jobs)
 * with a bearer token starts a scoring job of the default deployment, or of the one the
 * azureml-model-deployment header names. The job is an ordinary workspace job (ARM jobs API, run
 * history, logs).
 */
export function handleBatchInvoke(ctx: RequestContext, deps: BatchInvokeDeps): Reply {
  const parts = segments(ctx.path);
  if (parts.length !== 4 || parts[3].toLowerCase() !== 'jobs') {
    return error(404, 'NotFound', `No batch endpoint operation at ${ctx.path}; invoke POST <scoringUri>.`);
  }
  if (ctx.method !== 'POST') return error(405, 'MethodNotAllowed', 'Invoke a batch endpoint with POST.');
  try {
    deps.auth.authenticate(ctx.req.headers.authorization);
  } catch (e) {
    if (e instanceof ArmError) return { status: e.status, body: e.body(), headers: e.headers };
    throw e;
  }
  const w = deps.world;
  let ws;
  try {
    ws = findWorkspace(w, parts[1]);
  } catch {
    return error(404, 'NotFound', `Workspace '${parts[1]}' does not exist.`);
  }
  const endpoint = findEndpoint(w, ws, parts[2]);
  if (!endpoint)
    return error(404, 'NotFound', `Batch endpoint '${parts[2]}' does not exist in workspace '${ws.name}'.`);
  const requested = headerValue(ctx.req, 'azureml-model-deployment');
  const defaults = obj(obj(endpoint.resource.properties).defaults);
  const deploymentName = requested || (typeof defaults.deploymentName === 'string' ? defaults.deploymentName : '');
  if (!deploymentName) {
    return error(
      400,
      'UserError',
      `Batch endpoint '${endpoint.name}' has no default deployment; set defaults.deployment_name or send the azureml-model-deployment header.`,
    );
  }
  const deployment = findDeployment(w, ws, endpoint.name, deploymentName);
  if (!deployment) {
    return error(
      404,
      'NotFound',
      `Deployment '${deploymentName}' does not exist in batch endpoint '${endpoint.name}'.`,
    );
  }
  const state = obj(deployment.resource.properties).provisioningState;
  if (state !== 'Succeeded') {
    return error(
      409,
      'Conflict',
      `Deployment '${deployment.name}' is ${String(state)}; invoke it once it has Succeeded.`,
    );
  }
  let settings: InvocationSettings;
  try {
    settings = readInvocation(ctx.body);
  } catch (e) {
    if (e instanceof InvocationError) return error(400, 'UserError', `Invalid invocation: ${e.message}.`);
    throw e;
  }
  let rec;
  try {
    rec = startBatchJob(w, ws, endpoint, deployment, settings);
  } catch (e) {
    if (e instanceof InvocationError) return error(400, 'UserError', `Invalid invocation: ${e.message}.`);
    throw e;
  }
  const props = obj(rec.request);
  return {
    status: 200,
    body: {
      id: jobArmId(w, ws, rec.name),
      name: rec.name,
      type: 'Microsoft.MachineLearningServices/workspaces/batchEndpoints/jobs',
      systemData: systemData(w, rec.createdAt),
      properties: {
        status: rec.status,
        description: null,
        tags: {},
        properties: props.properties,
        inputData: props.inputs,
        outputData: Object.fromEntries(
          Object.entries(rec.outputUris).map(([k, uri]) => [k, { jobOutputType: 'uri_folder', uri }]),
        ),
        ...(settings.outputFileName ? { outputFileName: settings.outputFileName } : {}),
      },
    },
  };
}

/** Field names compared ignoring case: azure-ai-ml sends camelCase, the REST docs show PascalCase. */
function field(o: Json, name: string): unknown {
  const key = Object.keys(o).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : o[key];
}

const INPUT_TYPES: Record<string, string> = {
  urifolder: 'uri_folder',
  uri_folder: 'uri_folder',
  urifile: 'uri_file',
  uri_file: 'uri_file',
  mltable: 'mltable',
  literal: 'literal',
  custommodel: 'custom_model',
  custom_model: 'custom_model',
  mlflowmodel: 'mlflow_model',
  mlflow_model: 'mlflow_model',
};

/**
 * The invocation body: `properties.inputData` (or InputData) maps input names to
 * {jobInputType, uri} or literals; azure-ai-ml's single `input=` shape uses the names UriFolder and
 * UriFile; the oldest shape is `properties.dataset` {dataInputType: DataUrl, path}.
 */
export function readInvocation(body: unknown): InvocationSettings {
  const props = obj(field(obj(body), 'properties'));
  const inputs: Record<string, InvocationInput> = {};
  const inputData = field(props, 'inputData');
  if (inputData !== undefined && !isRecord(inputData))
    throw new InvocationError('properties.inputData must be an object');
  for (const [name, raw] of Object.entries(obj(inputData))) {
    if (!isRecord(raw)) {
      inputs[name] = { jobInputType: 'literal', value: String(raw) };
      continue;
    }
    const given = String(field(raw, 'jobInputType') ?? field(raw, 'type') ?? '');
    const type =
      INPUT_TYPES[given.toLowerCase()] ?? (name === 'UriFile' ? 'uri_file' : name === 'UriFolder' ? 'uri_folder' : '');
    if (!type) throw new InvocationError(`input '${name}' has an unknown jobInputType '${given}'`);
    if (type === 'literal') {
      inputs[name] = { jobInputType: 'literal', value: String(field(raw, 'value') ?? '') };
      continue;
    }
    const uri = field(raw, 'uri') ?? field(raw, 'path');
    if (typeof uri !== 'string' || !uri) throw new InvocationError(`input '${name}' has no uri`);
    inputs[name] = { jobInputType: type, uri };
  }
  const dataset = obj(field(props, 'dataset'));
  const datasetPath = field(dataset, 'path');
  if (typeof datasetPath === 'string' && datasetPath) {
    inputs.input_data = { jobInputType: datasetPath.endsWith('/') ? 'uri_folder' : 'uri_file', uri: datasetPath };
  }
  if (Object.keys(inputs).length === 0) throw new InvocationError('no input data (properties.inputData is empty)');

  const outputUris: Record<string, string> = {};
  for (const [name, raw] of Object.entries(obj(field(props, 'outputData')))) {
    const uri = field(obj(raw), 'uri');
    if (typeof uri === 'string' && uri) outputUris[name] = uri;
  }
  const outputDataset = obj(field(props, 'outputDataset'));
  const outPath = field(outputDataset, 'path');
  if (typeof outPath === 'string' && outPath) {
    const ds = String(field(outputDataset, 'datastoreId') ?? 'workspaceblobstore').replace(/^.*\/datastores\//i, '');
    outputUris.score = `azureml://datastores/${ds}/paths/${outPath.replace(/^\/+/, '')}`;
  }
  const num = (name: string): number | undefined => {
    const v = field(props, name);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new InvocationError(`${name} must be a whole number`);
    return v;
  };
  const outputFileName = field(props, 'outputFileName');
  const loggingLevel = field(props, 'loggingLevel');
  return {
    inputs,
    outputUris,
    outputFileName: typeof outputFileName === 'string' && outputFileName ? outputFileName : undefined,
    miniBatchSize: num('miniBatchSize'),
    errorThreshold: num('errorThreshold'),
    maxRetries: (() => {
      const v = field(obj(field(props, 'retrySettings')), 'maxRetries');
      return typeof v === 'number' ? v : undefined;
    })(),
    loggingLevel: typeof loggingLevel === 'string' ? loggingLevel : undefined,
  };
}
