import * as fs from 'node:fs';
import { UserError } from '../../errors';
import type { Host, SourceLocation } from '../../host';
import { explainArmError, type AmlContext } from '../context';
import { anonymousEnvironment } from '../jobs/plan';
import { md5Uuid } from '../jobs/python-compat';
import { namedId, parseReference, versionedId, type AssetKind } from '../jobs/refs';
import { WorkspaceAssets } from '../jobs/workspace-assets';
import type { EnvironmentSpec, OnlineDeploymentSpec, OnlineEndpointSpec } from './load';

export type Json = Record<string, unknown>;
export type Traffic = Record<string, number>;

/**
 * The endpoint PUT body as azure-ai-ml's OnlineEndpoint._to_rest_online_endpoint builds it. Traffic
 * is the rollout's to decide: the caller passes the split to keep or set.
 */
export function endpointBody(
  ctx: AmlContext,
  spec: OnlineEndpointSpec,
  location: string,
  traffic?: { traffic?: Traffic; mirrorTraffic?: Traffic },
): Json {
  const properties: Json = {
    ...(spec.description !== undefined ? { description: spec.description } : {}),
    authMode: spec.authMode,
    properties: spec.properties,
  };
  if (traffic?.traffic) properties.traffic = withoutZeroes(traffic.traffic);
  if (traffic?.mirrorTraffic) properties.mirrorTraffic = withoutZeroes(traffic.mirrorTraffic);
  if (spec.publicNetworkAccess) properties.publicNetworkAccess = spec.publicNetworkAccess;
  if (spec.compute) properties.compute = namedId(ctx.workspace, 'computes', spec.compute.replace(/^azureml:/, ''));
  return { location, identity: spec.identity, tags: spec.tags, properties };
}

/** azure-ai-ml strips 0% entries from traffic before sending it. */
export function withoutZeroes(t: Traffic): Traffic {
  return Object.fromEntries(Object.entries(t).filter(([, v]) => v > 0));
}

/**
 * The deployment PUT body as azure-ai-ml's Managed/KubernetesOnlineDeployment._to_rest_object
 * builds it, after turning local code, local model files and inline environments into
 * content-keyed assets (uploaded once; a re-run finds them).
 */
export async function deploymentBody(
  ctx: AmlContext,
  host: Host,
  spec: OnlineDeploymentSpec,
  location: string,
): Promise<Json> {
  const assets = new WorkspaceAssets(ctx, host);
  const ref = async (value: string, kind: AssetKind, where: SourceLocation | string): Promise<string> => {
    const loc = typeof where === 'string' ? { file: where } : where;
    const parsed = parseReference(value, kind, loc);
    if (parsed.form === 'id') return parsed.id;
    if (parsed.form === 'version') return versionedId(ctx.workspace, kind, parsed.name, parsed.version);
    return assets.resolveReference({ key: value, kind, name: parsed.name, label: parsed.label, where: loc });
  };
  const props: Json = { endpointComputeType: spec.kind };
  if (spec.code) {
    const where = typeof spec.code.where === 'string' ? { file: spec.code.where } : spec.code.where;
    let codeId: string;
    if (spec.code.local) {
      if (!fs.existsSync(spec.code.path)) {
        throw new UserError(`code folder ${spec.code.path} does not exist`, { where: spec.code.where });
      }
      codeId = await assets.uploadCode({ key: 'code', localDir: spec.code.path, where });
    } else {
      codeId = await ref(spec.code.path, 'codes', spec.code.where);
    }
    props.codeConfiguration = { codeId, scoringScript: spec.code.scoringScript };
  }
  if (spec.environment) props.environmentId = await environmentId(assets, spec.environment, ref);
  if (spec.model) props.model = await modelId(ctx, assets, spec.model, ref);
  const optional: Array<[string, unknown]> = [
    ['modelMountPath', spec.modelMountPath],
    ['scaleSettings', spec.scaleSettings],
  ];
  for (const [k, v] of optional) if (v !== undefined) props[k] = v;
  props.properties = spec.properties;
  const rest: Array<[string, unknown]> = [
    ['description', spec.description],
    ['environmentVariables', spec.environmentVariables],
    // azure-ai-ml sends its default (off) when the YAML says nothing.
    ['appInsightsEnabled', spec.appInsightsEnabled ?? false],
    ['requestSettings', spec.requestSettings],
    ['livenessProbe', spec.livenessProbe],
    ['readinessProbe', spec.readinessProbe],
    ['containerResourceRequirements', spec.containerResourceRequirements],
    ['instanceType', spec.instanceType],
    ['egressPublicNetworkAccess', spec.egressPublicNetworkAccess],
  ];
  for (const [k, v] of rest) if (v !== undefined) props[k] = v;
  return {
    location,
    tags: spec.tags,
    sku: { name: 'Default', ...(spec.instanceCount !== undefined ? { capacity: spec.instanceCount } : {}) },
    properties: props,
  };
}

async function environmentId(
  assets: WorkspaceAssets,
  env: EnvironmentSpec,
  ref: (value: string, kind: AssetKind, where: SourceLocation | string) => Promise<string>,
): Promise<string> {
  if (env.kind === 'reference') return ref(env.ref, 'environments', env.where);
  return assets.ensureEnvironment(anonymousEnvironment(env));
}

/** A local model folder or file becomes an anonymous model version named by its content. */
async function modelId(
  ctx: AmlContext,
  assets: WorkspaceAssets,
  model: NonNullable<OnlineDeploymentSpec['model']>,
  ref: (value: string, kind: AssetKind, where: SourceLocation | string) => Promise<string>,
): Promise<string> {
  if (model.kind === 'reference') return ref(model.ref, 'models', model.where);
  let isFolder: boolean;
  try {
    isFolder = fs.statSync(model.path).isDirectory();
  } catch {
    throw new UserError(`model path ${model.path} does not exist`, { where: model.where });
  }
  const where = typeof model.where === 'string' ? { file: model.where } : model.where;
  const uri = await assets.uploadInput({
    key: 'model',
    localPath: model.path,
    type: isFolder ? 'uri_folder' : 'uri_file',
    datastore: 'workspaceblobstore',
    where,
  });
  const id = versionedId(ctx.workspace, 'models', md5Uuid(uri), '1');
  const found = await ctx.arm.getOrUndefined(id).catch((err: unknown) => {
    throw explainArmError(err, ctx, 'model');
  });
  if (!found) {
    try {
      await ctx.arm.request('PUT', id, { properties: { modelUri: uri, modelType: model.type, isAnonymous: true } });
    } catch (err) {
      throw explainArmError(err, ctx, 'anonymous model');
    }
  }
  return id;
}
