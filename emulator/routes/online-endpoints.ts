import { ArmError, armErrors } from '../arm-errors';
import { isRecord, type Reply } from '../http';
import { cloneJson } from '../json-utils';
import { scoringUri } from '../serving/data-plane';
import type { OnlineDeploymentRecord, OnlineEndpointRecord, OnlineOperationRecord } from '../serving/model';
import {
  authModeOf,
  checkEndpointCompute,
  checkName,
  checkTraffic,
  deploymentEnvelope,
  deploymentProperties,
  DEPLOYMENT_TYPE,
  endpointEnvelope,
  ENDPOINT_TYPE,
  normalizeWeights,
  requestedWeights,
  type Weights,
  enabledOrDisabled,
} from '../serving/resources';
import {
  INFERENCE_SERVER_LOG,
  setDeploymentState,
  STORAGE_INITIALIZER_LOG,
  type OnlineServing,
} from '../serving/serving';
import {
  deploymentKey,
  deploymentsOf,
  endpointKey,
  finishOnlineOperation,
  newEndpointKey,
  onlineState,
  rejectWhileBusy,
  requireDeployment,
  requireEndpoint,
  findEndpoint,
  findDeployment,
  startOnlineOperation,
} from '../serving/store';
import { findWorkspace, page, PROVIDER, systemData, workspaceArmId, type World } from '../world';
import type { ArmRequest, ArmRoute } from './arm';
import { operationRunningReply, operationStatusReply } from './operation-replies';

/**
 * Online endpoints and deployments (2024-10-01 and the older api-versions azure-ai-ml sends):
 * create/update as long-running operations with Azure-AsyncOperation and Location monitors,
 * keys and tokens, traffic and mirror traffic, container logs and SKUs. Deployments really run:
 * see emulator/serving.
 */

const WS = `subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/${PROVIDER}/workspaces/{workspaceName}`;
const ENDPOINTS = `${WS}/onlineEndpoints`;
const ENDPOINT = `${ENDPOINTS}/{endpointName}`;
const DEPLOYMENTS = `${ENDPOINT}/deployments`;
const DEPLOYMENT = `${DEPLOYMENTS}/{deploymentName}`;
const LOCATION = `subscriptions/{subscriptionId}/providers/${PROVIDER}/locations/{location}`;

const bad = (message: string) => armErrors.badRequest(message, 'BadArgument');

function serving(w: World): OnlineServing {
  if (!w.online) throw new ArmError(503, 'ServiceUnavailable', 'Online endpoints are not available in this emulator.');
  return w.online;
}

const props = (resource: Record<string, unknown>): Record<string, unknown> =>
  resource.properties as Record<string, unknown>;

/** Where a PUT puts the resource, and when it was made and changed (an update keeps its creation time). */
function placeAndTimes(
  w: World,
  body: Record<string, unknown>,
  existing: { resource: Record<string, unknown> } | undefined,
  now: string,
): { location: string; systemData: ReturnType<typeof systemData> } {
  return {
    location: typeof body.location === 'string' && body.location ? body.location : w.ids.location,
    systemData: systemData(
      w,
      existing ? String((existing.resource.systemData as Record<string, string>).createdAt) : now,
      now,
    ),
  };
}

// ---------------------------------------------------------------- operations

function operationsBase(w: World): string {
  return `${w.baseUrl}/subscriptions/${w.ids.subscriptionId}/providers/${PROVIDER}/locations/${w.ids.location}`;
}

/**
 * Monitors: Azure-AsyncOperation at mfeOperationsStatus as Azure ML has it; the Location monitor
 * has its own name because mfeOperationResults already serves job cancellation (jobs.ts).
 */
function lroHeaders(
  w: World,
  op: OnlineOperationRecord,
  apiVersion: string,
  withLocation: boolean,
): Record<string, string> {
  const q = `api-version=${encodeURIComponent(apiVersion)}`;
  const headers: Record<string, string> = {
    'azure-asyncoperation': `${operationsBase(w)}/mfeOperationsStatus/${op.id}?${q}`,
    'retry-after': String(w.retryAfterSeconds),
    'x-ms-async-operation-timeout': 'PT1H',
  };
  if (withLocation) headers.location = `${operationsBase(w)}/onlineOperationResults/${op.id}?${q}`;
  return headers;
}

function findOperation(w: World, id: string): OnlineOperationRecord {
  const op = onlineState(w).onlineOperations[id];
  if (!op) throw new ArmError(404, 'NotFound', `The operation '${id}' was not found or has expired.`);
  return op;
}

