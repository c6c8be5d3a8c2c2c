import { ArmError, armErrors } from '../arm-errors';
import { buildDeployment, buildEndpoint, checkName } from '../batch/resources';
import {
  BATCH_OPERATION_RESULT,
  BATCH_OPERATION_STATUS,
  beginOperation,
  deploymentKey,
  deployments,
  endpointKey,
  endpoints,
  findOperation,
  operationStatus,
  operationUrl,
  rejectWhileBusy,
  settled,
} from '../batch/store';
import type { BatchResourceRecord } from '../batch/model';
import type { Reply } from '../http';
import { cloneJson } from '../json-utils';
import type { WorkspaceSeed } from '../state';
import { findWorkspace, page, PROVIDER, type World } from '../world';
import type { ArmRequest, ArmRoute } from './arm';
import { operationRunningReply, operationStatusReply } from './operation-replies';

const ENDPOINTS = `subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/${PROVIDER}/workspaces/{workspaceName}/batchEndpoints`;
const ENDPOINT = `${ENDPOINTS}/{endpointName}`;
const DEPLOYMENTS = `${ENDPOINT}/deployments`;
const DEPLOYMENT = `${DEPLOYMENTS}/{deploymentName}`;
const LOCATION = `subscriptions/{subscriptionId}/providers/${PROVIDER}/locations/{location}`;

const notFound = (w: World, ws: WorkspaceSeed, type: string, name: string) =>
  armErrors.resourceNotFound(`${PROVIDER}/workspaces/${ws.name}/${type}`, name, w.ids.resourceGroup);

export function findEndpoint(w: World, ws: WorkspaceSeed, name: string): BatchResourceRecord | undefined {
  return settled(w, 'endpoint', endpointKey(ws, name));
}

export function findDeployment(
  w: World,
  ws: WorkspaceSeed,
  endpoint: string,
  name: string,
): BatchResourceRecord | undefined {
  return settled(w, 'deployment', deploymentKey(ws, endpoint, name));
}

function requireEndpoint(w: World, ws: WorkspaceSeed, name: string): BatchResourceRecord {
  const rec = findEndpoint(w, ws, name);
  if (!rec) throw notFound(w, ws, 'batchEndpoints', name);
  return rec;
}

export function deploymentsOf(w: World, ws: WorkspaceSeed, endpoint: string): BatchResourceRecord[] {
  const prefix = `${ws.name}/${endpoint.toLowerCase()}/`;
  return Object.keys(deployments(w))
    .filter((k) => k.startsWith(prefix))
    .map((k) => settled(w, 'deployment', k))
    .filter((r): r is BatchResourceRecord => r !== undefined);
}

const served = (rec: BatchResourceRecord) => cloneJson(rec.resource);

/** The record a PUT updates: none when there is none or its creation failed (the PUT creates it afresh). */
function updateBase(existing: BatchResourceRecord | undefined, what: string): BatchResourceRecord | undefined {
  if (!existing) return undefined;
  rejectWhileBusy(existing, what);
  return (existing.resource.properties as Record<string, unknown>).provisioningState === 'Failed'
    ? undefined
    : existing;
}

/** Starts the create or update operation and answers with the resource as it stands now. */
function accepted(
  req: ArmRequest,
  w: World,
  target: 'endpoint' | 'deployment',
  key: string,
  rec: BatchResourceRecord,
  kind: 'create' | 'update',
): Reply {
  const headers = beginOperation(w, target, key, rec, kind, req.apiVersion, req.ctx.lroFailure);
  return { status: kind === 'create' ? 201 : 200, headers, body: served(rec) };
}

function putEndpoint(req: ArmRequest, w: World) {
  const ws = findWorkspace(w, req.params.workspaceName);
  const name = req.params.endpointName;
  checkName(name, 'endpoint');
  const key = endpointKey(ws, name);
  const base = updateBase(settled(w, 'endpoint', key), 'Batch endpoint');
  const resource = buildEndpoint(w, ws, name, req.body, base, (d) => !!findDeployment(w, ws, name, d));
  const rec: BatchResourceRecord = { workspace: ws.name, name: String(resource.name), resource };
  return accepted(req, w, 'endpoint', key, rec, base ? 'update' : 'create');
}

