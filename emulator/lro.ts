import * as crypto from 'node:crypto';
import type { OperationKind, OperationRecord } from './state';
import { PROVIDER, type World } from './world';

/**
 * Long-running operations the ARM way: the first response carries Azure-AsyncOperation (and for
 * deletes Location) plus Retry-After; clients poll those URLs. Progress is computed from the clock
 * when asked, so no timers run and a restarted emulator resumes operations from state.json.
 */

export type OperationStatus = 'InProgress' | 'Succeeded' | 'Failed';

export function startOperation(
  w: World,
  kind: OperationKind,
  resourceKey: string,
  failure?: { code: string; message: string },
): OperationRecord {
  const op: OperationRecord = {
    id: crypto.randomUUID(),
    kind,
    resourceKey,
    startTime: new Date().toISOString(),
    completeAt: Date.now() + w.provisioningMs,
    failure,
  };
  w.state.data.operations[op.id] = op;
  return op;
}

export function operationStatus(op: OperationRecord, now = Date.now()): OperationStatus {
  if (now < op.completeAt) return 'InProgress';
  return op.failure ? 'Failed' : 'Succeeded';
}

function operationsBase(w: World): string {
  return `${w.baseUrl}/subscriptions/${w.ids.subscriptionId}/providers/${PROVIDER}/locations/${w.ids.location}`;
}

export function asyncOperationUrl(w: World, op: OperationRecord, apiVersion: string): string {
  return `${operationsBase(w)}/computeOperationsStatus/${op.id}?api-version=${encodeURIComponent(apiVersion)}&service=new`;
}

export function locationUrl(w: World, op: OperationRecord, apiVersion: string): string {
  return `${operationsBase(w)}/computeOperationsResults/${op.id}?api-version=${encodeURIComponent(apiVersion)}`;
}

export function lroHeaders(
  w: World,
  op: OperationRecord,
  apiVersion: string,
  withLocation: boolean,
): Record<string, string> {
  const headers: Record<string, string> = {
    'azure-asyncoperation': asyncOperationUrl(w, op, apiVersion),
    'retry-after': String(w.retryAfterSeconds),
  };
  if (withLocation) headers.location = locationUrl(w, op, apiVersion);
  return headers;
}

/** The body served at the Azure-AsyncOperation URL. */
export function operationStatusBody(w: World, op: OperationRecord, apiVersion: string): Record<string, unknown> {
  const status = operationStatus(op);
  const body: Record<string, unknown> = {
    id: asyncOperationUrl(w, op, apiVersion).replace(w.baseUrl, '').replace(/\?.*$/, ''),
    name: op.id,
    status,
    startTime: op.startTime,
  };
  if (status !== 'InProgress') body.endTime = new Date(op.completeAt).toISOString();
  if (status === 'Failed' && op.failure) body.error = { code: op.failure.code, message: op.failure.message };
  return body;
}