/** Ends an endpoint operation after the provisioning delay (endpoints have nothing to start locally). */
function settleEndpointLater(
  w: World,
  key: string,
  op: OnlineOperationRecord,
  failure?: { code: string; message: string },
): void {
  serving(w).afterDelay(() => {
    const rec = onlineState(w).onlineEndpoints[key];
    if (op.kind === 'delete') {
      for (const d of Object.keys(onlineState(w).onlineDeployments))
        if (d.startsWith(`${key}/`)) delete onlineState(w).onlineDeployments[d];
      if (rec && rec.pendingOperationId === op.id) delete onlineState(w).onlineEndpoints[key];
    } else if (rec && rec.pendingOperationId === op.id) {
      if (op.kind !== 'regenerateKeys') props(rec.resource).provisioningState = failure ? 'Failed' : 'Succeeded';
      delete rec.pendingOperationId;
    }
    finishOnlineOperation(w, op, failure);
  });
}

// ---------------------------------------------------------------- endpoints

/** The served endpoint; its scoring URI follows the port this emulator listens on now. */
function endpointView(w: World, rec: OnlineEndpointRecord): Record<string, unknown> {
  const view = cloneJson(rec.resource);
  props(view).scoringUri = scoringUri(w, rec.workspace, rec.name);
  return view;
}

function putEndpoint(req: ArmRequest, w: World): Reply {
  const ws = findWorkspace(w, req.params.workspaceName);
  const name = req.params.endpointName;
  checkName('endpoint', name);
  const body = req.body;
  if (!isRecord(body) || !isRecord(body.properties)) throw bad("The endpoint must have a 'properties' object.");
  const key = endpointKey(ws.name, name);
  let existing = findEndpoint(w, ws, name);
  if (existing) rejectWhileBusy('endpoint', existing);
  // An endpoint whose creation failed is created afresh, as Azure ML does on the next PUT.
  if (
    existing &&
    props(existing.resource).provisioningState === 'Failed' &&
    deploymentsOf(w, ws.name, name).length === 0
  )
    existing = undefined;
  const requested = body.properties;
  const authMode = authModeOf(requested.authMode);
  const compute = checkEndpointCompute(w, ws, requested.compute);
  const oldCompute = existing ? props(existing.resource).compute : undefined;
  if (existing && (oldCompute ?? undefined) !== compute) {
    throw bad(`The compute of endpoint '${existing.name}' cannot change; delete the endpoint and create it again.`);
  }
  const deployments = deploymentsOf(w, ws.name, name);
  const weights = requestedWeights(requested);
  const traffic = weights.traffic ?? (existing ? (props(existing.resource).traffic as Weights) : {}) ?? {};
  const mirror = weights.mirror ?? (existing ? (props(existing.resource).mirrorTraffic as Weights) : {}) ?? {};
  checkTraffic(name, traffic, mirror, deployments);

  const now = new Date().toISOString();
  const resourceName = existing?.name ?? name;
  const armId = `${workspaceArmId(w, ws)}/onlineEndpoints/${resourceName}`;
  const served: Record<string, unknown> = {
    authMode,
    description: typeof requested.description === 'string' ? requested.description : undefined,
    properties: {
      ...(existing && isRecord(props(existing.resource).properties)
        ? (props(existing.resource).properties as object)
        : {}),
      ...(isRecord(requested.properties) ? requested.properties : {}),
      'azureml.onlineendpointid': armId.toLowerCase(),
    },
    scoringUri: scoringUri(w, ws.name, resourceName),
    provisioningState: existing ? 'Updating' : 'Creating',
    publicNetworkAccess: enabledOrDisabled(requested.publicNetworkAccess),
    traffic: normalizeWeights(traffic, deployments),
    mirrorTraffic: normalizeWeights(mirror, deployments),
  };
  if (served.description === undefined) delete served.description;
  if (compute) served.compute = compute;
  const resource = endpointEnvelope(
    w,
    body,
    served,
    {
      armId,
      name: resourceName,
      type: ENDPOINT_TYPE,
      ...placeAndTimes(w, body, existing, now),
    },
    existing,
  );
  const keysIn = isRecord(requested.keys) ? requested.keys : {};
  const rec: OnlineEndpointRecord = {
    workspace: ws.name,
    name: resourceName,
    resource,
    keys: existing?.keys ?? {
      primaryKey: typeof keysIn.primaryKey === 'string' && keysIn.primaryKey ? keysIn.primaryKey : newEndpointKey(),
      secondaryKey:
        typeof keysIn.secondaryKey === 'string' && keysIn.secondaryKey ? keysIn.secondaryKey : newEndpointKey(),
    },
  };
  const op = startOnlineOperation(w, existing ? 'update' : 'create', 'endpoint', key);
  rec.pendingOperationId = op.id;
  onlineState(w).onlineEndpoints[key] = rec;
  w.state.save();
  settleEndpointLater(w, key, op, req.ctx.lroFailure);
  return {
    status: existing ? 200 : 201,
    headers: lroHeaders(w, op, req.apiVersion, false),
    body: endpointView(w, rec),
  };
}