function putDeployment(req: ArmRequest, w: World) {
  const ws = findWorkspace(w, req.params.workspaceName);
  const endpoint = requireEndpoint(w, ws, req.params.endpointName);
  const name = req.params.deploymentName;
  checkName(name, 'deployment');
  const key = deploymentKey(ws, endpoint.name, name);
  const base = updateBase(settled(w, 'deployment', key), 'Batch deployment');
  const resource = buildDeployment(w, ws, endpoint, name, req.body, base);
  const rec: BatchResourceRecord = {
    workspace: ws.name,
    name: String(resource.name),
    endpoint: endpoint.name,
    resource,
  };
  return accepted(req, w, 'deployment', key, rec, base ? 'update' : 'create');
}

/** PATCH changes tags (and a deployment's description): what the partial bodies of the spec carry. */
function patch(req: ArmRequest, w: World, target: 'endpoint' | 'deployment') {
  const ws = findWorkspace(w, req.params.workspaceName);
  const rec =
    target === 'endpoint'
      ? requireEndpoint(w, ws, req.params.endpointName)
      : findDeployment(w, ws, req.params.endpointName, req.params.deploymentName);
  if (!rec) throw notFound(w, ws, `batchEndpoints/${req.params.endpointName}/deployments`, req.params.deploymentName);
  rejectWhileBusy(rec, target === 'endpoint' ? 'Batch endpoint' : 'Batch deployment');
  const body = (req.body ?? {}) as Record<string, unknown>;
  const updated: BatchResourceRecord = { ...rec, resource: cloneJson(rec.resource) };
  if (body.tags && typeof body.tags === 'object') updated.resource.tags = body.tags;
  if (body.identity && typeof body.identity === 'object') updated.resource.identity = body.identity;
  const partial = (body.properties ?? {}) as Record<string, unknown>;
  if (target === 'deployment' && typeof partial.description === 'string') {
    (updated.resource.properties as Record<string, unknown>).description = partial.description;
  }
  const key = target === 'endpoint' ? endpointKey(ws, rec.name) : deploymentKey(ws, req.params.endpointName, rec.name);
  return accepted(req, w, target, key, updated, 'update');
}

function deleteEndpoint(req: ArmRequest, w: World) {
  const ws = findWorkspace(w, req.params.workspaceName);
  const key = endpointKey(ws, req.params.endpointName);
  const rec = settled(w, 'endpoint', key);
  if (!rec) return { status: 204 };
  rejectWhileBusy(rec, 'Batch endpoint');
  // An endpoint takes its deployments with it.
  for (const d of deploymentsOf(w, ws, rec.name)) delete deployments(w)[deploymentKey(ws, rec.name, d.name)];
  return {
    status: 202,
    headers: beginOperation(w, 'endpoint', key, rec, 'delete', req.apiVersion, req.ctx.lroFailure),
  };
}

function deleteDeployment(req: ArmRequest, w: World) {
  const ws = findWorkspace(w, req.params.workspaceName);
  const endpoint = requireEndpoint(w, ws, req.params.endpointName);
  const key = deploymentKey(ws, endpoint.name, req.params.deploymentName);
  const rec = settled(w, 'deployment', key);
  if (!rec) return { status: 204 };
  rejectWhileBusy(rec, 'Batch deployment');
  const defaults = (endpoint.resource.properties as Record<string, unknown>).defaults as { deploymentName?: string };
  if (defaults?.deploymentName?.toLowerCase() === rec.name.toLowerCase()) {
    throw armErrors.badRequest(
      `Deployment '${rec.name}' is the default deployment of batch endpoint '${endpoint.name}'; make another deployment the default (or delete the endpoint) first.`,
      'UserError',
    );
  }
  return {
    status: 202,
    headers: beginOperation(w, 'deployment', key, rec, 'delete', req.apiVersion, req.ctx.lroFailure),
  };
}

function requireOperation(w: World, id: string) {
  const op = findOperation(w, id);
  if (!op) throw new ArmError(404, 'NotFound', `The operation '${id}' was not found or has expired.`);
  return op;
}

