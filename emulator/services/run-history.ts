import * as crypto from 'node:crypto';
import { ArmError } from '../arm-errors';
import type { ArmAuthenticator } from '../arm-auth';
import { isRecord, segments, type Reply, type RequestContext } from '../http';
import { computeName } from '../jobs/definition';
import type { JobRecord } from '../jobs/model';
import { childrenOf, findJob, saveJob } from '../jobs/store';
import type { WorkspaceSeed } from '../state';
import type { World } from '../world';

/**
 * Run history, the regional service behind `az ml job stream` and azure-ai-ml's
 * stream_logs_until_completion / jobs.list(parent_job_name=...):
 * /history/v1.0/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{ws}/
 *   runs/{runId} | runs/{runId}/details | runs/{runId}/children
 * (also under experiments/{name}/ and experimentids/{id}/). Every job is a run whose id is the job name.
 */

export interface RunHistoryDeps {
  world: World;
  auth: ArmAuthenticator;
  /** Log file name -> readable URL, for a job's current files. */
  logFiles(rec: JobRecord): Record<string, string>;
  /** The MLflow experiment id of a job's experiment. */
  experimentId(rec: JobRecord): string;
}

const WORKSPACE_PATH = [
  'history',
  'v1.0',
  'subscriptions',
  '*',
  'resourcegroups',
  '*',
  'providers',
  'microsoft.machinelearningservices',
  'workspaces',
  '*',
];
const CHILDREN_PAGE = 100;

export const isRunHistoryPath = (path: string): boolean => /^\/history\/v1\.0\//i.test(path);

export async function handleRunHistory(ctx: RequestContext, deps: RunHistoryDeps): Promise<Reply> {
  try {
    deps.auth.authenticate(ctx.req.headers.authorization);
    const parts = segments(ctx.path);
    if (!WORKSPACE_PATH.every((p, i) => p === '*' || parts[i]?.toLowerCase() === p)) throw notFound(ctx.path);
    const w = deps.world;
    if (
      parts[3].toLowerCase() !== w.ids.subscriptionId.toLowerCase() ||
      parts[5].toLowerCase() !== w.ids.resourceGroup.toLowerCase()
    ) {
      throw new ArmError(404, 'NotFound', `Workspace ${parts[9]} not found.`);
    }
    const ws = w.ids.workspaces.find((x) => x.name.toLowerCase() === parts[9].toLowerCase());
    if (!ws) throw new ArmError(404, 'NotFound', `Workspace ${parts[9]} not found.`);
    let tail = parts.slice(WORKSPACE_PATH.length);
    // experiments/{name}/runs/... and experimentids/{id}/runs/... address the same runs.
    if (/^experiment(s|ids)$/i.test(tail[0] ?? '')) tail = tail.slice(2);
    if (tail[0]?.toLowerCase() !== 'runs' || !tail[1] || tail.length > 3) throw notFound(ctx.path);
    const rec = findJob(w, ws.name, tail[1]);
    if (!rec) throw new ArmError(404, 'UserError', `Run ${tail[1]} was not found`);
    const action = (tail[2] ?? '').toLowerCase();
    if (ctx.method === 'GET' && action === '') return { status: 200, body: runJson(rec, ws, deps) };
    if (ctx.method === 'GET' && action === 'details') return { status: 200, body: runDetails(rec, ws, deps) };
    if (ctx.method === 'GET' && action === 'children') return { status: 200, body: children(ctx, rec, ws, deps) };
    if (ctx.method === 'PATCH' && action === '') return { status: 200, body: patchRun(ctx, rec, ws, deps) };
    throw notFound(ctx.path);
  } catch (e) {
    if (e instanceof ArmError) {
      return { status: e.status, headers: e.headers, body: { error: { code: e.code, message: e.message } } };
    }
    throw e;
  }
}

const notFound = (path: string): ArmError =>
  new ArmError(404, 'NotFound', `The local emulator's run history has no endpoint ${path}.`);

