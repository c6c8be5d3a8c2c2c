import { ArmError, armErrors } from '../arm-errors';
import { createJob, updateJob } from '../jobs/definition';
import { TERMINAL, type JobRecord } from '../jobs/model';
import { jobResource } from '../jobs/resource';
import { childrenOf, findJob, jobKey, jobsOf, requireJob, saveJob } from '../jobs/store';
import { isRecord } from '../http';
import { findWorkspace, page, PROVIDER, type World } from '../world';
import type { ArmRequest, ArmRoute } from './arm';

const WS = `subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/${PROVIDER}/workspaces/{workspaceName}`;
const LOCATION = `subscriptions/{subscriptionId}/providers/${PROVIDER}/locations/{location}`;

function matchesFilters(rec: JobRecord, query: URLSearchParams): boolean {
  const view = (query.get('listViewType') ?? 'ActiveOnly').toLowerCase();
  const archived = rec.request.isArchived === true;
  if (view === 'activeonly' && archived) return false;
  if (view === 'archivedonly' && !archived) return false;
  const jobType = query.get('jobType');
  if (jobType && jobType.toLowerCase() !== rec.jobType.toLowerCase()) return false;
  const tags = isRecord(rec.request.tags) ? rec.request.tags : {};
  const tag = query.get('tag');
  if (tag) {
    const [key, value] = tag.split('=');
    if (!(key in tags) || (value !== undefined && tags[key] !== value)) return false;
  }
  const properties = query.get('properties');
  if (properties) {
    const props = { ...(isRecord(rec.request.properties) ? rec.request.properties : {}), ...rec.serviceProperties };
    for (const pair of properties.split(',')) {
      const [key, value] = pair.split('=');
      if (!(key in props) || (value !== undefined && props[key] !== value)) return false;
    }
  }
  return true;
}

function listJobs(req: ArmRequest, w: World) {
  const ws = findWorkspace(w, req.params.workspaceName);
  // Steps and trials are not workspace-level jobs; clients list them through their parent.
  const parentName = req.query.get('parentJobName');
  const candidates = parentName
    ? childrenOf(w, requireJob(w, ws, parentName))
    : jobsOf(w, ws.name).filter((j) => !j.parent);
  const items = candidates
    .filter((j) => matchesFilters(j, req.query))
    .sort((a, b) => b.runNumber - a.runNumber)
    .map((j) => jobResource(w, ws, j));
  return { status: 200, body: page(w, req.path, req.query, items) };
}

function putJob(req: ArmRequest, w: World) {
  const ws = findWorkspace(w, req.params.workspaceName);
  const existing = findJob(w, ws.name, req.params.id);
  if (existing) {
    updateJob(w, ws, existing, req.body);
    saveJob(w, existing);
    return { status: 200, body: jobResource(w, ws, existing) };
  }
  const rec = createJob(w, ws, req.params.id, req.body);
  saveJob(w, rec);
  w.jobs?.start(rec);
  return { status: 201, body: jobResource(w, ws, rec) };
}

const cancelOperationId = (workspaceId: string, job: string): string => `jc:${workspaceId}:${job}`;

function cancelLocation(w: World, workspaceId: string, job: string, apiVersion: string): string {
  return `${w.baseUrl}/subscriptions/${w.ids.subscriptionId}/providers/${PROVIDER}/locations/${w.ids.location}/mfeOperationResults/${encodeURIComponent(cancelOperationId(workspaceId, job))}?api-version=${encodeURIComponent(apiVersion)}`;
}

export const jobRoutes: ArmRoute[] = [
  { method: 'GET', template: `${WS}/jobs`, inSpec: true, handle: listJobs },
  {
    method: 'GET',
    template: `${WS}/jobs/{id}`,
    inSpec: true,
    handle: (req, w) => {
      const ws = findWorkspace(w, req.params.workspaceName);
      return { status: 200, body: jobResource(w, ws, requireJob(w, ws, req.params.id)) };
    },
  },
  { method: 'PUT', template: `${WS}/jobs/{id}`, inSpec: true, handle: putJob },
  {
    method: 'DELETE',
    template: `${WS}/jobs/{id}`,
    inSpec: true,
    handle: (req, w) => {
      const ws = findWorkspace(w, req.params.workspaceName);
      const rec = findJob(w, ws.name, req.params.id);
      if (!rec) return { status: 204 };
      if (!TERMINAL.has(rec.status)) {
        throw armErrors.conflict(
          `Job '${rec.name}' is ${rec.status}; cancel it and wait until it has stopped before deleting it.`,
        );
      }
      for (const child of childrenOf(w, rec)) delete w.state.data.jobs[jobKey(ws.name, child.name)];
      delete w.state.data.jobs[jobKey(ws.name, rec.name)];
      w.state.save();
      return { status: 200 };
    },
  },
  {
    method: 'POST',
    template: `${WS}/jobs/{id}/cancel`,
    inSpec: true,
    handle: (req, w) => {
      const ws = findWorkspace(w, req.params.workspaceName);
      const rec = requireJob(w, ws, req.params.id);
      if (!TERMINAL.has(rec.status)) w.jobs?.cancel(rec);
      return {
        status: 202,
        headers: {
          location: cancelLocation(w, ws.workspaceId, rec.name, req.apiVersion),
          'retry-after': String(w.retryAfterSeconds),
        },
      };
    },
  },
  {
    // Where the Location of a cancel points: 202 until the job has stopped, then 200.
    method: 'GET',
    template: `${LOCATION}/mfeOperationResults/{operationId}`,
    inSpec: false,
    handle: (req, w) => {
      const m = /^jc:([^:]+):(.+)$/.exec(req.params.operationId);
      const ws = m && w.ids.workspaces.find((x) => x.workspaceId === m[1]);
      const rec = ws && m ? findJob(w, ws.name, m[2]) : undefined;
      if (!ws || !rec) {
        throw new ArmError(404, 'NotFound', `The operation '${req.params.operationId}' was not found or has expired.`);
      }
      if (TERMINAL.has(rec.status)) return { status: 200 };
      return {
        status: 202,
        headers: {
          location: cancelLocation(w, ws.workspaceId, rec.name, req.apiVersion),
          'retry-after': String(w.retryAfterSeconds),
        },
      };
    },
  },
];
