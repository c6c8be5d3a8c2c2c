import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { matchesFilter, parseFilter, sortRuns } from './mlflow-search';

/**
 * The MLflow tracking data of the workspaces: experiments, runs, metrics (full history), params
 * and tags. A job's run has the job's name as its id. Kept in memory and written to mlflow.json in
 * the state folder shortly after each change (metrics arrive in bursts; one write covers many).
 */

export interface MetricPoint {
  value: number;
  timestamp: number;
  step: number;
}

export interface MlflowExperiment {
  id: string;
  workspace: string;
  name: string;
  creationTime: number;
  lastUpdateTime: number;
  tags: Record<string, string>;
}

export interface MlflowRun {
  id: string;
  workspace: string;
  experimentId: string;
  runName: string;
  status: string;
  startTime: number;
  endTime?: number;
  userId: string;
  metrics: Record<string, MetricPoint[]>;
  params: Record<string, string>;
  tags: Record<string, string>;
  /** The run belongs to a job: its status follows the job's. */
  job?: boolean;
}

interface Persisted {
  experiments: Record<string, MlflowExperiment>;
  runs: Record<string, MlflowRun>;
}

export class MlflowError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
  }
}

const SAVE_DELAY_MS = 200;
const RUN_STATUSES = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];

const runKey = (workspace: string, id: string): string => `${workspace}/${id}`;

export class MlflowStore {
  private data: Persisted = { experiments: {}, runs: {} };
  private timer?: NodeJS.Timeout;
  /** Status of a job's run, from the job itself (set by the emulator). */
  jobRunStatus?: (workspace: string, runId: string) => string | undefined;

  constructor(private readonly file?: string) {
    if (file && fs.existsSync(file)) this.data = JSON.parse(fs.readFileSync(file, 'utf8')) as Persisted;
  }

  // ------------------------------------------------------------------ experiments

  experimentByName(workspace: string, name: string): MlflowExperiment | undefined {
    return Object.values(this.data.experiments).find(
      (e) => e.workspace === workspace && e.name.toLowerCase() === name.toLowerCase(),
    );
  }

  experimentById(workspace: string, id: string): MlflowExperiment {
    const exp = this.data.experiments[id];
    if (!exp || exp.workspace !== workspace) {
      throw new MlflowError(404, 'RESOURCE_DOES_NOT_EXIST', `Could not find experiment with ID ${id}`);
    }
    return exp;
  }

  createExperiment(workspace: string, name: string, tags: Record<string, string> = {}): MlflowExperiment {
    if (!name) throw new MlflowError(400, 'INVALID_PARAMETER_VALUE', 'Experiment name must not be empty.');
    if (this.experimentByName(workspace, name)) {
      throw new MlflowError(400, 'RESOURCE_ALREADY_EXISTS', `Experiment '${name}' already exists.`);
    }
    const now = Date.now();
    const exp: MlflowExperiment = {
      id: crypto.randomUUID(),
      workspace,
      name,
      creationTime: now,
      lastUpdateTime: now,
      tags,
    };
    this.data.experiments[exp.id] = exp;
    this.changed();
    return exp;
  }

  ensureExperiment(workspace: string, name: string): MlflowExperiment {
    return this.experimentByName(workspace, name) ?? this.createExperiment(workspace, name);
  }

  // ------------------------------------------------------------------ runs

  createRun(
    workspace: string,
    init: {
      experimentId: string;
      runId?: string;
      runName?: string;
      startTime?: number;
      tags?: Record<string, string>;
      userId?: string;
      job?: boolean;
    },
  ): MlflowRun {
    this.experimentById(workspace, init.experimentId);
    const id = init.runId ?? crypto.randomUUID().replace(/-/g, '');
    const existing = this.data.runs[runKey(workspace, id)];
    if (existing) return existing;
    const runName = init.runName ?? init.tags?.['mlflow.runName'] ?? id;
    const run: MlflowRun = {
      id,
      workspace,
      experimentId: init.experimentId,
      runName,
      status: init.job ? 'SCHEDULED' : 'RUNNING',
      startTime: init.startTime ?? Date.now(),
      userId: init.userId ?? '',
      metrics: {},
      params: {},
      tags: { 'mlflow.runName': runName, ...(init.tags ?? {}) },
      job: init.job,
    };
    this.data.runs[runKey(workspace, id)] = run;
    this.changed();
    return run;
  }

  findRun(workspace: string, id: string): MlflowRun | undefined {
    return this.data.runs[runKey(workspace, id)];
  }

