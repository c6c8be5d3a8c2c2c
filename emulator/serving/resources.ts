import * as crypto from 'node:crypto';
import { armErrors } from '../arm-errors';
import { resolveModel } from '../assets/model-reference';
import { resolveAssetReference } from '../assets/store';
import { isRecord } from '../http';
import { resolveDataUri } from '../jobs/data';
import { settledCompute } from '../routes/computes';
import type { WorkspaceSeed } from '../state';
import { PROVIDER, type World } from '../world';
import {
  DEFAULT_MANAGED_INSTANCE_TYPE,
  findInstanceType,
  INSTANCE_TYPES,
  KUBERNETES_DEFAULT_INSTANCE_TYPE,
} from './instance-types';
import type { OnlineDeploymentRecord, OnlineEndpointRecord } from './model';

/**
 * Request bodies of online endpoints and deployments checked the way Azure ML checks them, and
 * the ARM envelopes served back (2024-10-01 shapes whatever api-version the client used).
 */

const bad = (message: string) => armErrors.badRequest(message, 'BadArgument');

const NAME = /^[a-zA-Z][a-zA-Z0-9-]{1,30}[a-zA-Z0-9]$/;

export function checkName(kind: 'endpoint' | 'deployment', name: string): void {
  if (!NAME.test(name)) {
    throw bad(
      `The ${kind} name '${name}' is invalid: it must be 3 to 32 characters, start with a letter, end with a letter or digit, and contain only letters, digits and hyphens.`,
    );
  }
}

const AUTH_MODES = ['Key', 'AMLToken', 'AADToken'];

export function authModeOf(value: unknown): string {
  const found = AUTH_MODES.find((m) => typeof value === 'string' && m.toLowerCase() === value.toLowerCase());
  if (!found) {
    throw bad(
      `properties.authMode '${String(value ?? '')}' is not valid. Allowed values: ${AUTH_MODES.join(', ')} (az ml: auth_mode key, aml_token or aad_token).`,
    );
  }
  return found;
}

export type Weights = Record<string, number>;

function readWeights(value: unknown, field: string): Weights | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) throw bad(`properties.${field} must be an object of deployment names and percentages.`);
  const out: Weights = {};
  for (const [name, v] of Object.entries(value)) {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 100)
      throw bad(
        `properties.${field}: the value for deployment '${name}' must be a whole percentage from 0 to 100, not ${JSON.stringify(v)}.`,
      );
    out[name] = n;
  }
  return out;
}

/** Traffic sums to 100 (or 0), mirror traffic to at most 50, both only to existing deployments. */
export function checkTraffic(
  endpoint: string,
  traffic: Weights,
  mirror: Weights,
  deployments: OnlineDeploymentRecord[],
): void {
  const names = new Map(deployments.map((d) => [d.name.toLowerCase(), d]));
  for (const [field, weights] of [
    ['traffic', traffic],
    ['mirrorTraffic', mirror],
  ] as const) {
    for (const name of Object.keys(weights)) {
      if (!names.has(name.toLowerCase())) {
        throw bad(
          `The ${field === 'traffic' ? 'traffic' : 'mirror traffic'} of endpoint '${endpoint}' names deployment '${name}', which does not exist. Deployments of this endpoint: ${[...names.values()].map((d) => d.name).join(', ') || '(none)'}.`,
        );
      }
    }
  }
  const total = Object.values(traffic).reduce((s, v) => s + v, 0);
  if (total !== 0 && total !== 100) {
    throw bad(
      `Traffic values of endpoint '${endpoint}' need to sum to 100 (or 0); they sum to ${total}: ${JSON.stringify(traffic)}.`,
    );
  }
  const mirrorTotal = Object.values(mirror).reduce((s, v) => s + v, 0);
  if (mirrorTotal > 50) {
    throw bad(`Mirror traffic values of endpoint '${endpoint}' need to sum to at most 50; they sum to ${mirrorTotal}.`);
  }
  for (const [name, pct] of Object.entries(mirror)) {
    if (
      pct > 0 &&
      (traffic[name] ?? Object.entries(traffic).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1] ?? 0) > 0
    ) {
      throw bad(
        `Deployment '${name}' of endpoint '${endpoint}' cannot receive mirror traffic because it receives live traffic; mirror only to a deployment with 0% traffic.`,
      );
    }
  }
}

