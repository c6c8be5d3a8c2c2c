import * as fs from 'node:fs';
import { UserError } from '../../errors';
import type { Host } from '../../host';
import type { AmlContext } from '../context';
import { anonymousModelId, environmentId, referenceResolver, uploadModelFiles } from '../deployments/assets';
import { namedId } from '../jobs/refs';
import { WorkspaceAssets } from '../jobs/workspace-assets';
import type { OnlineDeploymentSpec, OnlineEndpointSpec } from './load';

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
  const ref = referenceResolver(ctx, assets);
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
  if (spec.model) {
    props.model =
      spec.model.kind === 'reference'
        ? await ref(spec.model.ref, 'models', spec.model.where)
        : await anonymousModelId(ctx, await uploadModelFiles(assets, spec.model), spec.model.type);
  }
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