function patchEndpoint(req: ArmRequest, w: World): Reply {
  const ws = findWorkspace(w, req.params.workspaceName);
  const rec = requireEndpoint(w, ws, req.params.endpointName);
  rejectWhileBusy('endpoint', rec);
  const body = isRecord(req.body) ? req.body : {};
  const requested = isRecord(body.properties) ? body.properties : {};
  const deployments = deploymentsOf(w, ws.name, rec.name);
  const weights = requestedWeights(requested);
  const traffic = weights.traffic ?? (props(rec.resource).traffic as Weights) ?? {};
  const mirror = weights.mirror ?? (props(rec.resource).mirrorTraffic as Weights) ?? {};
  checkTraffic(rec.name, traffic, mirror, deployments);
  if (isRecord(body.tags)) rec.resource.tags = body.tags;
  if (isRecord(body.identity)) rec.resource.identity = { ...(rec.resource.identity as object), ...body.identity };
  if (typeof requested.description === 'string') props(rec.resource).description = requested.description;
  props(rec.resource).traffic = normalizeWeights(traffic, deployments);
  props(rec.resource).mirrorTraffic = normalizeWeights(mirror, deployments);
  props(rec.resource).provisioningState = 'Updating';
  const now = new Date().toISOString();
  rec.resource.systemData = { ...(rec.resource.systemData as object), lastModifiedAt: now };
  const key = endpointKey(ws.name, rec.name);
  const op = startOnlineOperation(w, 'update', 'endpoint', key);
  rec.pendingOperationId = op.id;
  w.state.save();
  settleEndpointLater(w, key, op, req.ctx.lroFailure);
  return { status: 202, headers: lroHeaders(w, op, req.apiVersion, true) };
}

function deleteEndpoint(req: ArmRequest, w: World): Reply {
  const ws = findWorkspace(w, req.params.workspaceName);
  const rec = findEndpoint(w, ws, req.params.endpointName);
  if (!rec) return { status: 204 };
  if (rec.pendingOperationId && props(rec.resource).provisioningState === 'Deleting') {
    const op = onlineState(w).onlineOperations[rec.pendingOperationId];
    if (op) return { status: 202, headers: lroHeaders(w, op, req.apiVersion, true) };
  }
  const key = endpointKey(ws.name, rec.name);
  const op = startOnlineOperation(w, 'delete', 'endpoint', key);
  rec.pendingOperationId = op.id;
  props(rec.resource).provisioningState = 'Deleting';
  for (const d of deploymentsOf(w, ws.name, rec.name)) {
    setDeploymentState(d, 'Deleting');
    d.pendingOperationId = op.id;
  }
  // Its deployments stop serving at once: the endpoint is going away.
  serving(w).stopEndpoint(ws.name, rec.name);
  w.state.save();
  settleEndpointLater(w, key, op);
  return { status: 202, headers: lroHeaders(w, op, req.apiVersion, true) };
}

function keyModeOnly(rec: OnlineEndpointRecord, what: string): void {
  const mode = String(props(rec.resource).authMode);
  if (mode !== 'Key') {
    throw bad(
      `Endpoint '${rec.name}' uses ${mode} authentication; ${what} applies only to endpoints with auth_mode key.${mode === 'AMLToken' ? ' Get a token from the token API instead.' : ' Use a Microsoft Entra token for https://ml.azure.com instead.'}`,
    );
  }
}

