import type { UserError } from '../../errors';
import type { SourceLocation } from '../../host';
import { codeConfiguration, environmentSpec, localModelFields, yamlRoot } from '../deployments/yaml-fields';
import { Fields } from '../jobs/fields';
import type { InlineEnvironment } from '../jobs/model';
import { YamlSource } from '../jobs/yaml-source';

/** An online endpoint as `az ml online-endpoint create -f` reads it. */
export interface OnlineEndpointSpec {
  name: string;
  /** Kubernetes when the endpoint names a compute (as azure-ai-ml decides), else managed. */
  kind: 'Managed' | 'Kubernetes';
  authMode: AuthMode;
  description?: string;
  tags: Record<string, string>;
  properties: Record<string, string>;
  /** The Kubernetes compute as written (azureml:name, name or ARM id). */
  compute?: string;
  publicNetworkAccess?: 'Enabled' | 'Disabled';
  /** ARM identity object. */
  identity: Record<string, unknown>;
  /** The file set traffic; the rollout decides traffic, so this is only warned about. */
  fileTraffic?: SourceLocation;
  where: SourceLocation | string;
}

export type AuthMode = 'Key' | 'AMLToken' | 'AADToken';

export type ModelSource =
  | { kind: 'reference'; ref: string; where: SourceLocation | string }
  | { kind: 'local'; path: string; type: string; where: SourceLocation | string };

export type EnvironmentSpec = { kind: 'reference'; ref: string; where: SourceLocation | string } | InlineEnvironment;

/** An online deployment as `az ml online-deployment create -f` reads it (managed or Kubernetes). */
export interface OnlineDeploymentSpec {
  name: string;
  endpointName?: string;
  kind: 'Managed' | 'Kubernetes';
  description?: string;
  tags: Record<string, string>;
  properties: Record<string, string>;
  model?: ModelSource;
  modelMountPath?: string;
  code?: { path: string; local: boolean; scoringScript: string; where: SourceLocation | string };
  environment?: EnvironmentSpec;
  environmentVariables?: Record<string, string>;
  instanceType?: string;
  instanceCount?: number;
  appInsightsEnabled?: boolean;
  /** REST shapes, already translated. */
  scaleSettings?: Record<string, unknown>;
  requestSettings?: Record<string, unknown>;
  livenessProbe?: Record<string, unknown>;
  readinessProbe?: Record<string, unknown>;
  containerResourceRequirements?: Record<string, unknown>;
  egressPublicNetworkAccess?: 'Enabled' | 'Disabled';
  where: SourceLocation | string;
}

const NAME = /^[a-zA-Z][a-zA-Z0-9-]{1,30}[a-zA-Z0-9]$/;

export function checkEndpointName(name: string): string | undefined {
  return NAME.test(name)
    ? undefined
    : `'${name}' is not a valid name: 3 to 32 letters, digits and '-', starting with a letter and ending with a letter or digit`;
}

function checkedName(f: Fields, key: string): string {
  const name = f.str(key, true)!;
  const problem = checkEndpointName(name);
  if (problem) throw f.error(key, problem);
  return name;
}

const AUTH_MODES: Record<string, AuthMode> = { key: 'Key', aml_token: 'AMLToken', aad_token: 'AADToken' };

/** Reads an auth mode as the YAML or an input writes it (key, aml_token, aad_token; any case). */
export function parseAuthMode(text: string): AuthMode | undefined {
  return (
    AUTH_MODES[text.toLowerCase()] ?? Object.values(AUTH_MODES).find((m) => m.toLowerCase() === text.toLowerCase())
  );
}

const ENDPOINT_KEYS = [
  '$schema',
  'name',
  'description',
  'tags',
  'properties',
  'auth_mode',
  'compute',
  'identity',
  'traffic',
  'mirror_traffic',
  'public_network_access',
  'location',
  'kind',
];

export function loadOnlineEndpoint(file: string, cwd: string): OnlineEndpointSpec {
  const src = YamlSource.load(file, cwd);
  const f = yamlRoot(src, 'online endpoint').allowOnly(ENDPOINT_KEYS);
  const authText = f.str('auth_mode') ?? 'key';
  const authMode = parseAuthMode(authText);
  if (!authMode) throw f.error('auth_mode', `'auth_mode' must be one of key, aml_token, aad_token, got '${authText}'`);
  const compute = f.str('compute');
  if (authMode === 'AADToken' && compute) {
    throw f.error('auth_mode', 'Kubernetes online endpoints support auth_mode key or aml_token only');
  }
  const pna = f.enumStr('public_network_access', ['enabled', 'disabled'] as const);
  return {
    name: checkedName(f, 'name'),
    kind: compute ? 'Kubernetes' : 'Managed',
    authMode,
    description: f.str('description'),
    tags: f.stringMap('tags'),
    properties: f.stringMap('properties'),
    compute,
    publicNetworkAccess: pna === undefined ? undefined : pna === 'enabled' ? 'Enabled' : 'Disabled',
    identity: identity(f),
    fileTraffic: f.has('traffic') || f.has('mirror_traffic') ? src.locate(['traffic']) : undefined,
    where: f.where,
  };
}

