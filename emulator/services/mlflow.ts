import { ArmError } from '../arm-errors';
import type { ArmAuthenticator } from '../arm-auth';
import { isRecord, segments, type Reply, type RequestContext } from '../http';
import type { WorkspaceSeed } from '../state';
import type { World } from '../world';
import { MlflowError, type MlflowExperiment, type MlflowRun, type MlflowStore } from './mlflow-store';

/**
 * MLflow's tracking REST API as an Azure ML workspace serves it:
 * /mlflow/v1.0/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{ws}/api/2.0/mlflow/<call>
 * (azureml-mlflow turns the workspace's azureml:// tracking URI into that https URL; real MLflow
 * with MLFLOW_TRACKING_URI set to it calls the same paths).
 */

export interface MlflowDeps {
  world: World;
  auth: ArmAuthenticator;
  store: MlflowStore;
}

const PREFIX = [
  'mlflow',
  'v1.0',
  'subscriptions',
  '*',
  'resourcegroups',
  '*',
  'providers',
  'microsoft.machinelearningservices',
  'workspaces',
  '*',
  'api',
  '2.0',
  'mlflow',
];

type Params = Record<string, unknown>;
type Handler = (ws: WorkspaceSeed, p: Params, deps: MlflowDeps) => unknown;

export function isMlflowPath(path: string): boolean {
  return /^\/mlflow\/v1\.0\//i.test(path);
}

export async function handleMlflow(ctx: RequestContext, deps: MlflowDeps): Promise<Reply> {
  try {
    deps.auth.authenticate(ctx.req.headers.authorization);
    const parts = segments(ctx.path);
    const matches = PREFIX.every((p, i) => p === '*' || parts[i]?.toLowerCase() === p);
    if (!matches) throw notFound(ctx);
    const w = deps.world;
    if (
      parts[3].toLowerCase() !== w.ids.subscriptionId.toLowerCase() ||
      parts[5].toLowerCase() !== w.ids.resourceGroup.toLowerCase()
    ) {
      throw new MlflowError(404, 'RESOURCE_DOES_NOT_EXIST', `Workspace ${parts[9]} not found.`);
    }
    const ws = w.ids.workspaces.find((x) => x.name.toLowerCase() === parts[9].toLowerCase());
    if (!ws) throw new MlflowError(404, 'RESOURCE_DOES_NOT_EXIST', `Workspace ${parts[9]} not found.`);
    const call = parts.slice(PREFIX.length).join('/');
    const handler = HANDLERS[`${ctx.method} ${call}`];
    if (!handler) throw notFound(ctx);
    const params: Params = ctx.method === 'GET' ? Object.fromEntries(ctx.query) : isRecord(ctx.body) ? ctx.body : {};
    return { status: 200, body: handler(ws, params, deps) ?? {} };
  } catch (e) {
    if (e instanceof MlflowError) return { status: e.status, body: { error_code: e.errorCode, message: e.message } };
    if (e instanceof ArmError) {
      const code =
        e.status === 401 ? 'UNAUTHENTICATED' : e.status === 403 ? 'PERMISSION_DENIED' : 'INVALID_PARAMETER_VALUE';
      return { status: e.status, headers: e.headers, body: { error_code: code, message: e.message } };
    }
    throw e;
  }
}

function notFound(ctx: RequestContext): MlflowError {
  return new MlflowError(
    404,
    'ENDPOINT_NOT_FOUND',
    `The local emulator's MLflow API has no endpoint ${ctx.method} ${ctx.path}.`,
  );
}

const str = (p: Params, key: string, alt?: string): string => {
  const v = p[key] ?? (alt ? p[alt] : undefined);
  if (typeof v !== 'string' || !v)
    throw new MlflowError(400, 'INVALID_PARAMETER_VALUE', `Missing value for required parameter '${key}'.`);
  return v;
};
const num = (v: unknown, fallback: number): number => {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : fallback;
};
const keyValues = (v: unknown): Array<{ key: string; value: string }> =>
  (Array.isArray(v) ? v : []).filter(isRecord).map((t) => ({ key: String(t.key), value: String(t.value ?? '') }));

function experimentJson(e: MlflowExperiment, deps: MlflowDeps): Record<string, unknown> {
  return {
    experiment_id: e.id,
    name: e.name,
    artifact_location: `${trackingBase(deps, e.workspace)}/experiments/${e.id}`,
    lifecycle_stage: 'active',
    last_update_time: e.lastUpdateTime,
    creation_time: e.creationTime,
    tags: Object.entries(e.tags).map(([key, value]) => ({ key, value })),
  };
}

function trackingBase(deps: MlflowDeps, workspace: string): string {
  const w = deps.world;
  const host = new URL(w.baseUrl).host;
  return `azureml://${host}/mlflow/v2.0/subscriptions/${w.ids.subscriptionId}/resourceGroups/${w.ids.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${workspace}`;
}

export function runJson(run: MlflowRun, deps: MlflowDeps): Record<string, unknown> {
  const status = deps.store.statusOf(run);
  const info: Record<string, unknown> = {
    run_id: run.id,
    run_uuid: run.id,
    run_name: run.runName,
    experiment_id: run.experimentId,
    user_id: run.userId,
    status,
    start_time: run.startTime,
    artifact_uri: `${trackingBase(deps, run.workspace)}/experiments/${run.experimentId}/runs/${run.id}/artifacts`,
    lifecycle_stage: 'active',
  };
  if (run.endTime !== undefined) info.end_time = run.endTime;
  const metrics = Object.entries(run.metrics).map(([key, points]) => {
    const last = points[points.length - 1];
    return { key, value: last.value, timestamp: last.timestamp, step: last.step };
  });
  return {
    info,
    data: {
      metrics,
      params: Object.entries(run.params).map(([key, value]) => ({ key, value })),
      tags: Object.entries(run.tags).map(([key, value]) => ({ key, value })),
    },
  };
}

