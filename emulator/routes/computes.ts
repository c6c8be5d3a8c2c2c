import { armErrors } from '../arm-errors';
import { lroHeaders, operationStatus, startOperation } from '../lro';
import type { ComputeRecord, OperationKind, WorkspaceSeed } from '../state';
import { findWorkspace, page, PROVIDER, workspaceArmId, type World } from '../world';
import type { ArmRequest, ArmRoute } from './arm';
import { applyClusterUpdate, buildCompute, markInProgress, settle } from './compute-model';

const COMPUTES = `subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/${PROVIDER}/workspaces/{workspaceName}/computes`;
const COMPUTE = `${COMPUTES}/{computeName}`;

const computeKey = (ws: WorkspaceSeed, name: string): string => `${ws.name}/${name.toLowerCase()}`;
const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/**
 * The current record for a compute, after applying a finished operation (lazily, on read).
 * Returns undefined when the compute does not exist or its deletion has completed.
 */
export function settledCompute(w: World, key: string): ComputeRecord | undefined {
  const rec = w.state.data.computes[key];
  if (!rec) return undefined;
  const op = rec.pendingOperationId ? w.state.data.operations[rec.pendingOperationId] : undefined;
  if (rec.pendingOperationId && (!op || operationStatus(op) !== 'InProgress')) {
    const stillThere = op ? settle(rec.resource, op.kind, op.failure, new Date(op.completeAt).toISOString()) : true;
    delete rec.pendingOperationId;
    if (!stillThere) delete w.state.data.computes[key];
    w.state.save();
    return stillThere ? rec : undefined;
  }
  return rec;
}

function requireCompute(w: World, ws: WorkspaceSeed, name: string): ComputeRecord {
  const rec = settledCompute(w, computeKey(ws, name));
  if (!rec) throw armErrors.resourceNotFound(`${PROVIDER}/workspaces/${ws.name}/computes`, name, w.ids.resourceGroup);
  return rec;
}

function rejectWhileBusy(rec: ComputeRecord): void {
  if (!rec.pendingOperationId) return;
  const props = rec.resource.properties as Record<string, unknown>;
  throw armErrors.conflict(
    `Compute '${rec.name}' is in provisioning state '${String(props.provisioningState)}'; another operation cannot start until the current one completes. Retry after it finishes.`,
  );
}

/** Starts an operation on the record and answers the way Azure ML does for it. */
function begin(
  w: World,
  req: ArmRequest,
  key: string,
  rec: ComputeRecord,
  kind: OperationKind,
  status: number,
  withLocation: boolean,
  withBody: boolean,
) {
  const op = startOperation(w, kind, key, req.ctx.lroFailure);
  markInProgress(rec.resource, kind);
  rec.pendingOperationId = op.id;
  w.state.data.computes[key] = rec;
  w.state.save();
  return {
    status,
    headers: lroHeaders(w, op, req.apiVersion, withLocation),
    body: withBody ? clone(rec.resource) : undefined,
  };
}

function createOrUpdate(req: ArmRequest, w: World) {
  const ws = findWorkspace(w, req.params.workspaceName);
  const name = req.params.computeName;
  const key = computeKey(ws, name);
  const existing = settledCompute(w, key);
  if (existing) rejectWhileBusy(existing);
  // A compute whose creation failed is created afresh, as Azure ML does on the next PUT.
  const failedCreate =
    existing && (existing.resource.properties as Record<string, unknown>).provisioningState === 'Failed';
  const base = existing && !failedCreate ? existing.resource : undefined;
  const resource = buildCompute(
    req.body,
    {
      armId: `${workspaceArmId(w, ws)}/computes/${existing?.name ?? name}`,
      name: existing?.name ?? name,
      workspaceLocation: w.ids.location,
      tenantId: w.ids.tenantId,
      creatorObjectId: req.principal.objectId,
      now: new Date().toISOString(),
    },
    base,
  );
  const rec: ComputeRecord = { workspace: ws.name, name: existing?.name ?? name, resource };
  return base
    ? begin(w, req, key, rec, 'update', 200, false, true)
    : begin(w, req, key, rec, 'create', 201, false, true);
}