/** A stable GUID per run, as run history gives each run a runUuid. */
function runUuid(ws: WorkspaceSeed, name: string): string {
  const h = crypto.createHash('sha256').update(`${ws.workspaceId}/${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** .NET TimeSpan text (hh:mm:ss.fffffff), as run history reports durations. */
function timeSpan(ms: number): string {
  const total = Math.max(0, ms);
  const h = Math.floor(total / 3600_000);
  const m = Math.floor((total % 3600_000) / 60_000);
  const s = Math.floor((total % 60_000) / 1000);
  const frac = String(Math.round((total % 1000) * 10_000)).padStart(7, '0');
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}.${frac}`;
}

function runType(rec: JobRecord): { runType: string; runTypeV2: Record<string, unknown> } {
  if (rec.jobType === 'Pipeline') {
    return { runType: 'azureml.PipelineRun', runTypeV2: { orchestrator: 'AzureML', traits: ['PipelineRun'] } };
  }
  if (rec.jobType === 'Sweep') {
    return { runType: 'hyperdrive', runTypeV2: { orchestrator: 'HyperDrive', traits: ['HyperDrive'] } };
  }
  return {
    runType: 'azureml.scriptrun',
    runTypeV2: { orchestrator: 'Execution', traits: ['scriptRun', 'CommonRuntime'], computeType: 'AmlCompute' },
  };
}

function errorJson(rec: JobRecord): Record<string, unknown> | undefined {
  if (!rec.error) return undefined;
  return {
    error: { code: rec.error.code, message: rec.error.message, messageFormat: rec.error.message, details: [] },
    time: rec.endTime ?? rec.modifiedAt,
    componentName: 'CommonRuntime',
  };
}

function common(rec: JobRecord, ws: WorkspaceSeed, deps: RunHistoryDeps): Record<string, unknown> {
  const w = deps.world;
  const req = rec.request;
  const parent = rec.parent ? findJob(w, ws.name, rec.parent) : undefined;
  const root = parent?.parent ? findJob(w, ws.name, parent.parent) : parent;
  const target = computeName(req.computeId) ?? 'serverless';
  const user = {
    userObjectId: w.ids.clientObjectId,
    userTenantId: w.ids.tenantId,
    userName: 'amlops-emulator-deployer',
  };
  const end = rec.endTime ? Date.parse(rec.endTime) : Date.now();
  return {
    runId: rec.name,
    runUuid: runUuid(ws, rec.name),
    parentRunId: rec.parent ?? null,
    parentRunUuid: rec.parent ? runUuid(ws, rec.parent) : null,
    rootRunId: root?.name ?? rec.name,
    rootRunUuid: runUuid(ws, root?.name ?? rec.name),
    experimentId: deps.experimentId(rec),
    status: rec.status,
    startTimeUtc: rec.startTime ?? null,
    endTimeUtc: rec.endTime ?? null,
    createdBy: user,
    lastModifiedBy: user,
    userId: w.ids.clientObjectId,
    lastModifiedUtc: rec.modifiedAt,
    error: errorJson(rec) ?? null,
    warnings: rec.warnings.map((message) => ({ source: 'amlops-emulator', message })),
    revision: 1,
    statusRevision: 1,
    runNumber: rec.runNumber,
    target,
    compute: { target, targetType: 'AmlCompute' },
    tags: isRecord(req.tags) ? req.tags : {},
    properties: { ...(isRecord(req.properties) ? req.properties : {}), ...rec.serviceProperties },
    parameters: {},
    services: {},
    inputDatasets: [],
    outputDatasets: [],
    duration: rec.startTime ? timeSpan(end - Date.parse(rec.startTime)) : null,
    ...runType(rec),
  };
}

function runJson(rec: JobRecord, ws: WorkspaceSeed, deps: RunHistoryDeps): Record<string, unknown> {
  return {
    ...common(rec, ws, deps),
    createdUtc: rec.createdAt,
    displayName: rec.request.displayName ?? rec.name,
    name: rec.request.displayName ?? rec.name,
    description: rec.request.description ?? null,
    hidden: false,
  };
}

function runDetails(rec: JobRecord, ws: WorkspaceSeed, deps: RunHistoryDeps): Record<string, unknown> {
  return {
    ...common(rec, ws, deps),
    createdTimeUtc: rec.createdAt,
    logFiles: deps.logFiles(rec),
    runDefinition: { jobType: rec.jobType },
    settings: {},
  };
}

function children(
  ctx: RequestContext,
  rec: JobRecord,
  ws: WorkspaceSeed,
  deps: RunHistoryDeps,
): Record<string, unknown> {
  const all = childrenOf(deps.world, rec);
  const token = ctx.query.get('$continuationtoken');
  const offset = token && /^\d+$/.test(token) ? Number(token) : 0;
  const topRaw = Number(ctx.query.get('$top'));
  const size = Number.isInteger(topRaw) && topRaw > 0 ? Math.min(topRaw, CHILDREN_PAGE) : CHILDREN_PAGE;
  const value = all.slice(offset, offset + size).map((c) => runJson(c, ws, deps));
  if (offset + size >= all.length) return { value, continuationToken: null, nextLink: null };
  const next = new URLSearchParams(ctx.query);
  next.set('$continuationtoken', String(offset + size));
  return { value, continuationToken: String(offset + size), nextLink: `${deps.world.baseUrl}${ctx.path}?${next}` };
}

/** Inline edits (Studio, newer azure-ai-ml's jobs.update): tags merge, description and display name change. */
function patchRun(
  ctx: RequestContext,
  rec: JobRecord,
  ws: WorkspaceSeed,
  deps: RunHistoryDeps,
): Record<string, unknown> {
  const body = isRecord(ctx.body) ? ctx.body : {};
  if (isRecord(body.tags)) rec.request.tags = { ...(isRecord(rec.request.tags) ? rec.request.tags : {}), ...body.tags };
  if (typeof body.description === 'string') rec.request.description = body.description;
  if (typeof body.displayName === 'string') rec.request.displayName = body.displayName;
  saveJob(deps.world, rec);
  return runJson(rec, ws, deps);
}