function regenerateKeys(req: ArmRequest, w: World): Reply {
  const ws = findWorkspace(w, req.params.workspaceName);
  const rec = requireEndpoint(w, ws, req.params.endpointName);
  keyModeOnly(rec, 'regenerating keys');
  const body = isRecord(req.body) ? req.body : {};
  const keyType = String(body.keyType ?? '');
  const which =
    keyType.toLowerCase() === 'primary'
      ? 'primaryKey'
      : keyType.toLowerCase() === 'secondary'
        ? 'secondaryKey'
        : undefined;
  if (!which) throw bad(`keyType must be 'Primary' or 'Secondary', not '${keyType}'.`);
  rec.keys[which] = typeof body.keyValue === 'string' && body.keyValue ? body.keyValue : newEndpointKey();
  const op = startOnlineOperation(w, 'regenerateKeys', 'endpoint', endpointKey(ws.name, rec.name));
  w.state.save();
  serving(w).afterDelay(() => finishOnlineOperation(w, op));
  return { status: 202, headers: lroHeaders(w, op, req.apiVersion, true) };
}

// ---------------------------------------------------------------- deployments

function putDeployment(req: ArmRequest, w: World): Reply {
  const ws = findWorkspace(w, req.params.workspaceName);
  const endpoint = requireEndpoint(w, ws, req.params.endpointName);
  if (props(endpoint.resource).provisioningState === 'Deleting') {
    throw armErrors.conflict(`Endpoint '${endpoint.name}' is being deleted; no deployment can be created on it.`);
  }
  const name = req.params.deploymentName;
  checkName('deployment', name);
  const body = req.body;
  if (!isRecord(body) || !isRecord(body.properties)) throw bad("The deployment must have a 'properties' object.");
  const existing = findDeployment(w, ws, endpoint.name, name);
  if (existing) rejectWhileBusy('deployment', existing);
  const served = deploymentProperties(w, ws, endpoint, existing?.name ?? name, body.properties, existing);
  const now = new Date().toISOString();
  const resourceName = existing?.name ?? name;
  served.provisioningState = existing ? 'Updating' : 'Creating';
  const resource = deploymentEnvelope(
    body,
    served,
    {
      armId: `${workspaceArmId(w, ws)}/onlineEndpoints/${endpoint.name}/deployments/${resourceName}`,
      name: resourceName,
      type: DEPLOYMENT_TYPE,
      ...placeAndTimes(w, body, existing, now),
    },
    existing,
  );
  return startProvisioning(req, w, ws.name, endpoint, existing, resourceName, resource, existing ? 200 : 201, false);
}

function startProvisioning(
  req: ArmRequest,
  w: World,
  workspace: string,
  endpoint: OnlineEndpointRecord,
  existing: OnlineDeploymentRecord | undefined,
  name: string,
  resource: Record<string, unknown>,
  status: number,
  withLocation: boolean,
): Reply {
  const key = deploymentKey(workspace, endpoint.name, name);
  const rec: OnlineDeploymentRecord = {
    workspace,
    endpoint: endpoint.name,
    name,
    resource,
    generation: (existing?.generation ?? 0) + 1,
  };
  const op = startOnlineOperation(w, existing ? 'update' : 'create', 'deployment', key);
  rec.pendingOperationId = op.id;
  onlineState(w).onlineDeployments[key] = rec;
  w.state.save();
  void serving(w).provision(key, op, req.ctx.lroFailure);
  return {
    status,
    headers: lroHeaders(w, op, req.apiVersion, withLocation),
    body: withLocation ? undefined : cloneJson(resource),
  };
}

function patchDeployment(req: ArmRequest, w: World): Reply {
  const ws = findWorkspace(w, req.params.workspaceName);
  const endpoint = requireEndpoint(w, ws, req.params.endpointName);
  const rec = requireDeployment(w, ws, endpoint.name, req.params.deploymentName);
  rejectWhileBusy('deployment', rec);
  const body = isRecord(req.body) ? req.body : {};
  const resource = cloneJson(rec.resource);
  if (isRecord(body.tags)) resource.tags = body.tags;
  if (isRecord(body.sku)) resource.sku = { ...(resource.sku as object), ...body.sku };
  const capacity = Number((resource.sku as Record<string, unknown>).capacity ?? 1);
  if (!Number.isInteger(capacity) || capacity < 1)
    throw bad(`sku.capacity (instance_count) must be a whole number of at least 1.`);
  props(resource).provisioningState = 'Updating';
  resource.systemData = { ...(resource.systemData as object), lastModifiedAt: new Date().toISOString() };
  return startProvisioning(req, w, ws.name, endpoint, rec, rec.name, resource, 202, true);
}