/** An endpoint described by inputs only (no file). */
export function endpointFromInputs(name: string, authMode: AuthMode, where: string): OnlineEndpointSpec {
  return {
    name,
    kind: 'Managed',
    authMode,
    tags: {},
    properties: {},
    identity: { type: 'SystemAssigned' },
    where,
  };
}

/** azure-ai-ml sends a system-assigned identity unless the YAML names one. */
function identity(f: Fields): Record<string, unknown> {
  const id = f
    .sub('identity', "'identity'")
    ?.allowOnly(['type', 'user_assigned_identities', 'principal_id', 'tenant_id']);
  if (!id) return { type: 'SystemAssigned' };
  const types = {
    system_assigned: 'SystemAssigned',
    user_assigned: 'UserAssigned',
    'system_assigned,user_assigned': 'SystemAssigned,UserAssigned',
    none: 'None',
  } as const;
  const type = id.enumStr('type', Object.keys(types) as (keyof typeof types)[], true)!;
  const out: Record<string, unknown> = { type: types[type] };
  const uai = id.raw('user_assigned_identities');
  if (uai !== undefined) {
    if (!Array.isArray(uai)) throw id.error('user_assigned_identities', "'user_assigned_identities' must be a list");
    const ids: Record<string, object> = {};
    uai.forEach((item, i) => {
      const entry = Fields.of(f.src, [...id.path('user_assigned_identities'), i], 'a user-assigned identity', item);
      ids[entry.str('resource_id', true)!] = {};
    });
    out.userAssignedIdentities = ids;
  }
  return out;
}

const DEPLOYMENT_KEYS = [
  '$schema',
  'name',
  'endpoint_name',
  'type',
  'description',
  'tags',
  'properties',
  'model',
  'model_mount_path',
  'code_configuration',
  'environment',
  'environment_variables',
  'instance_type',
  'instance_count',
  'app_insights_enabled',
  'scale_settings',
  'request_settings',
  'liveness_probe',
  'readiness_probe',
  'egress_public_network_access',
  'resources',
];

export function loadOnlineDeployment(file: string, cwd: string): OnlineDeploymentSpec {
  const src = YamlSource.load(file, cwd);
  const top = yamlRoot(src, 'online deployment');
  const type = top.enumStr('type', ['managed', 'kubernetes'] as const) ?? 'managed';
  const kind = type === 'kubernetes' ? 'Kubernetes' : 'Managed';
  top.allowOnly(kind === 'Kubernetes' ? DEPLOYMENT_KEYS : DEPLOYMENT_KEYS.filter((k) => k !== 'resources'));
  const code = codeConfiguration(top);
  const model = modelSource(top);
  const environment = environmentSpec(top);
  if (code && !environment)
    throw top.error('code_configuration', "a deployment with a scoring script needs an 'environment'");
  // A custom container (inference_config) serves the model itself; others need a scoring script.
  const ownServer = environment?.kind === 'inline' && environment.inferenceConfig !== undefined;
  if (
    !code &&
    !ownServer &&
    model?.kind === 'local' &&
    model.type !== 'mlflow_model' &&
    model.type !== 'triton_model'
  ) {
    throw top.error('model', "only MLflow and Triton models deploy without a scoring script: add 'code_configuration'");
  }
  const instanceType = top.str('instance_type');
  if (kind === 'Managed' && !instanceType) {
    throw top.error(undefined, "missing 'instance_type' in managed online deployment (e.g. Standard_DS3_v2)");
  }
  const egress = top.enumStr('egress_public_network_access', ['enabled', 'disabled'] as const);
  const resources = kind === 'Kubernetes' ? containerResources(top) : undefined;
  return {
    name: checkedName(top, 'name'),
    endpointName: top.str('endpoint_name'),
    kind,
    description: top.str('description'),
    tags: top.stringMap('tags'),
    properties: top.stringMap('properties'),
    model,
    modelMountPath: top.str('model_mount_path'),
    code,
    environment,
    environmentVariables: top.has('environment_variables') ? top.stringMap('environment_variables') : undefined,
    instanceType,
    instanceCount: top.num('instance_count', { integer: true, min: 1 }),
    appInsightsEnabled: top.bool('app_insights_enabled'),
    scaleSettings: scaleSettings(top),
    requestSettings: requestSettings(top),
    livenessProbe: probe(top, 'liveness_probe'),
    readinessProbe: probe(top, 'readiness_probe'),
    containerResourceRequirements: resources,
    egressPublicNetworkAccess: egress === undefined ? undefined : egress === 'enabled' ? 'Enabled' : 'Disabled',
    where: top.where,
  };
}

