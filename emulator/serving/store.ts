import * as crypto from 'node:crypto';
import { armErrors } from '../arm-errors';
import type { WorkspaceSeed } from '../state';
import { PROVIDER, type World } from '../world';
import type {
  OnlineDeploymentRecord,
  OnlineEndpointRecord,
  OnlineOperationKind,
  OnlineOperationRecord,
  OnlineState,
} from './model';

/** Online endpoints, deployments and operations in state.json, and the lookups ARM routes need. */

export function onlineState(w: World): OnlineState {
  const d = w.state.data;
  d.onlineEndpoints ??= {};
  d.onlineDeployments ??= {};
  d.onlineOperations ??= {};
  return d as OnlineState;
}

export const endpointKey = (workspace: string, endpoint: string): string => `${workspace}/${endpoint.toLowerCase()}`;
export const deploymentKey = (workspace: string, endpoint: string, deployment: string): string =>
  `${endpointKey(workspace, endpoint)}/${deployment.toLowerCase()}`;

export function findEndpoint(w: World, ws: WorkspaceSeed, name: string): OnlineEndpointRecord | undefined {
  return onlineState(w).onlineEndpoints[endpointKey(ws.name, name)];
}

export function requireEndpoint(w: World, ws: WorkspaceSeed, name: string): OnlineEndpointRecord {
  const rec = findEndpoint(w, ws, name);
  if (!rec)
    throw armErrors.resourceNotFound(`${PROVIDER}/workspaces/${ws.name}/onlineEndpoints`, name, w.ids.resourceGroup);
  return rec;
}

export function findDeployment(
  w: World,
  ws: WorkspaceSeed,
  endpoint: string,
  name: string,
): OnlineDeploymentRecord | undefined {
  return onlineState(w).onlineDeployments[deploymentKey(ws.name, endpoint, name)];
}

export function requireDeployment(w: World, ws: WorkspaceSeed, endpoint: string, name: string): OnlineDeploymentRecord {
  const rec = findDeployment(w, ws, endpoint, name);
  if (!rec) {
    throw armErrors.resourceNotFound(
      `${PROVIDER}/workspaces/${ws.name}/onlineEndpoints/${endpoint}/deployments`,
      name,
      w.ids.resourceGroup,
    );
  }
  return rec;
}

/** The deployments of one endpoint, in creation order. */
export function deploymentsOf(w: World, workspace: string, endpoint: string): OnlineDeploymentRecord[] {
  const prefix = `${endpointKey(workspace, endpoint)}/`;
  return Object.entries(onlineState(w).onlineDeployments)
    .filter(([k]) => k.startsWith(prefix))
    .map(([, r]) => r);
}

export function startOnlineOperation(
  w: World,
  kind: OnlineOperationKind,
  target: OnlineOperationRecord['target'],
  resourceKey: string,
): OnlineOperationRecord {
  const op: OnlineOperationRecord = {
    id: crypto.randomUUID(),
    kind,
    target,
    resourceKey,
    status: 'InProgress',
    startTime: new Date().toISOString(),
  };
  onlineState(w).onlineOperations[op.id] = op;
  return op;
}

export function finishOnlineOperation(
  w: World,
  op: OnlineOperationRecord,
  error?: { code: string; message: string },
): void {
  op.status = error ? 'Failed' : 'Succeeded';
  op.endTime = new Date().toISOString();
  if (error) op.error = error;
  w.state.save();
}

const provisioningState = (resource: Record<string, unknown>): string =>
  String((resource.properties as Record<string, unknown>).provisioningState ?? '');

/** Azure ML refuses a second change while one is running on the same resource. */
export function rejectWhileBusy(
  kind: 'endpoint' | 'deployment',
  rec: { name: string; resource: Record<string, unknown>; pendingOperationId?: string },
): void {
  if (!rec.pendingOperationId) return;
  throw armErrors.conflict(
    `The ${kind} '${rec.name}' is in provisioning state '${provisioningState(rec.resource)}'; another operation cannot start until the current one completes. Retry after it finishes.`,
  );
}

/** Random keys shaped like Azure ML's (32 characters). */
export function newEndpointKey(): string {
  return crypto.randomBytes(24).toString('base64url').replace(/[-_]/g, 'x');
}
