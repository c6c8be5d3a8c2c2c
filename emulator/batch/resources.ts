import { pipelineSpecOf, sourceJobName } from './component-spec';
import { armErrors } from '../arm-errors';
import { resolveAssetReference } from '../assets/store';
import { resolveModel } from '../assets/model-reference';
import { isRecord } from '../http';
import { cloneJson } from '../json-utils';
import { settledCompute } from '../routes/computes';
import type { WorkspaceSeed } from '../state';
import { PROVIDER, systemData, workspaceArmId, type World } from '../world';
import type { BatchResourceRecord } from './model';

type Json = Record<string, unknown>;
const bad = (message: string) => armErrors.badRequest(message, 'UserError');
const obj = (v: unknown): Json => (isRecord(v) ? v : {});

/** Endpoint and deployment names as Azure ML takes them. */
const NAME = /^[a-zA-Z][a-zA-Z0-9-]{1,30}[a-zA-Z0-9]$/;

export function checkName(name: string, what: 'endpoint' | 'deployment'): void {
  if (!NAME.test(name)) {
    throw bad(
      `The ${what} name '${name}' is invalid: use 3 to 32 letters, digits and '-', starting with a letter and ending with a letter or digit.`,
    );
  }
}

/** Where an endpoint is invoked: the emulator's own port, routed by path. */
export function scoringUri(w: World, ws: WorkspaceSeed, endpoint: string): string {
  return `${w.baseUrl}/_batch/${encodeURIComponent(ws.name)}/${encodeURIComponent(endpoint)}/jobs`;
}

function requireLocation(body: Json): void {
  if (typeof body.location !== 'string' || !body.location) throw bad("The resource must have 'location'.");
}

/** The endpoint a PUT describes (merged with the existing one: properties can be added, not removed). */
export function buildEndpoint(
  w: World,
  ws: WorkspaceSeed,
  name: string,
  body: unknown,
  existing: BatchResourceRecord | undefined,
  deploymentExists: (deployment: string) => boolean,
): Json {
  if (!isRecord(body) || !isRecord(body.properties)) throw bad("The endpoint must have a 'properties' object.");
  requireLocation(body);
  const p = body.properties;
  const authMode = typeof p.authMode === 'string' ? p.authMode : '';
  if (authMode.toLowerCase() !== 'aadtoken') {
    throw bad(
      `Batch endpoints support only the authentication mode AADToken (Microsoft Entra tokens), not '${authMode || '(none)'}'.`,
    );
  }
  const defaults = obj(p.defaults);
  const defaultName =
    typeof defaults.deploymentName === 'string' && defaults.deploymentName ? defaults.deploymentName : null;
  if (defaultName && !deploymentExists(defaultName)) {
    throw bad(`The default deployment '${defaultName}' does not exist in batch endpoint '${name}'. Create it first.`);
  }
  const before = existing ? (existing.resource.properties as Json) : undefined;
  const now = new Date().toISOString();
  const oldProps = obj(before?.properties);
  const created = existing ? String(obj(existing.resource.systemData).createdAt ?? now) : now;
  return {
    id: `${workspaceArmId(w, ws)}/batchEndpoints/${existing?.name ?? name}`,
    name: existing?.name ?? name,
    type: `${PROVIDER}/workspaces/batchEndpoints`,
    location: body.location,
    tags: obj(body.tags),
    ...(isRecord(body.identity) ? { identity: body.identity } : {}),
    ...(typeof body.kind === 'string' ? { kind: body.kind } : {}),
    systemData: systemData(w, created, now),
    properties: {
      authMode: 'AADToken',
      description: typeof p.description === 'string' ? p.description : null,
      properties: { ...oldProps, ...stringMap(p.properties), BatchEndpointCreationApiVersion: '2024-10-01' },
      defaults: { deploymentName: defaultName },
      scoringUri: scoringUri(w, ws, existing?.name ?? name),
      swaggerUri: null,
      provisioningState: 'Succeeded',
    },
  };
}

const stringMap = (v: unknown): Record<string, string> =>
  Object.fromEntries(Object.entries(obj(v)).map(([k, x]) => [k, x === null ? '' : String(x)]));