/** Canonical names (the deployments' own casing) and no zero entries, as Azure ML stores them. */
export function normalizeWeights(weights: Weights, deployments: OnlineDeploymentRecord[]): Weights {
  const out: Weights = {};
  for (const [name, pct] of Object.entries(weights)) {
    const d = deployments.find((x) => x.name.toLowerCase() === name.toLowerCase());
    out[d?.name ?? name] = pct;
  }
  return out;
}

export function requestedWeights(props: Record<string, unknown>): { traffic?: Weights; mirror?: Weights } {
  return { traffic: readWeights(props.traffic, 'traffic'), mirror: readWeights(props.mirrorTraffic, 'mirrorTraffic') };
}

/** The endpoint's compute: absent for managed endpoints, an attached Kubernetes compute otherwise. */
export function checkEndpointCompute(w: World, ws: WorkspaceSeed, compute: unknown): string | undefined {
  if (compute === undefined || compute === null || compute === '') return undefined;
  if (typeof compute !== 'string') throw bad('properties.compute must be the ARM id of a Kubernetes compute.');
  const name =
    compute
      .replace(/^azureml:/i, '')
      .split('/')
      .pop() ?? '';
  const rec = settledCompute(w, `${ws.name}/${name.toLowerCase()}`);
  if (!rec) {
    throw bad(
      `The compute '${name}' of the endpoint does not exist in workspace '${ws.name}'. Attach the Kubernetes cluster first (az ml compute attach --type Kubernetes).`,
    );
  }
  const props = rec.resource.properties as Record<string, unknown>;
  if (props.computeType !== 'Kubernetes') {
    throw bad(
      `The compute '${rec.name}' is a ${String(props.computeType)}; an online endpoint's compute must be a Kubernetes compute (leave it out for a managed endpoint).`,
    );
  }
  return String(rec.resource.id);
}

function identityOf(w: World, value: unknown, old?: unknown): Record<string, unknown> {
  const requested = isRecord(value) ? value : isRecord(old) ? old : { type: 'SystemAssigned' };
  const type = String(requested.type ?? 'SystemAssigned');
  const out: Record<string, unknown> = { ...requested, type };
  if (/SystemAssigned/i.test(type)) {
    out.principalId = (isRecord(old) && typeof old.principalId === 'string' && old.principalId) || crypto.randomUUID();
    out.tenantId = w.ids.tenantId;
  }
  return out;
}

export interface EnvelopeContext {
  armId: string;
  name: string;
  type: string;
  location: string;
  systemData: Record<string, string>;
}

export function endpointEnvelope(
  w: World,
  body: Record<string, unknown>,
  props: Record<string, unknown>,
  env: EnvelopeContext,
  old?: OnlineEndpointRecord,
): Record<string, unknown> {
  const resource: Record<string, unknown> = {
    id: env.armId,
    name: env.name,
    type: env.type,
    location: env.location,
    tags: isRecord(body.tags) ? body.tags : (old?.resource.tags ?? {}),
    identity: identityOf(w, body.identity, old?.resource.identity),
    systemData: env.systemData,
    properties: props,
  };
  if (typeof body.kind === 'string') resource.kind = body.kind;
  if (isRecord(body.sku)) resource.sku = body.sku;
  return resource;
}

const DEPLOYMENT_FIELDS = [
  'codeConfiguration',
  'description',
  'environmentId',
  'environmentVariables',
  'properties',
  'appInsightsEnabled',
  'dataCollector',
  'egressPublicNetworkAccess',
  'endpointComputeType',
  'instanceType',
  'livenessProbe',
  'model',
  'modelMountPath',
  'readinessProbe',
  'requestSettings',
  'scaleSettings',
];

