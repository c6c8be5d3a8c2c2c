import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  bearerTokenAuthenticationPolicy,
  createDefaultHttpClient,
  createHttpHeaders,
  createPipelineFromOptions,
  createPipelineRequest,
} from '@azure/core-rest-pipeline';
import { UserError } from '../../errors';
import type { Host } from '../../host';
import { defaultRetryBudget, USER_AGENT } from '../arm';
import { createCredential } from '../auth';
import { explainArmError, type AmlContext } from '../context';
import { openBlobDatastore } from '../datastore';
import { waitForJob } from '../jobs/wait';
import { WorkspaceAssets } from '../jobs/workspace-assets';
import { endpointPath, type BatchResource } from './apply';

export interface BatchInvokeOptions {
  endpoint: string;
  /** Sent as azureml-model-deployment; the endpoint's default deployment otherwise. */
  deployment?: string;
  /** A local file or folder (uploaded), or an azureml: / azureml:// / https URI. */
  input: string;
  timeoutMs: number;
  /** Print the scoring job's logs while waiting. */
  streamLogs?: boolean;
}

export interface BatchInvokeResult {
  jobName: string;
  status: string;
  /** The scoring output file (append_row) or folder. */
  outputUri?: string;
  /** The output file's text (up to 1 MB). */
  outputText?: string;
  /** Why the job did not complete. */
  error?: string;
}

/** Azure ML's data-plane audience per cloud; custom clouds (the emulator) use the public one. */
function mlAudience(ctx: AmlContext): string {
  const name = ctx.connection.cloud.name;
  if (name === 'AzureChinaCloud') return 'https://ml.azure.cn';
  if (name === 'AzureUSGovernment') return 'https://ml.azure.us';
  return 'https://ml.azure.com';
}

const MAX_OUTPUT_BYTES = 1024 * 1024;

/**
 * Invokes a batch endpoint as `az ml batch-endpoint invoke` does (POST to its scoring URI with an
 * Entra token for Azure ML), waits for the scoring job, and reads its output file.
 */
export async function invokeBatchEndpoint(
  ctx: AmlContext,
  host: Host,
  options: BatchInvokeOptions,
): Promise<BatchInvokeResult> {
  let endpoint: BatchResource | undefined;
  try {
    endpoint = await ctx.arm.getOrUndefined<BatchResource>(endpointPath(ctx, options.endpoint));
  } catch (err) {
    throw explainArmError(err, ctx, `batch endpoint '${options.endpoint}'`);
  }
  if (!endpoint) {
    throw new UserError(
      `batch endpoint '${options.endpoint}' does not exist in workspace '${ctx.workspace.workspace}'`,
    );
  }
  const scoringUri = endpoint.properties?.scoringUri;
  if (!scoringUri) throw new UserError(`batch endpoint '${options.endpoint}' has no scoring URI yet`);

  const input = await inputData(ctx, host, options.input);
  const body = { properties: { inputData: { input_data: input } } };
  const jobName = await post(ctx, host, scoringUri, body, options);
  host.info(`Batch scoring job '${jobName}' started on endpoint '${options.endpoint}'`);
  const waited = await waitForJob(ctx, host, jobName, {
    timeoutMs: options.timeoutMs,
    streamLogs: options.streamLogs ?? false,
    cancelOnAbort: true,
  });
  const result: BatchInvokeResult = { jobName, status: waited.status };
  if (waited.status !== 'Completed') {
    result.error = waited.error ?? waited.job.properties?.error?.message ?? 'no reason given by Azure ML';
    return result;
  }
  const folder = Object.values(waited.job.properties?.outputs ?? {}).find((o) => o.uri)?.uri;
  if (folder) Object.assign(result, await readOutput(ctx, host, folder));
  return result;
}

async function inputData(ctx: AmlContext, host: Host, given: string): Promise<Record<string, string>> {
  if (/^(azureml:|https?:|wasbs?:|abfss?:)/i.test(given)) {
    const type = given.endsWith('/') || /^azureml:[^/]/.test(given) ? 'uri_folder' : 'uri_file';
    return { jobInputType: type, uri: given };
  }
  const local = path.resolve(host.cwd, given);
  let isFolder: boolean;
  try {
    isFolder = fs.statSync(local).isDirectory();
  } catch {
    throw new UserError(`input ${given} does not exist`, { hint: 'Give a local file or folder, or a data URI.' });
  }
  const uri = await new WorkspaceAssets(ctx, host).uploadInput({
    key: 'input',
    localPath: local,
    type: isFolder ? 'uri_folder' : 'uri_file',
    datastore: 'workspaceblobstore',
    where: { file: given },
  });
  return { jobInputType: isFolder ? 'uri_folder' : 'uri_file', uri };
}

async function post(
  ctx: AmlContext,
  host: Host,
  url: string,
  body: unknown,
  options: BatchInvokeOptions,
): Promise<string> {
  const pipeline = createPipelineFromOptions({
    retryOptions: defaultRetryBudget,
    userAgentOptions: { userAgentPrefix: USER_AGENT },
  });
  pipeline.addPolicy(
    bearerTokenAuthenticationPolicy({
      credential: createCredential(ctx.connection, host.env),
      scopes: `${mlAudience(ctx)}/.default`,
    }),
  );
  const request = createPipelineRequest({
    url,
    method: 'POST',
    headers: createHttpHeaders({
      'content-type': 'application/json',
      accept: 'application/json',
      ...(options.deployment ? { 'azureml-model-deployment': options.deployment } : {}),
    }),
    body: JSON.stringify(body),
    abortSignal: host.signal,
  });
  const response = await pipeline.sendRequest(createDefaultHttpClient(), request);
  let parsed: { name?: string; error?: { code?: string; message?: string } } = {};
  try {
    parsed = JSON.parse(response.bodyAsText ?? '{}') as typeof parsed;
  } catch {
    // not JSON: reported below with the status
  }
  if (response.status >= 400 || !parsed.name) {
    const message = parsed.error?.message ?? (response.bodyAsText || `HTTP ${response.status}`);
    if (response.status >= 400 && response.status < 500) {
      throw new UserError(`invoking batch endpoint '${options.endpoint}' failed: ${message}`);
    }
    throw new Error(`invoking batch endpoint '${options.endpoint}': Azure ML answered ${response.status}: ${message}`);
  }
  return parsed.name;
}

/** The first file of the output folder (the predictions file of an append_row deployment). */
async function readOutput(
  ctx: AmlContext,
  host: Host,
  folderUri: string,
): Promise<{ outputUri: string; outputText?: string }> {
  const m = /^azureml:\/\/(?:.*\/)?datastores\/([^/]+)\/paths\/(.*)$/.exec(folderUri);
  if (!m) return { outputUri: folderUri };
  const ds = await openBlobDatastore(ctx, host, m[1]);
  const prefix = m[2].endsWith('/') ? m[2] : `${m[2]}/`;
  for await (const blob of ds.container.listBlobsFlat({ prefix })) {
    const outputUri = `azureml://datastores/${m[1]}/paths/${blob.name}`;
    const size = blob.properties.contentLength ?? 0;
    const buffer = await ds.container.getBlobClient(blob.name).downloadToBuffer(0, Math.min(size, MAX_OUTPUT_BYTES));
    return { outputUri, outputText: buffer.toString('utf8') };
  }
  return { outputUri: folderUri };
}