  getRun(workspace: string, id: string): MlflowRun {
    const run = this.findRun(workspace, id);
    if (!run) throw new MlflowError(404, 'RESOURCE_DOES_NOT_EXIST', `Run '${id}' not found`);
    return run;
  }

  /** The run's status; a job's run reports the job's status. */
  statusOf(run: MlflowRun): string {
    return (run.job && this.jobRunStatus?.(run.workspace, run.id)) || run.status;
  }

  logMetric(workspace: string, id: string, key: string, point: MetricPoint): void {
    if (!key) throw new MlflowError(400, 'INVALID_PARAMETER_VALUE', 'Metric key must not be empty.');
    if (typeof point.value !== 'number' || !Number.isFinite(point.step) || !Number.isFinite(point.timestamp)) {
      throw new MlflowError(
        400,
        'INVALID_PARAMETER_VALUE',
        `Metric '${key}' needs a numeric value, timestamp and step.`,
      );
    }
    const run = this.getRun(workspace, id);
    (run.metrics[key] ??= []).push(point);
    this.changed();
  }

  logParam(workspace: string, id: string, key: string, value: string): void {
    const run = this.getRun(workspace, id);
    const old = run.params[key];
    if (old !== undefined && old !== value) {
      throw new MlflowError(
        400,
        'INVALID_PARAMETER_VALUE',
        `Changing param values is not allowed. Param with key='${key}' was already logged with value='${old}' for run ID='${id}'. Attempted logging new value '${value}'.`,
      );
    }
    run.params[key] = value;
    this.changed();
  }

  setTag(workspace: string, id: string, key: string, value: string): void {
    const run = this.getRun(workspace, id);
    run.tags[key] = value;
    if (key === 'mlflow.runName') run.runName = value;
    this.changed();
  }

  deleteTag(workspace: string, id: string, key: string): void {
    delete this.getRun(workspace, id).tags[key];
    this.changed();
  }

  updateRun(workspace: string, id: string, update: { status?: string; endTime?: number; runName?: string }): MlflowRun {
    const run = this.getRun(workspace, id);
    if (update.status !== undefined) {
      if (!RUN_STATUSES.includes(update.status)) {
        throw new MlflowError(400, 'INVALID_PARAMETER_VALUE', `Invalid run status '${update.status}'.`);
      }
      // A job's run ends with its job: the script's end_run() does not end the job.
      if (!run.job) run.status = update.status;
    }
    if (update.endTime !== undefined && !run.job) run.endTime = update.endTime;
    if (update.runName) {
      run.runName = update.runName;
      run.tags['mlflow.runName'] = update.runName;
    }
    this.changed();
    return run;
  }

  /** A job's run ended: its end time is the job's. */
  endJobRun(workspace: string, id: string, endTime: number): void {
    const run = this.findRun(workspace, id);
    if (!run) return;
    run.endTime = endTime;
    this.changed();
  }

  metricHistory(workspace: string, id: string, key: string): MetricPoint[] {
    return this.getRun(workspace, id).metrics[key] ?? [];
  }

  searchRuns(
    workspace: string,
    query: { experimentIds: string[]; filter?: string; orderBy?: string[]; maxResults?: number; pageToken?: string },
  ): { runs: MlflowRun[]; nextPageToken?: string } {
    const clauses = parseFilter(query.filter ?? '');
    const ids = new Set(query.experimentIds);
    const matching = Object.values(this.data.runs).filter(
      (r) =>
        r.workspace === workspace &&
        (ids.size === 0 || ids.has(r.experimentId)) &&
        matchesFilter(r, this.statusOf(r), clauses),
    );
    const sorted = sortRuns(matching, query.orderBy ?? []);
    const offset = query.pageToken && /^\d+$/.test(query.pageToken) ? Number(query.pageToken) : 0;
    const max = Math.min(Math.max(query.maxResults ?? 1000, 1), 50_000);
    const runs = sorted.slice(offset, offset + max);
    return { runs, nextPageToken: offset + max < sorted.length ? String(offset + max) : undefined };
  }

  // ------------------------------------------------------------------ persistence

  private changed(): void {
    if (!this.file || this.timer) return;
    this.timer = setTimeout(() => this.flush(), SAVE_DELAY_MS);
    this.timer.unref();
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.file) return;
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    fs.writeFileSync(tmp, JSON.stringify(this.data));
    fs.renameSync(tmp, this.file);
  }
}