/** The deployment's served properties from a PUT body; throws ARM's 400 for what Azure ML refuses. */
export function deploymentProperties(
  w: World,
  ws: WorkspaceSeed,
  endpoint: OnlineEndpointRecord,
  name: string,
  requested: Record<string, unknown>,
  old?: OnlineDeploymentRecord,
): Record<string, unknown> {
  const computeType = String(requested.endpointComputeType ?? '');
  const type = ['Managed', 'Kubernetes'].find((t) => t.toLowerCase() === computeType.toLowerCase());
  if (!type) {
    throw bad(
      computeType
        ? `endpointComputeType '${computeType}' is not supported for online deployments by the local emulator (Managed or Kubernetes).`
        : 'The deployment must specify properties.endpointComputeType (Managed or Kubernetes).',
    );
  }
  const endpointCompute = (endpoint.resource.properties as Record<string, unknown>).compute;
  if (type === 'Kubernetes' && !endpointCompute) {
    throw bad(
      `Deployment '${name}' is a Kubernetes deployment, but endpoint '${endpoint.name}' is a managed endpoint (it has no compute). Use a managed deployment, or an endpoint with a Kubernetes compute.`,
    );
  }
  if (type === 'Managed' && endpointCompute) {
    throw bad(
      `Deployment '${name}' is a managed deployment, but endpoint '${endpoint.name}' runs on Kubernetes compute; use a Kubernetes deployment (type: kubernetes).`,
    );
  }
  const oldProps = old?.resource.properties as Record<string, unknown> | undefined;
  if (oldProps && oldProps.endpointComputeType !== type) {
    throw bad(
      `The endpointComputeType of deployment '${name}' cannot change from ${String(oldProps.endpointComputeType)} to ${type}.`,
    );
  }

  const props: Record<string, unknown> = {};
  for (const f of DEPLOYMENT_FIELDS) if (requested[f] !== undefined && requested[f] !== null) props[f] = requested[f];
  props.endpointComputeType = type;
  if (type === 'Kubernetes' && isRecord(requested.containerResourceRequirements)) {
    props.containerResourceRequirements = requested.containerResourceRequirements;
  }
  props.instanceType = checkInstanceType(w, ws, type, endpointCompute, requested.instanceType);
  if (oldProps && String(oldProps.instanceType).toLowerCase() !== String(props.instanceType).toLowerCase()) {
    throw bad(
      `The instance type of deployment '${name}' cannot be changed from ${String(oldProps.instanceType)} to ${String(props.instanceType)}; create a new deployment with the new instance type and shift traffic to it.`,
    );
  }
  props.scaleSettings ??= type === 'Managed' ? { scaleType: 'Default' } : { scaleType: 'Default' };
  props.appInsightsEnabled ??= false;
  props.egressPublicNetworkAccess = enabledOrDisabled(props.egressPublicNetworkAccess);
  props.properties = {
    ...(isRecord(oldProps?.properties) ? oldProps.properties : {}),
    ...(isRecord(props.properties) ? props.properties : {}),
  };

  const code = isRecord(props.codeConfiguration) ? props.codeConfiguration : undefined;
  if (code) {
    if (typeof code.scoringScript !== 'string' || !code.scoringScript)
      throw bad('properties.codeConfiguration.scoringScript is required (the scoring script, e.g. score.py).');
    if (typeof code.codeId === 'string' && code.codeId && !resolveAssetReference(w, ws, 'codes', code.codeId)) {
      throw bad(`The code asset ${code.codeId} of deployment '${name}' does not exist in workspace '${ws.name}'.`);
    }
  }
  if (typeof props.model === 'string' && props.model) {
    const model = props.model;
    if (!resolveModel(w, ws, model) && !isStorageUri(w, ws, model)) {
      throw bad(`The model ${model} of deployment '${name}' does not exist. Register the model first.`);
    }
  }
  return props;
}

