import type { Host } from '../../host';
import { UserError } from '../../errors';
import { explainArmError, getWorkspace, type AmlContext } from '../context';
import {
  anonymousModelId,
  environmentId,
  referenceResolver,
  uploadModelFiles,
  type ResolveReference,
} from '../deployments/assets';
import { propertiesInclude, same, sentFieldsMatch } from '../deployments/matches';
import { waitForArmOperation } from '../lro';
import { namedId } from '../jobs/refs';
import { WorkspaceAssets } from '../jobs/workspace-assets';
import { resolvePipelineComponent } from './pipeline-component';
import type { BatchEndpointSpec, DeploymentSpec, ModelDeploymentSpec } from './load';

type Json = Record<string, unknown>;

export interface BatchResource {
  id?: string;
  name?: string;
  tags?: Record<string, string>;
  properties?: Json & {
    provisioningState?: string;
    scoringUri?: string;
    defaults?: { deploymentName?: string | null };
  };
}

export interface ApplyOptions {
  setDefault: boolean;
  timeoutMs: number;
}

export interface ApplyResult {
  endpoint: string;
  deployment: string;
  scoringUri: string;
  /** What this run created or changed (empty on an idempotent re-run). */
  changed: string[];
}

export const endpointPath = (ctx: AmlContext, endpoint: string): string =>
  `${ctx.workspacePath}/batchEndpoints/${encodeURIComponent(endpoint)}`;

/**
 * Creates or updates a batch endpoint and one deployment, and makes it the default, the way
 * `az ml batch-endpoint create` and `az ml batch-deployment create --set-default` do. Local code,
 * model files and inline environments become content-keyed assets; what already matches is not
 * sent again, so a re-run changes nothing.
 */
export async function applyBatchDeployment(
  ctx: AmlContext,
  host: Host,
  endpoint: BatchEndpointSpec,
  deployment: DeploymentSpec,
  options: ApplyOptions,
): Promise<ApplyResult> {
  const changed: string[] = [];
  const workspace = await getWorkspace<{ location?: string }>(ctx);
  const location = workspace.location ?? '';
  const epPath = endpointPath(ctx, endpoint.name);
  // Assets and references first: a missing component or model fails the step before anything exists.
  const body = await deploymentBody(ctx, host, deployment, location);
  let current = await get(ctx, epPath, `batch endpoint '${endpoint.name}'`);
  const defaultName = current?.properties?.defaults?.deploymentName ?? undefined;
  const wanted = endpointBody(endpoint, location, defaultName ?? undefined);
  if (!current || !endpointMatches(current, wanted)) {
    host.info(`${current ? 'Updating' : 'Creating'} batch endpoint '${endpoint.name}'`);
    current = await put(ctx, host, epPath, wanted, `batch endpoint '${endpoint.name}'`, options.timeoutMs);
    changed.push(`endpoint ${endpoint.name}`);
  } else {
    host.info(`Batch endpoint '${endpoint.name}' is up to date`);
  }

  const dPath = `${epPath}/deployments/${encodeURIComponent(deployment.name)}`;
  const existing = await get(ctx, dPath, `batch deployment '${deployment.name}'`);
  if (!existing || existing.properties?.provisioningState === 'Failed' || !deploymentMatches(existing, body)) {
    host.info(`${existing ? 'Updating' : 'Creating'} batch deployment '${deployment.name}'`);
    await put(ctx, host, dPath, body, `batch deployment '${deployment.name}'`, options.timeoutMs);
    changed.push(`deployment ${deployment.name}`);
  } else {
    host.info(`Batch deployment '${deployment.name}' is up to date`);
  }

  const wantDefault = options.setDefault || endpoint.defaultDeployment?.toLowerCase() === deployment.name.toLowerCase();
  const isDefault =
    (current?.properties?.defaults?.deploymentName ?? '').toLowerCase() === deployment.name.toLowerCase();
  if (wantDefault && !isDefault) {
    host.info(`Making '${deployment.name}' the default deployment of '${endpoint.name}'`);
    current = await put(
      ctx,
      host,
      epPath,
      endpointBody(endpoint, location, deployment.name),
      `batch endpoint '${endpoint.name}'`,
      options.timeoutMs,
    );
    changed.push(`default deployment ${deployment.name}`);
  }
  return {
    endpoint: endpoint.name,
    deployment: deployment.name,
    scoringUri: String(current?.properties?.scoringUri ?? ''),
    changed,
  };
}

