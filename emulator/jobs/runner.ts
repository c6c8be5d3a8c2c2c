import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MlflowStore } from '../services/mlflow-store';
import type { WorkspaceSeed } from '../state';
import { findWorkspace, workspaceArmId, type World } from '../world';
import { BindingError } from './bindings';
import { DataError } from './data';
import { newJobRecord } from './definition';
import { JobLogs, LIFECYCLER_LOG } from './logs';
import { TERMINAL, type JobControl, type JobError, type JobRecord, type JobStatus } from './model';
import { artifactPrefix } from './resource';
import { NOT_RUN_LOCALLY, runNotLocally } from './not-run-locally';
import { jobKey, saveJob } from './store';
import { datastoreSeeds } from '../routes/datastores';

/** How a job ended. */
export interface Outcome {
  status: 'Completed' | 'Failed' | 'Canceled';
  error?: JobError;
}

/** What an executor (command, pipeline, sweep) gets to run one job. */
export interface JobContext {
  readonly w: World;
  readonly ws: WorkspaceSeed;
  readonly rec: JobRecord;
  /** Aborted when the job is canceled (reason 'canceled') or the emulator stops (reason 'shutdown'). */
  readonly signal: AbortSignal;
  readonly logs: JobLogs;
  /** The job's local folder (working directory, inputs, outputs, logs). */
  readonly folder: string;
  readonly runner: JobRunner;
  setStatus(status: JobStatus): void;
  /** The short wait Azure ML spends in Queued and Preparing; rejects when the job is canceled. */
  pause(): Promise<void>;
}

export type Executor = (job: JobContext) => Promise<Outcome>;

export interface RunnerOptions {
  world: World;
  /** Where job folders live (<state>/jobs). */
  jobsDir: string;
  mlflow: MlflowStore;
  /** Time a job spends in each status before its process starts (Queued, Preparing). */
  statusDelayMs: number;
  /** A bearer token the job's processes use for MLflow and run history. */
  issueRunToken(): string;
  caCertFile: string;
  executors: Record<string, Executor>;
}

interface Active {
  controller: AbortController;
  done: Promise<void>;
}

/** Errors that are the job's own fault (bad inputs, bad bindings) rather than the emulator's. */
export class UserJobError extends Error {}

/**
 * Runs jobs locally, one asynchronous execution per job, and owns their status: every change is
 * saved, written to the job's lifecycler log and seen by MLflow as the run's status.
 */
export class JobRunner implements JobControl {
  private readonly active = new Map<string, Active>();
  private readonly waiters = new Map<string, Array<(rec: JobRecord) => void>>();

  constructor(readonly options: RunnerOptions) {
    options.mlflow.jobRunStatus = (workspace, runId) => {
      const rec = options.world.state.data.jobs[jobKey(workspace, runId)];
      return rec ? mlflowStatus(rec.status) : undefined;
    };
  }

  get world(): World {
    return this.options.world;
  }

  /** Jobs that were running when the emulator last stopped cannot resume: they end Failed. */
  recover(): void {
    for (const rec of Object.values(this.world.state.data.jobs)) {
      if (TERMINAL.has(rec.status)) continue;
      rec.status = 'Failed';
      rec.endTime = new Date().toISOString();
      rec.error = { code: 'SystemError', message: 'The local emulator stopped while this job ran; submit it again.' };
      saveJob(this.world, rec);
    }
  }

  start(rec: JobRecord): void {
    const ws = findWorkspace(this.world, rec.workspace);
    this.ensureMlflowRun(ws, rec);
    const controller = new AbortController();
    const key = jobKey(rec.workspace, rec.name);
    const done = this.execute(ws, rec, controller.signal).finally(() => this.active.delete(key));
    this.active.set(key, { controller, done });
  }

  cancel(rec: JobRecord): void {
    const running = this.active.get(jobKey(rec.workspace, rec.name));
    if (running) {
      if (rec.status === 'Running') this.setStatus(rec, 'CancelRequested');
      running.controller.abort('canceled');
      return;
    }
    if (!TERMINAL.has(rec.status)) this.finish(rec, { status: 'Canceled' });
  }

