import { UserError } from '../../errors';
import type { Host } from '../../host';
import { sleep } from '../../sleep';
import { explainArmError, type AmlContext } from '../context';
import { TERMINAL_STATUSES, type JobResource } from './job-status';
import { LogFollower } from './log-follower';
import { findRunServices, type RunDetails, type RunServices } from './run-history';

export interface WaitOptions {
  timeoutMs: number;
  streamLogs: boolean;
  cancelOnAbort: boolean;
  /** Pause between polls while logs are streaming (log lag). */
  streamIntervalMs?: number;
}

export interface WaitResult {
  status: string;
  job: JobResource;
  durationSeconds?: number;
  metrics: Record<string, number>;
  /** Why the job failed, as run history reports it (the ARM job resource does not carry it). */
  error?: string;
  /** A sweep's best trial (its metrics are the ones reported when the sweep logs none itself). */
  bestTrial?: string;
}

/** ARM job reads while logs stream: enough to notice a status change run history misses. */
const ARM_READ_EVERY_MS = 60_000;
/** Longest pause between log polls while the job prints nothing. */
const QUIET_MAX_MS = 10_000;

/** Pause between status polls when nothing is streamed: quick at first, then backing off. */
function statusPause(elapsedMs: number): number {
  return Math.min(2000 + elapsedMs / 20, 30_000);
}

/**
 * Waits for a job, printing its logs as they grow (the run-history API and the log files it lists,
 * as `az ml job stream` reads them), then reads its metrics from MLflow. Cancels the job when the
 * CI run is canceled or the timeout passes.
 */
export async function waitForJob(
  ctx: AmlContext,
  host: Host,
  jobName: string,
  options: WaitOptions,
): Promise<WaitResult> {
  const jobPath = `${ctx.workspacePath}/jobs/${encodeURIComponent(jobName)}`;
  const started = Date.now();
  const services = await findRunServices(ctx).catch((err) => {
    host.warning(`logs and metrics are not available: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  });
  const follower = services && options.streamLogs ? new LogFollower(ctx, host, services) : undefined;
  let lastStatus = '';
  let job: JobResource | undefined;
  let lastArmRead = 0;
  const streamFloor = options.streamIntervalMs ?? 1000;
  let pause = streamFloor;
  try {
    for (;;) {
      // While logs stream, run history reports the status; ARM (whose read quota is shared by the
      // whole subscription) is asked only now and then, and once the run has ended.
      const followed = follower ? await follower.poll(jobName, job?.properties?.jobType) : undefined;
      const runEnded = followed?.status !== undefined && TERMINAL_STATUSES.has(followed.status);
      if (!job || !follower || runEnded || Date.now() - lastArmRead > ARM_READ_EVERY_MS) {
        try {
          job = (await ctx.arm.request<JobResource>('GET', jobPath)).body;
        } catch (err) {
          throw explainArmError(err, ctx, `job '${jobName}'`);
        }
        lastArmRead = Date.now();
      }
      const status = (runEnded ? job.properties?.status : (followed?.status ?? job.properties?.status)) ?? 'Unknown';
      if (status !== lastStatus) {
        host.info(`Job '${jobName}': ${status} (${Math.round((Date.now() - started) / 1000)}s)`);
        lastStatus = status;
      }
      if (TERMINAL_STATUSES.has(status) && TERMINAL_STATUSES.has(job.properties?.status ?? '')) break;
      const elapsed = Date.now() - started;
      if (elapsed > options.timeoutMs) {
        await cancel(ctx, host, jobPath, jobName, 'the timeout passed');
        throw new UserError(
          `job '${jobName}' did not finish within ${Math.round(options.timeoutMs / 1000)}s and was canceled`,
          {
            hint: 'Raise the timeout input, or run with wait: false and check on the job later.',
          },
        );
      }
      // Quick while lines arrive; slower while the job is quiet.
      pause = follower ? (followed?.lines ? streamFloor : Math.min(pause * 1.5, QUIET_MAX_MS)) : statusPause(elapsed);
      await sleep(pause, host.signal);
    }
  } catch (err) {
    if (host.signal.aborted && options.cancelOnAbort) {
      await cancel(ctx, host, jobPath, jobName, 'the CI run was canceled');
    }
    throw err;
  }
  if (follower) await follower.finish(jobName, job!.properties?.jobType);
  const bestTrial = (job!.properties?.properties as Record<string, string> | undefined)?.best_child_run_id;
  let metrics = services ? await readMetrics(ctx, services, jobName) : {};
  if (services && bestTrial && Object.keys(metrics).length === 0) metrics = await readMetrics(ctx, services, bestTrial);
  const details = await finalDetails(ctx, services, jobName);
  const durationSeconds =
    details?.startTimeUtc && details.endTimeUtc
      ? Math.round((Date.parse(details.endTimeUtc) - Date.parse(details.startTimeUtc)) / 1000)
      : undefined;
  return { status: lastStatus, job: job!, durationSeconds, metrics, error: details?.error?.error?.message, bestTrial };
}

async function cancel(ctx: AmlContext, host: Host, jobPath: string, jobName: string, why: string): Promise<void> {
  host.info(`Canceling job '${jobName}' because ${why}`);
  // The run's own signal is already aborted: the cancel request needs one of its own.
  const signal = AbortSignal.timeout(60_000);
  try {
    await ctx.arm.request('POST', `${jobPath}/cancel`, undefined, { signal });
  } catch (err) {
    host.warning(`could not cancel job '${jobName}': ${err instanceof Error ? err.message : String(err)}`);
  }
}

async function finalDetails(
  ctx: AmlContext,
  services: RunServices | undefined,
  jobName: string,
): Promise<RunDetails | undefined> {
  if (!services) return undefined;
  try {
    const url = `${services.history}/runs/${encodeURIComponent(jobName)}/details`;
    return (await ctx.arm.request<RunDetails>('GET', url, undefined, { noApiVersion: true })).body;
  } catch {
    return undefined;
  }
}

interface MlflowRun {
  run?: { data?: { metrics?: { key: string; value: number; timestamp?: number; step?: number }[] } };
}

/** Last value of each metric, as MLflow's runs/get reports them. */
async function readMetrics(ctx: AmlContext, services: RunServices, jobName: string): Promise<Record<string, number>> {
  if (!services.mlflow) return {};
  try {
    const res = await ctx.arm.request<MlflowRun>(
      'GET',
      `${services.mlflow}/api/2.0/mlflow/runs/get?run_id=${encodeURIComponent(jobName)}`,
      undefined,
      { noApiVersion: true },
    );
    return Object.fromEntries((res.body?.run?.data?.metrics ?? []).map((m) => [m.key, m.value]));
  } catch {
    return {};
  }
}