async function get(ctx: AmlContext, path: string, what: string): Promise<BatchResource | undefined> {
  try {
    return await ctx.arm.getOrUndefined<BatchResource>(path);
  } catch (err) {
    throw explainArmError(err, ctx, what);
  }
}

async function put(
  ctx: AmlContext,
  host: Host,
  path: string,
  body: Json,
  what: string,
  timeoutMs: number,
): Promise<BatchResource> {
  try {
    const res = await ctx.arm.request<BatchResource>('PUT', path, body);
    await waitForArmOperation(ctx.arm, res, {
      what,
      timeoutMs,
      signal: host.signal,
      onProgress: (status, ms) => host.debug(`${what}: ${status} (${Math.round(ms / 1000)}s)`),
    });
    const settled = await ctx.arm.request<BatchResource>('GET', path);
    const state = settled.body?.properties?.provisioningState;
    if (state && state !== 'Succeeded') throw new UserError(`${what} ended ${state}`);
    return settled.body;
  } catch (err) {
    throw explainArmError(err, ctx, what);
  }
}

export function endpointBody(spec: BatchEndpointSpec, location: string, defaultDeployment?: string): Json {
  return {
    location,
    tags: spec.tags,
    properties: {
      authMode: 'AADToken',
      ...(spec.description !== undefined ? { description: spec.description } : {}),
      properties: spec.properties,
      ...(defaultDeployment ? { defaults: { deploymentName: defaultDeployment } } : {}),
    },
  };
}

function endpointMatches(current: BatchResource, wanted: Json): boolean {
  const want = wanted.properties as Json;
  const have = current.properties ?? {};
  return (
    same(current.tags ?? {}, wanted.tags) &&
    (want.description ?? null) === (have.description ?? null) &&
    propertiesInclude(have.properties, want.properties)
  );
}

/** A deployment matches when every field we send has that value already (the service fills in the rest). */
function deploymentMatches(current: BatchResource, wanted: Json): boolean {
  const have = current.properties ?? {};
  const want = wanted.properties as Json;
  return same(current.tags ?? {}, wanted.tags) && sentFieldsMatch(have, want);
}

async function deploymentBody(ctx: AmlContext, host: Host, spec: DeploymentSpec, location: string): Promise<Json> {
  const assets = new WorkspaceAssets(ctx, host);
  const scope = ctx.workspace;
  const ref = referenceResolver(ctx, assets);
  const common: Json = { ...(spec.description !== undefined ? { description: spec.description } : {}) };
  if (spec.type === 'pipeline') {
    return {
      location,
      tags: spec.tags,
      properties: {
        ...common,
        properties: spec.properties,
        deploymentConfiguration: {
          deploymentConfigurationType: 'PipelineComponent',
          componentId: {
            referenceType: 'Id',
            assetId: await resolvePipelineComponent(ctx, host, assets, spec.component),
          },
          settings: spec.settings,
        },
      },
    };
  }
  const props: Json = {
    ...common,
    properties: spec.properties,
    compute: namedId(scope, 'computes', spec.compute.replace(/^azureml:/, '')),
    model: { referenceType: 'Id', assetId: await modelId(ctx, host, assets, spec, ref) },
  };
  if (spec.code) {
    const codeId = spec.code.local
      ? await assets.uploadCode({ key: 'code', localDir: spec.code.path, where: spec.code.where })
      : await ref(spec.code.path, 'codes', spec.code.where);
    props.codeConfiguration = { codeId, scoringScript: spec.code.scoringScript };
  }
  if (spec.environment) props.environmentId = await environmentId(assets, spec.environment, ref);
  if (spec.instanceCount !== undefined || spec.instanceType !== undefined) {
    props.resources = {
      ...(spec.instanceCount !== undefined ? { instanceCount: spec.instanceCount } : {}),
      ...(spec.instanceType !== undefined ? { instanceType: spec.instanceType } : {}),
    };
  }
  const optional: Array<[string, unknown]> = [
    ['miniBatchSize', spec.miniBatchSize],
    ['outputAction', spec.outputAction],
    ['outputFileName', spec.outputFileName],
    ['errorThreshold', spec.errorThreshold],
    [
      'loggingLevel',
      spec.loggingLevel ? spec.loggingLevel.charAt(0).toUpperCase() + spec.loggingLevel.slice(1) : undefined,
    ],
    ['maxConcurrencyPerInstance', spec.maxConcurrencyPerInstance],
    ['environmentVariables', spec.environmentVariables],
  ];
  for (const [k, v] of optional) if (v !== undefined) props[k] = v;
  if (spec.retry) {
    props.retrySettings = {
      ...(spec.retry.maxRetries !== undefined ? { maxRetries: spec.retry.maxRetries } : {}),
      ...(spec.retry.timeoutSeconds !== undefined ? { timeout: `PT${spec.retry.timeoutSeconds}S` } : {}),
    };
  }
  return { location, tags: spec.tags, properties: props };
}