/** The deployment a PUT describes, checked against what exists in the workspace, with defaults filled in. */
export function buildDeployment(
  w: World,
  ws: WorkspaceSeed,
  endpoint: BatchResourceRecord,
  name: string,
  body: unknown,
  existing: BatchResourceRecord | undefined,
): Json {
  if (!isRecord(body) || !isRecord(body.properties)) throw bad("The deployment must have a 'properties' object.");
  requireLocation(body);
  const p = cloneJson(body.properties);
  delete p.provisioningState;
  const config = obj(p.deploymentConfiguration);
  let properties: Json;
  if (config.deploymentConfigurationType !== undefined) {
    if (config.deploymentConfigurationType !== 'PipelineComponent') {
      throw bad(`Unknown deploymentConfigurationType '${String(config.deploymentConfigurationType)}'.`);
    }
    checkPipelineComponent(w, ws, config);
    properties = { ...p, properties: stringMap(p.properties) };
  } else {
    checkModelDeployment(w, ws, p);
    const retry = obj(p.retrySettings);
    properties = {
      ...p,
      properties: stringMap(p.properties),
      errorThreshold: p.errorThreshold ?? -1,
      // Azure ML reads enum values case-insensitively and answers with the spec's spelling.
      loggingLevel: canonical(p.loggingLevel, ['Info', 'Warning', 'Debug']) ?? 'Info',
      maxConcurrencyPerInstance: p.maxConcurrencyPerInstance ?? 1,
      miniBatchSize: p.miniBatchSize ?? 10,
      outputAction: canonical(p.outputAction, ['AppendRow', 'SummaryOnly']) ?? 'AppendRow',
      outputFileName: p.outputFileName ?? 'predictions.csv',
      retrySettings: { maxRetries: retry.maxRetries ?? 3, timeout: retry.timeout ?? 'PT30S' },
      resources: { instanceCount: 1, ...obj(p.resources) },
    };
  }
  const now = new Date().toISOString();
  const created = existing ? String(obj(existing.resource.systemData).createdAt ?? now) : now;
  return {
    id: `${String(endpoint.resource.id)}/deployments/${existing?.name ?? name}`,
    name: existing?.name ?? name,
    type: `${PROVIDER}/workspaces/batchEndpoints/deployments`,
    location: body.location,
    tags: obj(body.tags),
    ...(isRecord(body.identity) ? { identity: body.identity } : {}),
    ...(typeof body.kind === 'string' ? { kind: body.kind } : {}),
    systemData: systemData(w, created, now),
    properties: { ...properties, provisioningState: 'Succeeded' },
  };
}

function checkModelDeployment(w: World, ws: WorkspaceSeed, p: Json): void {
  const model = obj(p.model);
  const modelId = typeof model.assetId === 'string' ? model.assetId : undefined;
  if (!modelId) throw bad("A model deployment must name its model: 'model' with referenceType 'Id' and 'assetId'.");
  if (!resolveModel(w, ws, modelId)) throw bad(`The model '${modelId}' was not found. Register it first.`);
  const compute = typeof p.compute === 'string' ? p.compute : '';
  if (!compute) throw bad("A batch deployment must name its 'compute' (a compute cluster of the workspace).");
  const computeName = decodeURIComponent(compute.replace(/^.*\/computes\//i, '').replace(/^azureml:/i, ''));
  if (!settledCompute(w, `${ws.name}/${computeName.toLowerCase()}`)) {
    throw bad(`The compute '${computeName}' was not found in workspace '${ws.name}'. Create it first.`);
  }
  const code = obj(p.codeConfiguration);
  if (p.codeConfiguration !== undefined && p.codeConfiguration !== null) {
    if (typeof code.scoringScript !== 'string' || !code.scoringScript) {
      throw bad("'codeConfiguration' must have 'scoringScript'.");
    }
    if (typeof code.codeId !== 'string' || !resolveAssetReference(w, ws, 'codes', code.codeId)) {
      throw bad(`The code '${String(code.codeId)}' of the deployment was not found.`);
    }
    if (typeof p.environmentId !== 'string' || !p.environmentId) {
      throw bad('A deployment with a scoring script must name its environment (environmentId).');
    }
  }
  for (const [field, min] of [
    ['miniBatchSize', 1],
    ['maxConcurrencyPerInstance', 1],
    ['errorThreshold', -1],
  ] as const) {
    if (p[field] !== undefined && (typeof p[field] !== 'number' || (p[field] as number) < min)) {
      throw bad(`'${field}' must be a whole number of at least ${min}.`);
    }
  }
}

function checkPipelineComponent(w: World, ws: WorkspaceSeed, config: Json): void {
  const id = obj(config.componentId).assetId;
  if (typeof id !== 'string' || !id) throw bad("A pipeline component deployment must have 'componentId.assetId'.");
  const found = resolveAssetReference(w, ws, 'components', id);
  if (!found) throw bad(`The component '${id}' was not found. Register it first.`);
  const written = obj(found.version.properties.componentSpec);
  const job = sourceJobName(written);
  const spec = pipelineSpecOf(w, ws, written);
  if (!spec) throw bad(`The pipeline job '${job}' the component '${id}' was made from was not found.`);
  if (String(spec.type ?? '').toLowerCase() !== 'pipeline' || !isRecord(spec.jobs)) {
    throw bad(
      `The component '${id}' is a ${String(spec.type ?? 'command')} component; batch deployments of components need a pipeline component.`,
    );
  }
}

/** An enum value in the spec's spelling when it matches one case-insensitively; other values as given. */
function canonical(value: unknown, allowed: string[]): unknown {
  if (typeof value !== 'string') return value;
  return allowed.find((a) => a.toLowerCase() === value.toLowerCase()) ?? value;
}