  /** Creates and runs a step or trial of `parent`; resolves with its record once it has ended. */
  async runChild(
    parent: JobRecord,
    name: string,
    properties: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<JobRecord> {
    const ws = findWorkspace(this.world, parent.workspace);
    const rec = newJobRecord(this.world, ws, name, properties, parent.name);
    saveJob(this.world, rec);
    this.start(rec);
    const onAbort = (): void => this.cancel(rec);
    // A parent canceled while this child was being created cancels it at once.
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await this.waitFor(rec);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  waitFor(rec: JobRecord): Promise<JobRecord> {
    if (TERMINAL.has(rec.status)) return Promise.resolve(rec);
    return new Promise((resolve) => {
      const key = jobKey(rec.workspace, rec.name);
      this.waiters.set(key, [...(this.waiters.get(key) ?? []), resolve]);
    });
  }

  /** Stops every running job (emulator shutdown) and waits for their processes to end. */
  async stop(): Promise<void> {
    const all = [...this.active.values()];
    for (const a of all) a.controller.abort('shutdown');
    await Promise.race([Promise.allSettled(all.map((a) => a.done)), new Promise((r) => setTimeout(r, 10_000).unref())]);
    this.options.mlflow.flush();
  }

  folderOf(rec: JobRecord): string {
    return path.join(this.options.jobsDir, rec.workspace, rec.name);
  }

  logsOf(rec: JobRecord): JobLogs {
    const ws = findWorkspace(this.world, rec.workspace);
    const blobs = this.world.blobs;
    const artifactStore = datastoreSeeds(ws).find((d) => d.name === 'workspaceartifactstore');
    return new JobLogs(
      path.join(this.folderOf(rec), 'logs'),
      blobs && artifactStore
        ? { blobs, container: artifactStore.container, prefix: artifactPrefix(rec.name) }
        : undefined,
      (e) => this.world.log(`job ${rec.name}: copying logs to storage failed: ${(e as Error).message}`),
    );
  }

  /** A log file of a job, if it exists (for the signed log URLs). */
  locateLog(workspace: string, job: string, file: string): string | undefined {
    const rec = this.world.state.data.jobs[jobKey(workspace, job)];
    if (!rec) return undefined;
    try {
      return new JobLogs(path.join(this.folderOf(rec), 'logs')).path(file);
    } catch {
      return undefined;
    }
  }

  logFileNames(rec: JobRecord): string[] {
    const dir = path.join(this.folderOf(rec), 'logs');
    return fs.existsSync(dir) ? new JobLogs(dir).files() : [];
  }

  experimentId(rec: JobRecord): string {
    const name = typeof rec.request.experimentName === 'string' ? rec.request.experimentName : 'Default';
    return this.options.mlflow.ensureExperiment(rec.workspace, name).id;
  }

  /** The environment every job process gets: where MLflow and run history are, and who it is. */
  serviceEnvironment(ws: WorkspaceSeed, rec: JobRecord): Record<string, string> {
    const w = this.world;
    const host = new URL(w.baseUrl).host;
    const token = this.options.issueRunToken();
    const experimentName = typeof rec.request.experimentName === 'string' ? rec.request.experimentName : 'Default';
    return {
      AZUREML_RUN_ID: rec.name,
      AZUREML_ROOT_RUN_ID: rec.parent ?? rec.name,
      ...(rec.parent ? { AZUREML_PARENT_RUN_ID: rec.parent } : {}),
      AZUREML_ARM_SUBSCRIPTION: w.ids.subscriptionId,
      AZUREML_ARM_RESOURCEGROUP: w.ids.resourceGroup,
      AZUREML_ARM_WORKSPACE_NAME: ws.name,
      AZUREML_WORKSPACE_ID: ws.workspaceId,
      AZUREML_ARM_PROJECT_NAME: experimentName,
      AZUREML_EXPERIMENT_ID: this.experimentId(rec),
      AZUREML_RUN_TOKEN: token,
      AZUREML_SERVICE_ENDPOINT: w.baseUrl,
      AZUREML_DISCOVERY_SERVICE_ENDPOINT: `${w.baseUrl}/discovery`,
      MLFLOW_TRACKING_URI: `https://${host}/mlflow/v1.0${workspaceArmId(w, ws)}`,
      MLFLOW_RUN_ID: rec.name,
      MLFLOW_EXPERIMENT_ID: this.experimentId(rec),
      MLFLOW_EXPERIMENT_NAME: experimentName,
      MLFLOW_TRACKING_TOKEN: token,
      MLFLOW_TRACKING_SERVER_CERT_PATH: this.options.caCertFile,
    };
  }

  setStatus(rec: JobRecord, status: JobStatus): void {
    if (rec.status === status || TERMINAL.has(rec.status)) return;
    rec.status = status;
    if (status === 'Running' && !rec.startTime) {
      rec.startTime = new Date().toISOString();
      rec.serviceProperties.StartTimeUtc = serviceTime(rec.startTime);
    }
    saveJob(this.world, rec);
    this.logsOf(rec).line(LIFECYCLER_LOG, `Job ${rec.name}: status ${status}`);
  }

  private ensureMlflowRun(ws: WorkspaceSeed, rec: JobRecord): void {
    const tags: Record<string, string> = { 'mlflow.user': 'amlops-emulator-deployer' };
    if (rec.parent) tags['mlflow.parentRunId'] = rec.parent;
    this.options.mlflow.createRun(ws.name, {
      experimentId: this.experimentId(rec),
      runId: rec.name,
      runName: typeof rec.request.displayName === 'string' ? rec.request.displayName : rec.name,
      startTime: Date.parse(rec.createdAt),
      tags,
      userId: this.world.ids.clientObjectId,
      job: true,
    });
  }

  private async execute(ws: WorkspaceSeed, rec: JobRecord, signal: AbortSignal): Promise<void> {
    // The PUT that created the job answers first, with the job still NotStarted.
    await new Promise((resolve) => setImmediate(resolve));
    const executor =
      this.options.executors[rec.jobType] ?? (rec.jobType in NOT_RUN_LOCALLY ? runNotLocally : undefined);
    const logs = this.logsOf(rec);
    logs.startShipping();
    const ctx: JobContext = {
      w: this.world,
      ws,
      rec,
      signal,
      logs,
      folder: this.folderOf(rec),
      runner: this,
      setStatus: (status) => this.setStatus(rec, status),
      pause: () => abortableDelay(this.options.statusDelayMs, signal),
    };
    let outcome: Outcome;
    try {
      if (!executor) throw new Error(`no executor for ${rec.jobType} jobs`);
      outcome = await executor(ctx);
    } catch (e) {
      outcome = failure(e, signal);
    }
    if (signal.aborted && signal.reason === 'shutdown' && outcome.status !== 'Completed') {
      outcome = {
        status: 'Failed',
        error: { code: 'SystemError', message: 'The local emulator stopped while this job ran.' },
      };
    }
    logs.line(LIFECYCLER_LOG, `Job ${rec.name}: finished ${outcome.status}`);
    await logs.finish();
    this.finish(rec, outcome);
  }

  private finish(rec: JobRecord, outcome: Outcome): void {
    rec.status = outcome.status;
    rec.endTime = new Date().toISOString();
    rec.serviceProperties.EndTimeUtc = serviceTime(rec.endTime);
    if (outcome.error) rec.error = outcome.error;
    saveJob(this.world, rec);
    this.options.mlflow.endJobRun(rec.workspace, rec.name, Date.parse(rec.endTime));
    const key = jobKey(rec.workspace, rec.name);
    const waiting = this.waiters.get(key) ?? [];
    this.waiters.delete(key);
    for (const resolve of waiting) resolve(rec);
  }
}

function failure(e: unknown, signal: AbortSignal): Outcome {
  if (signal.aborted) return { status: 'Canceled' };
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof DataError || e instanceof BindingError || e instanceof UserJobError) {
    return { status: 'Failed', error: { code: 'UserError', message } };
  }
  return {
    status: 'Failed',
    error: { code: 'SystemError', message: `The local emulator could not run the job: ${message}` },
  };
}

/** MLflow's run status for a job status. */
function mlflowStatus(status: JobStatus): string {
  if (status === 'Completed') return 'FINISHED';
  if (status === 'Failed') return 'FAILED';
  if (status === 'Canceled') return 'KILLED';
  if (status === 'Running' || status === 'Finalizing' || status === 'CancelRequested') return 'RUNNING';
  return 'SCHEDULED';
}

/** "2024-05-01 12:00:00", the format of StartTimeUtc/EndTimeUtc in a job's properties. */
function serviceTime(iso: string): string {
  return iso
    .replace('T', ' ')
    .replace(/\.\d+Z$/, '')
    .replace(/Z$/, '');
}

export function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error('aborted'));
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
