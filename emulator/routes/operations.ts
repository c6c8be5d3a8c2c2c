import { ArmError } from '../arm-errors';
import { locationUrl, operationStatus, operationStatusBody } from '../lro';
import type { OperationRecord } from '../state';
import { PROVIDER, type World } from '../world';
import type { ArmRoute } from './arm';
import { settledCompute } from './computes';

const LOCATION = `subscriptions/{subscriptionId}/providers/${PROVIDER}/locations/{location}`;

function findOperation(w: World, id: string): OperationRecord {
  const op = w.state.data.operations[id];
  if (!op) throw new ArmError(404, 'NotFound', `The operation '${id}' was not found or has expired.`);
  // Reading the operation also brings its resource up to date, so a GET right after 'Succeeded' agrees.
  settledCompute(w, op.resourceKey);
  return op;
}

/** Status monitors of compute operations (the URLs in Azure-AsyncOperation and Location headers). */
export const operationRoutes: ArmRoute[] = [
  {
    method: 'GET',
    template: `${LOCATION}/computeOperationsStatus/{operationId}`,
    inSpec: false,
    handle: (req, w) => {
      const op = findOperation(w, req.params.operationId);
      // Without Retry-After on the monitor, Python's ARM poller falls back to a 30 s interval.
      const headers: Record<string, string> =
        operationStatus(op) === 'InProgress' ? { 'retry-after': String(w.retryAfterSeconds) } : {};
      return { status: 200, headers, body: operationStatusBody(w, op, req.apiVersion) };
    },
  },
  {
    method: 'GET',
    template: `${LOCATION}/computeOperationsResults/{operationId}`,
    inSpec: false,
    handle: (req, w) => {
      const op = findOperation(w, req.params.operationId);
      const status = operationStatus(op);
      if (status === 'InProgress') {
        return {
          status: 202,
          headers: { location: locationUrl(w, op, req.apiVersion), 'retry-after': String(w.retryAfterSeconds) },
        };
      }
      if (status === 'Failed') {
        const f = op.failure ?? { code: 'InternalServerError', message: 'The operation failed.' };
        return { status: 400, body: { error: { code: f.code, message: f.message } } };
      }
      if (op.kind === 'create' || op.kind === 'update') {
        const rec = settledCompute(w, op.resourceKey);
        if (rec) return { status: 200, body: rec.resource };
      }
      return { status: 204 };
    },
  },
];