/**
 * ISO 8601 durations as azure-ai-ml writes them (isodate.duration_isoformat of a timedelta):
 * PT1M30S, PT1.5S, P1DT5S; zero and unset are left out.
 */
export function isoDuration(ms: number | undefined): string | undefined {
  if (!ms) return undefined;
  const days = Math.floor(ms / 86_400_000);
  let rest = ms - days * 86_400_000;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = rest / 1000;
  let out = 'P';
  if (days) out += `${days}D`;
  if (hours || minutes || seconds) {
    out += 'T';
    if (hours) out += `${hours}H`;
    if (minutes) out += `${minutes}M`;
    if (seconds) out += `${seconds}S`;
  }
  return out;
}

function compact(o: Record<string, unknown>): Record<string, unknown> | undefined {
  const out = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  return out;
}

function scaleSettings(top: Fields): Record<string, unknown> | undefined {
  const s = top.sub('scale_settings', "'scale_settings'");
  if (!s) return undefined;
  const type = s.enumStr('type', ['default', 'target_utilization'] as const, true)!;
  if (type === 'default') {
    s.allowOnly(['type']);
    return { scaleType: 'Default' };
  }
  s.allowOnly(['type', 'min_instances', 'max_instances', 'polling_interval', 'target_utilization_percentage']);
  return compact({
    scaleType: 'TargetUtilization',
    minInstances: s.num('min_instances', { integer: true, min: 0 }),
    maxInstances: s.num('max_instances', { integer: true, min: 1 }),
    pollingInterval: isoDuration(secondsMs(s, 'polling_interval')),
    targetUtilizationPercentage: s.num('target_utilization_percentage', { integer: true, min: 1 }),
  });
}

const secondsMs = (f: Fields, key: string): number | undefined => {
  const v = f.num(key, { min: 0 });
  return v === undefined ? undefined : v * 1000;
};

function requestSettings(top: Fields): Record<string, unknown> | undefined {
  const s = top
    .sub('request_settings', "'request_settings'")
    ?.allowOnly(['request_timeout_ms', 'max_concurrent_requests_per_instance', 'max_queue_wait_ms']);
  if (!s) return undefined;
  return compact({
    maxQueueWait: isoDuration(s.num('max_queue_wait_ms', { min: 0 })),
    maxConcurrentRequestsPerInstance: s.num('max_concurrent_requests_per_instance', { integer: true, min: 1 }),
    requestTimeout: isoDuration(s.num('request_timeout_ms', { min: 0 })),
  });
}

function probe(top: Fields, key: string): Record<string, unknown> | undefined {
  const s = top
    .sub(key, `'${key}'`)
    ?.allowOnly(['failure_threshold', 'success_threshold', 'timeout', 'period', 'initial_delay']);
  if (!s) return undefined;
  return compact({
    failureThreshold: s.num('failure_threshold', { integer: true, min: 1 }),
    successThreshold: s.num('success_threshold', { integer: true, min: 1 }),
    timeout: isoDuration(secondsMs(s, 'timeout')),
    period: isoDuration(secondsMs(s, 'period')),
    initialDelay: isoDuration(secondsMs(s, 'initial_delay')),
  });
}

function containerResources(top: Fields): Record<string, unknown> | undefined {
  const r = top.sub('resources', "'resources'")?.allowOnly(['requests', 'limits']);
  if (!r) return undefined;
  const side = (key: string): Record<string, unknown> | undefined => {
    const s = r.sub(key, `'resources.${key}'`)?.allowOnly(['cpu', 'memory', 'nvidia.com/gpu', 'gpu']);
    if (!s) return undefined;
    return compact({ cpu: s.str('cpu'), memory: s.str('memory'), gpu: s.str('nvidia.com/gpu') ?? s.str('gpu') });
  };
  return compact({ containerResourceRequests: side('requests'), containerResourceLimits: side('limits') });
}

/** A model as a string reference, or a mapping with a local path (an anonymous model). */
function modelSource(f: Fields): ModelSource | undefined {
  const raw = f.raw('model');
  if (raw === undefined) return undefined;
  const where = f.src.locate(f.path('model'));
  if (typeof raw === 'string') return modelReference(raw, where, (m) => f.error('model', m));
  const { path, type } = localModelFields(f, [
    '$schema',
    'name',
    'version',
    'type',
    'path',
    'description',
    'tags',
    'properties',
    'flavors',
    'stage',
  ]);
  return { kind: 'local', path, type, where };
}

/** azureml:name:version, azureml:name@label, azureml://registries/..., or an ARM id. */
export function modelReference(
  raw: string,
  where: SourceLocation | string,
  fail: (message: string) => UserError,
): ModelSource {
  if (/^(azureml:|\/subscriptions\/)/.test(raw)) return { kind: 'reference', ref: raw, where };
  throw fail(
    `'${raw}' is not a model reference: use azureml:<name>:<version>, azureml:<name>@latest, azureml://registries/<registry>/models/<name>/versions/<version>, or a mapping with 'path'`,
  );
}