export const batchEndpointsRoutes: ArmRoute[] = [
  {
    method: 'GET',
    template: ENDPOINTS,
    inSpec: true,
    handle: (req, w) => {
      const ws = findWorkspace(w, req.params.workspaceName);
      const prefix = `${ws.name}/`;
      const items = Object.keys(endpoints(w))
        .filter((k) => k.startsWith(prefix))
        .map((k) => settled(w, 'endpoint', k))
        .filter((r): r is BatchResourceRecord => r !== undefined)
        .map(served);
      return { status: 200, body: page(w, req.path, req.query, items) };
    },
  },
  {
    method: 'GET',
    template: ENDPOINT,
    inSpec: true,
    handle: (req, w) => {
      const ws = findWorkspace(w, req.params.workspaceName);
      return { status: 200, body: served(requireEndpoint(w, ws, req.params.endpointName)) };
    },
  },
  { method: 'PUT', template: ENDPOINT, inSpec: true, handle: putEndpoint },
  { method: 'PATCH', template: ENDPOINT, inSpec: true, handle: (req, w) => patch(req, w, 'endpoint') },
  { method: 'DELETE', template: ENDPOINT, inSpec: true, handle: deleteEndpoint },
  {
    method: 'POST',
    template: `${ENDPOINT}/listkeys`,
    inSpec: true,
    handle: (req, w) => {
      const ws = findWorkspace(w, req.params.workspaceName);
      const rec = requireEndpoint(w, ws, req.params.endpointName);
      throw armErrors.badRequest(
        `Batch endpoint '${rec.name}' uses Microsoft Entra tokens (AADToken); it has no keys. Invoke it with a token for https://ml.azure.com.`,
        'UserError',
      );
    },
  },
  {
    method: 'GET',
    template: DEPLOYMENTS,
    inSpec: true,
    handle: (req, w) => {
      const ws = findWorkspace(w, req.params.workspaceName);
      const endpoint = requireEndpoint(w, ws, req.params.endpointName);
      return { status: 200, body: page(w, req.path, req.query, deploymentsOf(w, ws, endpoint.name).map(served)) };
    },
  },
  {
    method: 'GET',
    template: DEPLOYMENT,
    inSpec: true,
    handle: (req, w) => {
      const ws = findWorkspace(w, req.params.workspaceName);
      const endpoint = requireEndpoint(w, ws, req.params.endpointName);
      const rec = findDeployment(w, ws, endpoint.name, req.params.deploymentName);
      if (!rec) throw notFound(w, ws, `batchEndpoints/${endpoint.name}/deployments`, req.params.deploymentName);
      return { status: 200, body: served(rec) };
    },
  },
  { method: 'PUT', template: DEPLOYMENT, inSpec: true, handle: putDeployment },
  { method: 'PATCH', template: DEPLOYMENT, inSpec: true, handle: (req, w) => patch(req, w, 'deployment') },
  { method: 'DELETE', template: DEPLOYMENT, inSpec: true, handle: deleteDeployment },
  {
    method: 'GET',
    template: `${LOCATION}/${BATCH_OPERATION_STATUS}/{operationId}`,
    inSpec: false,
    handle: (req, w) => {
      const op = requireOperation(w, req.params.operationId);
      const status = operationStatus(op);
      return operationStatusReply(w, {
        id: op.id,
        name: op.id,
        status,
        startTime: op.startTime,
        endTime: status === 'InProgress' ? undefined : new Date(op.completeAt).toISOString(),
        error: status === 'Failed' ? op.failure : undefined,
      });
    },
  },
  {
    method: 'GET',
    template: `${LOCATION}/${BATCH_OPERATION_RESULT}/{operationId}`,
    inSpec: false,
    handle: (req, w) => {
      const op = requireOperation(w, req.params.operationId);
      const status = operationStatus(op);
      if (status === 'InProgress') return operationRunningReply(w, operationUrl(w, op, 'result', req.apiVersion));
      if (status === 'Failed') return { status: 400, body: { error: op.failure } };
      return { status: 204 };
    },
  },
];