function deleteDeployment(req: ArmRequest, w: World): Reply {
  const ws = findWorkspace(w, req.params.workspaceName);
  const endpoint = requireEndpoint(w, ws, req.params.endpointName);
  const rec = findDeployment(w, ws, endpoint.name, req.params.deploymentName);
  if (!rec) return { status: 204 };
  for (const [field, label] of [
    ['traffic', 'traffic'],
    ['mirrorTraffic', 'mirror traffic'],
  ] as const) {
    const weights = (props(endpoint.resource)[field] ?? {}) as Weights;
    const pct = Object.entries(weights).find(([k]) => k.toLowerCase() === rec.name.toLowerCase())?.[1] ?? 0;
    if (pct > 0) {
      throw bad(
        `Deployment '${rec.name}' cannot be deleted while it receives ${label} (${pct}%) on endpoint '${endpoint.name}'. Set its ${label} to 0 first.`,
      );
    }
  }
  const key = deploymentKey(ws.name, endpoint.name, rec.name);
  if (rec.pendingOperationId && props(rec.resource).provisioningState === 'Deleting') {
    const pending = onlineState(w).onlineOperations[rec.pendingOperationId];
    if (pending) return { status: 202, headers: lroHeaders(w, pending, req.apiVersion, true) };
  }
  const op = startOnlineOperation(w, 'delete', 'deployment', key);
  rec.pendingOperationId = op.id;
  rec.generation += 1;
  setDeploymentState(rec, 'Deleting');
  serving(w).stopDeployment(key);
  w.state.save();
  serving(w).afterDelay(() => {
    if (onlineState(w).onlineDeployments[key]?.pendingOperationId === op.id)
      delete onlineState(w).onlineDeployments[key];
    finishOnlineOperation(w, op);
  });
  return { status: 202, headers: lroHeaders(w, op, req.apiVersion, true) };
}

function deploymentLogs(req: ArmRequest, w: World): Reply {
  const ws = findWorkspace(w, req.params.workspaceName);
  const endpoint = requireEndpoint(w, ws, req.params.endpointName);
  const rec = requireDeployment(w, ws, endpoint.name, req.params.deploymentName);
  const body = isRecord(req.body) ? req.body : {};
  const container = String(body.containerType ?? 'InferenceServer');
  const file =
    container.toLowerCase() === 'storageinitializer'
      ? STORAGE_INITIALIZER_LOG
      : container.toLowerCase() === 'inferenceserver'
        ? INFERENCE_SERVER_LOG
        : undefined;
  if (!file) throw bad(`containerType must be 'InferenceServer' or 'StorageInitializer', not '${container}'.`);
  const tail = body.tail === undefined || body.tail === null ? undefined : Number(body.tail);
  if (tail !== undefined && (!Number.isInteger(tail) || tail < 0)) throw bad('tail must be a whole number of lines.');
  const content = serving(w).readLog(deploymentKey(ws.name, endpoint.name, rec.name), file, tail);
  return { status: 200, body: { content } };
}

// ---------------------------------------------------------------- routes

