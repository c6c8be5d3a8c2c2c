import * as crypto from 'node:crypto';
import { armErrors } from '../arm-errors';
import type { WorkspaceSeed } from '../state';
import { PROVIDER, type World } from '../world';
import type { BatchOperation, BatchResourceRecord } from './model';

/**
 * The emulator's batch endpoints and deployments with their long-running operations. Progress is
 * read from the clock when a record is asked for (as for computes), so no timers run and a restarted
 * emulator settles operations from state.json.
 */

export const endpointKey = (ws: WorkspaceSeed, name: string): string => `${ws.name}/${name.toLowerCase()}`;
export const deploymentKey = (ws: WorkspaceSeed, endpoint: string, name: string): string =>
  `${ws.name}/${endpoint.toLowerCase()}/${name.toLowerCase()}`;

export function endpoints(w: World): Record<string, BatchResourceRecord> {
  return (w.state.data.batchEndpoints ??= {});
}
export function deployments(w: World): Record<string, BatchResourceRecord> {
  return (w.state.data.batchDeployments ??= {});
}
function operations(w: World): Record<string, BatchOperation> {
  return (w.state.data.batchOperations ??= {});
}

const collection = (w: World, target: BatchOperation['target']) =>
  target === 'endpoint' ? endpoints(w) : deployments(w);

const props = (rec: BatchResourceRecord): Record<string, unknown> => rec.resource.properties as Record<string, unknown>;

export function operationStatus(op: BatchOperation, now = Date.now()): 'InProgress' | 'Succeeded' | 'Failed' {
  if (now < op.completeAt) return 'InProgress';
  return op.failure ? 'Failed' : 'Succeeded';
}

/** The record after applying a finished operation; undefined when absent or deleted. */
export function settled(w: World, target: BatchOperation['target'], key: string): BatchResourceRecord | undefined {
  const records = collection(w, target);
  const rec = records[key];
  if (!rec?.pendingOperationId) return rec;
  const op = operations(w)[rec.pendingOperationId];
  if (op && operationStatus(op) === 'InProgress') return rec;
  delete rec.pendingOperationId;
  let gone = false;
  if (!op) props(rec).provisioningState = 'Succeeded';
  else if (op.kind === 'delete') gone = !op.failure;
  else props(rec).provisioningState = op.failure ? 'Failed' : 'Succeeded';
  if (op?.kind === 'delete' && op.failure) props(rec).provisioningState = 'Failed';
  if (gone) delete records[key];
  w.state.save();
  return gone ? undefined : rec;
}

export function findOperation(w: World, id: string): BatchOperation | undefined {
  const op = operations(w)[id];
  if (op) settled(w, op.target, op.resourceKey);
  return op;
}

export function rejectWhileBusy(rec: BatchResourceRecord, what: string): void {
  if (!rec.pendingOperationId) return;
  throw armErrors.conflict(
    `${what} '${rec.name}' is in provisioning state '${String(props(rec).provisioningState)}'; another operation cannot start until the current one completes. Retry after it finishes.`,
  );
}

const BUSY_STATE: Record<BatchOperation['kind'], string> = {
  create: 'Creating',
  update: 'Updating',
  delete: 'Deleting',
};

/** Starts an operation on a record (saved) and returns the ARM headers for it. */
export function beginOperation(
  w: World,
  target: BatchOperation['target'],
  key: string,
  rec: BatchResourceRecord,
  kind: BatchOperation['kind'],
  apiVersion: string,
  failure?: { code: string; message: string },
): Record<string, string> {
  const op: BatchOperation = {
    id: crypto.randomUUID(),
    kind,
    target,
    resourceKey: key,
    startTime: new Date().toISOString(),
    completeAt: Date.now() + w.provisioningMs,
    failure,
  };
  operations(w)[op.id] = op;
  props(rec).provisioningState = BUSY_STATE[kind];
  rec.pendingOperationId = op.id;
  collection(w, target)[key] = rec;
  pruneOperations(w);
  w.state.save();
  const headers: Record<string, string> = {
    'azure-asyncoperation': operationUrl(w, op, 'status', apiVersion),
    'retry-after': String(w.retryAfterSeconds),
  };
  if (kind === 'delete') headers.location = operationUrl(w, op, 'result', apiVersion);
  return headers;
}

export const BATCH_OPERATION_STATUS = 'batchOperationsStatus';
export const BATCH_OPERATION_RESULT = 'batchOperationResults';

export function operationUrl(w: World, op: BatchOperation, which: 'status' | 'result', apiVersion: string): string {
  const segment = which === 'status' ? BATCH_OPERATION_STATUS : BATCH_OPERATION_RESULT;
  return `${w.baseUrl}/subscriptions/${w.ids.subscriptionId}/providers/${PROVIDER}/locations/${w.ids.location}/${segment}/${op.id}?api-version=${encodeURIComponent(apiVersion)}`;
}

function pruneOperations(w: World): void {
  const cutoff = Date.now() - 24 * 3600_000;
  const ops = operations(w);
  for (const [id, op] of Object.entries(ops)) if (op.completeAt < cutoff) delete ops[id];
}