/** A model given as a storage location (a datastore URI or URL) rather than a registered model. */
function isStorageUri(w: World, ws: WorkspaceSeed, uri: string): boolean {
  if (/^(azureml:(?!\/\/)|\/subscriptions\/)/i.test(uri)) return false;
  try {
    resolveDataUri(w, ws, uri);
    return true;
  } catch {
    return false;
  }
}

function checkInstanceType(
  w: World,
  ws: WorkspaceSeed,
  type: string,
  endpointCompute: unknown,
  value: unknown,
): string {
  const requested = typeof value === 'string' && value ? value : undefined;
  if (type === 'Managed') {
    const name = requested ?? DEFAULT_MANAGED_INSTANCE_TYPE;
    const known = findInstanceType(name);
    if (!known || known === KUBERNETES_DEFAULT_INSTANCE_TYPE) {
      throw bad(
        `The instance type ${name} is not supported for managed online deployments. Supported instance types on the local emulator: ${INSTANCE_TYPES.map((t) => t.name).join(', ')} (see https://learn.microsoft.com/azure/machine-learning/reference-managed-online-endpoints-vm-sku-list).`,
      );
    }
    return known.name;
  }
  const name = requested ?? KUBERNETES_DEFAULT_INSTANCE_TYPE.name;
  const computeName = String(endpointCompute).split('/').pop() ?? '';
  const compute = settledCompute(w, `${ws.name}/${computeName.toLowerCase()}`);
  const inner =
    compute && isRecord((compute.resource.properties as Record<string, unknown>).properties)
      ? ((compute.resource.properties as Record<string, unknown>).properties as Record<string, unknown>)
      : {};
  const declared = isRecord(inner.instanceTypes) ? Object.keys(inner.instanceTypes) : [];
  const ok =
    name.toLowerCase() === KUBERNETES_DEFAULT_INSTANCE_TYPE.name ||
    declared.some((d) => d.toLowerCase() === name.toLowerCase()) ||
    findInstanceType(name) !== undefined;
  if (!ok) {
    throw bad(
      `Instance type '${name}' is not found in Kubernetes compute '${computeName}'. Instance types of this compute: ${[KUBERNETES_DEFAULT_INSTANCE_TYPE.name, ...declared].join(', ')}.`,
    );
  }
  return name;
}

export function deploymentEnvelope(
  body: Record<string, unknown>,
  props: Record<string, unknown>,
  env: EnvelopeContext,
  old?: OnlineDeploymentRecord,
): Record<string, unknown> {
  const sku = isRecord(body.sku) ? { ...body.sku } : isRecord(old?.resource.sku) ? { ...old.resource.sku } : {};
  sku.name ??= 'Default';
  sku.capacity ??= 1;
  const capacity = Number(sku.capacity);
  if (!Number.isInteger(capacity) || capacity < 1)
    throw bad(
      `sku.capacity (instance_count) must be a whole number of at least 1, not ${JSON.stringify(sku.capacity)}.`,
    );
  const resource: Record<string, unknown> = {
    id: env.armId,
    name: env.name,
    type: env.type,
    location: env.location,
    tags: isRecord(body.tags) ? body.tags : (old?.resource.tags ?? {}),
    kind: typeof body.kind === 'string' ? body.kind : props.endpointComputeType === 'Kubernetes' ? 'K8S' : 'Managed',
    sku,
    systemData: env.systemData,
    properties: props,
  };
  if (isRecord(body.identity)) resource.identity = body.identity;
  return resource;
}

export const ENDPOINT_TYPE = `${PROVIDER}/workspaces/onlineEndpoints`;
export const DEPLOYMENT_TYPE = `${PROVIDER}/workspaces/onlineEndpoints/deployments`;

/** ARM reads these enums case-insensitively but always answers in the spec's casing. */
export function enabledOrDisabled(value: unknown): 'Enabled' | 'Disabled' {
  return typeof value === 'string' && value.toLowerCase() === 'disabled' ? 'Disabled' : 'Enabled';
}