function logBatch(ws: WorkspaceSeed, p: Params, deps: MlflowDeps): void {
  const runId = str(p, 'run_id', 'run_uuid');
  for (const m of (Array.isArray(p.metrics) ? p.metrics : []).filter(isRecord)) {
    deps.store.logMetric(ws.name, runId, String(m.key), {
      value: num(m.value, NaN),
      timestamp: num(m.timestamp, Date.now()),
      step: num(m.step, 0),
    });
  }
  for (const { key, value } of keyValues(p.params)) deps.store.logParam(ws.name, runId, key, value);
  for (const { key, value } of keyValues(p.tags)) deps.store.setTag(ws.name, runId, key, value);
}

const HANDLERS: Record<string, Handler> = {
  'GET experiments/get-by-name': (ws, p, deps) => {
    const name = str(p, 'experiment_name');
    const e = deps.store.experimentByName(ws.name, name);
    if (!e) throw new MlflowError(404, 'RESOURCE_DOES_NOT_EXIST', `Could not find experiment with name '${name}'`);
    return { experiment: experimentJson(e, deps) };
  },
  'GET experiments/get': (ws, p, deps) => ({
    experiment: experimentJson(deps.store.experimentById(ws.name, str(p, 'experiment_id')), deps),
  }),
  'POST experiments/create': (ws, p, deps) => {
    const tags = Object.fromEntries(keyValues(p.tags).map((t) => [t.key, t.value]));
    return { experiment_id: deps.store.createExperiment(ws.name, str(p, 'name'), tags).id };
  },
  'POST runs/create': (ws, p, deps) => {
    const tags = Object.fromEntries(keyValues(p.tags).map((t) => [t.key, t.value]));
    const experimentId =
      typeof p.experiment_id === 'string' && p.experiment_id !== '0'
        ? p.experiment_id
        : deps.store.ensureExperiment(ws.name, 'Default').id;
    const run = deps.store.createRun(ws.name, {
      experimentId,
      runName: typeof p.run_name === 'string' && p.run_name ? p.run_name : undefined,
      startTime: num(p.start_time, Date.now()),
      tags,
      userId: typeof p.user_id === 'string' ? p.user_id : '',
    });
    return { run: runJson(run, deps) };
  },
  'GET runs/get': (ws, p, deps) => ({ run: runJson(deps.store.getRun(ws.name, str(p, 'run_id', 'run_uuid')), deps) }),
  'POST runs/update': (ws, p, deps) => {
    const run = deps.store.updateRun(ws.name, str(p, 'run_id', 'run_uuid'), {
      status: typeof p.status === 'string' ? p.status : undefined,
      endTime: p.end_time === undefined ? undefined : num(p.end_time, Date.now()),
      runName: typeof p.run_name === 'string' ? p.run_name : undefined,
    });
    return { run_info: runJson(run, deps).info };
  },
  'POST runs/search': (ws, p, deps) => {
    const result = deps.store.searchRuns(ws.name, {
      experimentIds: (Array.isArray(p.experiment_ids) ? p.experiment_ids : []).map(String),
      filter: typeof p.filter === 'string' ? p.filter : undefined,
      orderBy: (Array.isArray(p.order_by) ? p.order_by : []).map(String),
      maxResults: num(p.max_results, 1000),
      pageToken: typeof p.page_token === 'string' ? p.page_token : undefined,
    });
    return {
      runs: result.runs.map((r) => runJson(r, deps)),
      ...(result.nextPageToken ? { next_page_token: result.nextPageToken } : {}),
    };
  },
  'POST runs/log-metric': (ws, p, deps) => {
    deps.store.logMetric(ws.name, str(p, 'run_id', 'run_uuid'), str(p, 'key'), {
      value: num(p.value, NaN),
      timestamp: num(p.timestamp, Date.now()),
      step: num(p.step, 0),
    });
  },
  'POST runs/log-parameter': (ws, p, deps) => {
    deps.store.logParam(ws.name, str(p, 'run_id', 'run_uuid'), str(p, 'key'), String(p.value ?? ''));
  },
  'POST runs/set-tag': (ws, p, deps) => {
    deps.store.setTag(ws.name, str(p, 'run_id', 'run_uuid'), str(p, 'key'), String(p.value ?? ''));
  },
  'POST runs/delete-tag': (ws, p, deps) => {
    deps.store.deleteTag(ws.name, str(p, 'run_id'), str(p, 'key'));
  },
  'POST runs/log-batch': logBatch,
  // Dataset and model lineage: accepted and not kept (nothing in the emulator reads them).
  'POST runs/log-inputs': (ws, p, deps) => void deps.store.getRun(ws.name, str(p, 'run_id')),
  'POST runs/log-model': (ws, p, deps) => void deps.store.getRun(ws.name, str(p, 'run_id')),
  'GET metrics/get-history': (ws, p, deps) => ({
    metrics: deps.store
      .metricHistory(ws.name, str(p, 'run_id', 'run_uuid'), str(p, 'metric_key'))
      .map((m) => ({ key: p.metric_key, value: m.value, timestamp: m.timestamp, step: m.step })),
  }),
};