export const onlineEndpointsRoutes: ArmRoute[] = [
  {
    method: 'GET',
    template: ENDPOINTS,
    inSpec: true,
    handle: (req, w) => {
      const ws = findWorkspace(w, req.params.workspaceName);
      const items = Object.values(onlineState(w).onlineEndpoints)
        .filter((r) => r.workspace === ws.name)
        .map((r) => endpointView(w, r));
      return { status: 200, body: page(w, req.path, req.query, items) };
    },
  },
  {
    method: 'GET',
    template: ENDPOINT,
    inSpec: true,
    handle: (req, w) => {
      const ws = findWorkspace(w, req.params.workspaceName);
      return { status: 200, body: endpointView(w, requireEndpoint(w, ws, req.params.endpointName)) };
    },
  },
  { method: 'PUT', template: ENDPOINT, inSpec: true, handle: putEndpoint },
  { method: 'PATCH', template: ENDPOINT, inSpec: true, handle: patchEndpoint },
  { method: 'DELETE', template: ENDPOINT, inSpec: true, handle: deleteEndpoint },
  {
    method: 'POST',
    template: `${ENDPOINT}/listKeys`,
    inSpec: true,
    handle: (req, w) => {
      const rec = requireEndpoint(w, findWorkspace(w, req.params.workspaceName), req.params.endpointName);
      keyModeOnly(rec, 'listing keys');
      return { status: 200, body: { ...rec.keys } };
    },
  },
  { method: 'POST', template: `${ENDPOINT}/regenerateKeys`, inSpec: true, handle: regenerateKeys },
  {
    method: 'POST',
    template: `${ENDPOINT}/token`,
    inSpec: true,
    handle: (req, w) => {
      const rec = requireEndpoint(w, findWorkspace(w, req.params.workspaceName), req.params.endpointName);
      const mode = String(props(rec.resource).authMode);
      if (mode !== 'AMLToken') {
        throw bad(
          `Endpoint '${rec.name}' uses ${mode} authentication; the token API applies only to endpoints with auth_mode aml_token.${mode === 'Key' ? ' Use listKeys instead.' : ' Use a Microsoft Entra token for https://ml.azure.com instead.'}`,
        );
      }
      return { status: 200, body: serving(w).auth.issueAmlToken(rec, req.principal.objectId) };
    },
  },
  {
    method: 'GET',
    template: DEPLOYMENTS,
    inSpec: true,
    handle: (req, w) => {
      const ws = findWorkspace(w, req.params.workspaceName);
      const endpoint = requireEndpoint(w, ws, req.params.endpointName);
      const items = deploymentsOf(w, ws.name, endpoint.name).map((d) => cloneJson(d.resource));
      return { status: 200, body: page(w, req.path, req.query, items) };
    },
  },
  {
    method: 'GET',
    template: DEPLOYMENT,
    inSpec: true,
    handle: (req, w) => {
      const ws = findWorkspace(w, req.params.workspaceName);
      const endpoint = requireEndpoint(w, ws, req.params.endpointName);
      return {
        status: 200,
        body: cloneJson(requireDeployment(w, ws, endpoint.name, req.params.deploymentName).resource),
      };
    },
  },
  { method: 'PUT', template: DEPLOYMENT, inSpec: true, handle: putDeployment },
  { method: 'PATCH', template: DEPLOYMENT, inSpec: true, handle: patchDeployment },
  { method: 'DELETE', template: DEPLOYMENT, inSpec: true, handle: deleteDeployment },
  { method: 'POST', template: `${DEPLOYMENT}/getLogs`, inSpec: true, handle: deploymentLogs },
  {
    method: 'GET',
    template: `${DEPLOYMENT}/skus`,
    inSpec: true,
    handle: (req, w) => {
      const ws = findWorkspace(w, req.params.workspaceName);
      const endpoint = requireEndpoint(w, ws, req.params.endpointName);
      const rec = requireDeployment(w, ws, endpoint.name, req.params.deploymentName);
      const sku = rec.resource.sku as Record<string, unknown>;
      const items = [
        {
          resourceType: DEPLOYMENT_TYPE,
          sku: { name: String(sku.name ?? 'Default'), tier: 'Standard' },
          capacity: { minimum: 1, maximum: 20, default: 1, scaleType: 'Manual' },
        },
      ];
      return { status: 200, body: page(w, req.path, req.query, items) };
    },
  },
  {
    method: 'GET',
    template: `${LOCATION}/mfeOperationsStatus/{operationId}`,
    inSpec: false,
    handle: (req, w) => {
      const op = findOperation(w, req.params.operationId);
      return operationStatusReply(w, {
        id: `/subscriptions/${w.ids.subscriptionId}/providers/${PROVIDER}/locations/${w.ids.location}/mfeOperationsStatus/${op.id}`,
        name: op.id,
        status: op.status,
        startTime: op.startTime,
        endTime: op.endTime,
        error: op.error,
      });
    },
  },
  {
    method: 'GET',
    template: `${LOCATION}/onlineOperationResults/{operationId}`,
    inSpec: false,
    handle: (req, w) => {
      const op = findOperation(w, req.params.operationId);
      if (op.status === 'InProgress') {
        return operationRunningReply(
          w,
          `${operationsBase(w)}/onlineOperationResults/${op.id}?api-version=${encodeURIComponent(req.apiVersion)}`,
        );
      }
      if (op.status === 'Failed') {
        const f = op.error ?? { code: 'InternalServerError', message: 'The operation failed.' };
        return { status: 400, body: { error: { code: f.code, message: f.message } } };
      }
      if (op.kind === 'create' || op.kind === 'update') {
        const s = onlineState(w);
        const endpoint = op.target === 'endpoint' ? s.onlineEndpoints[op.resourceKey] : undefined;
        if (endpoint) return { status: 200, body: endpointView(w, endpoint) };
        const deployment = op.target === 'deployment' ? s.onlineDeployments[op.resourceKey] : undefined;
        if (deployment) return { status: 200, body: cloneJson(deployment.resource) };
      }
      return { status: 204 };
    },
  },
];