/** A local model folder or file becomes an anonymous model version named by its content. */
async function modelId(
  ctx: AmlContext,
  host: Host,
  assets: WorkspaceAssets,
  spec: ModelDeploymentSpec,
  ref: ResolveReference,
): Promise<string> {
  const model = spec.model;
  if (model.kind === 'reference') return ref(model.ref, 'models', model.where);
  const uri = await uploadModelFiles(assets, model);
  if (model.name) {
    // The long form without the folder's trailing slash, as az ml writes an uploaded model's URI.
    const w = ctx.workspace;
    const long = uri
      .replace(
        /^azureml:\/\/datastores\//,
        `azureml://subscriptions/${w.subscriptionId}/resourcegroups/${w.resourceGroup}/workspaces/${w.workspace}/datastores/`,
      )
      .replace(/\/$/, '');
    return namedModel(ctx, host, model.name, model.version, long, model.type);
  }
  return anonymousModelId(ctx, uri, model.type);
}

interface ModelVersion {
  name?: string;
  properties?: { modelUri?: string };
}

/**
 * An inline model with a name is registered under it, as az ml does: the given version, or the
 * version that already holds these files (uploads are content-addressed), or the next one.
 */
async function namedModel(
  ctx: AmlContext,
  host: Host,
  name: string,
  version: string | undefined,
  uri: string,
  type: string,
): Promise<string> {
  const base = `${ctx.workspacePath}/models/${encodeURIComponent(name)}/versions`;
  const get = <T>(p: string) =>
    ctx.arm.getOrUndefined<T>(p).catch((err: unknown) => {
      throw explainArmError(err, ctx, `model ${name}`);
    });
  if (version) {
    const existing = await get<ModelVersion>(`${base}/${encodeURIComponent(version)}`);
    if (existing) {
      if (existing.properties?.modelUri !== uri) {
        host.warning(
          `Model ${name}:${version} is already registered with other files; the deployment uses the registered version. Change the model's version to deploy the new files.`,
        );
      }
      return `${base}/${encodeURIComponent(version)}`;
    }
  } else {
    const versions = (await get<{ value?: ModelVersion[] }>(base))?.value ?? [];
    const same = versions.find((v) => v.properties?.modelUri === uri);
    if (same?.name) {
      host.info(`Model ${name}:${same.name} already holds these files`);
      return `${base}/${encodeURIComponent(same.name)}`;
    }
    version = String(Math.max(0, ...versions.map((v) => Number(v.name)).filter(Number.isInteger)) + 1);
  }
  host.info(`Registering model ${name}:${version}`);
  const id = `${base}/${encodeURIComponent(version)}`;
  try {
    await ctx.arm.request('PUT', id, {
      properties: { properties: {}, tags: {}, isAnonymous: false, isArchived: false, modelType: type, modelUri: uri },
    });
  } catch (err) {
    throw explainArmError(err, ctx, `model ${name}:${version}`);
  }
  return id;
}