export const computeRoutes: ArmRoute[] = [
  {
    method: 'GET',
    template: COMPUTES,
    inSpec: true,
    handle: (req, w) => {
      const ws = findWorkspace(w, req.params.workspaceName);
      const prefix = `${ws.name}/`;
      const items = Object.keys(w.state.data.computes)
        .filter((k) => k.startsWith(prefix))
        .map((k) => settledCompute(w, k))
        .filter((r): r is ComputeRecord => r !== undefined)
        .map((r) => clone(r.resource));
      return { status: 200, body: page(w, req.path, req.query, items) };
    },
  },
  {
    method: 'GET',
    template: COMPUTE,
    inSpec: true,
    handle: (req, w) => {
      const ws = findWorkspace(w, req.params.workspaceName);
      return { status: 200, body: clone(requireCompute(w, ws, req.params.computeName).resource) };
    },
  },
  { method: 'PUT', template: COMPUTE, inSpec: true, handle: createOrUpdate },
  {
    method: 'PATCH',
    template: COMPUTE,
    inSpec: true,
    handle: (req, w) => {
      const ws = findWorkspace(w, req.params.workspaceName);
      const rec = requireCompute(w, ws, req.params.computeName);
      rejectWhileBusy(rec);
      const updated: ComputeRecord = { ...rec, resource: clone(rec.resource) };
      applyClusterUpdate(updated.resource, req.body, new Date().toISOString());
      return begin(w, req, computeKey(ws, rec.name), updated, 'update', 200, false, true);
    },
  },
  {
    method: 'DELETE',
    template: COMPUTE,
    inSpec: true,
    handle: (req, w) => {
      const ws = findWorkspace(w, req.params.workspaceName);
      const action = req.query.get('underlyingResourceAction');
      if (!action)
        throw armErrors.badRequest("The query parameter 'underlyingResourceAction' is required (Delete or Detach).");
      if (action !== 'Delete' && action !== 'Detach') {
        throw armErrors.badRequest(`underlyingResourceAction must be 'Delete' or 'Detach', not '${action}'.`);
      }
      const key = computeKey(ws, req.params.computeName);
      const rec = settledCompute(w, key);
      if (!rec) return { status: 204 };
      const props = rec.resource.properties as Record<string, unknown>;
      if (action === 'Detach' && props.isAttachedCompute !== true) {
        throw armErrors.badRequest(
          `Compute '${rec.name}' was created by Azure ML (${String(props.computeType)}); it can be deleted but not detached.`,
        );
      }
      return begin(w, req, key, rec, 'delete', 202, true, false);
    },
  },
  ...(['start', 'stop', 'restart'] as const).map((action): ArmRoute => ({
    method: 'POST',
    template: `${COMPUTE}/${action}`,
    inSpec: true,
    handle: (req, w) => {
      const ws = findWorkspace(w, req.params.workspaceName);
      const rec = requireCompute(w, ws, req.params.computeName);
      const props = rec.resource.properties as Record<string, unknown>;
      if (props.computeType !== 'ComputeInstance') {
        throw armErrors.badRequest(
          `Compute '${rec.name}' is a ${String(props.computeType)}; only compute instances can ${action}.`,
        );
      }
      rejectWhileBusy(rec);
      return begin(w, req, computeKey(ws, rec.name), rec, action, 202, true, false);
    },
  })),
  {
    method: 'POST',
    template: `${COMPUTE}/listNodes`,
    inSpec: true,
    handle: (req, w) => {
      const ws = findWorkspace(w, req.params.workspaceName);
      const rec = requireCompute(w, ws, req.params.computeName);
      const props = rec.resource.properties as Record<string, unknown>;
      if (props.computeType !== 'AmlCompute') {
        throw armErrors.badRequest(
          `Compute '${rec.name}' is a ${String(props.computeType)}; listNodes applies to AmlCompute clusters.`,
        );
      }
      const count = Number((props.properties as Record<string, unknown>).currentNodeCount ?? 0);
      const nodes = Array.from({ length: count }, (_, i) => ({
        nodeId: `tvmps_${rec.name.toLowerCase()}_${i}_d`,
        privateIpAddress: `10.0.0.${i + 4}`,
        publicIpAddress: '127.0.0.1',
        port: 50000 + i,
        nodeState: 'idle',
        runId: null,
      }));
      return { status: 200, body: { nodes } };
    },
  },
];
