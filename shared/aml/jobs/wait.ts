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
}

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
  let job: JobResource;
  try {
    for (;;) {
      try {
        job = (await ctx.arm.request<JobResource>('GET', jobPath)).body;
      } catch (err) {
        throw explainArmError(err, ctx, `job '${jobName}'`);
      }
      const status = job.properties?.status ?? 'Unknown';
      if (status !== lastStatus) {
        host.info(`Job '${jobName}': ${status} (${Math.round((Date.now() - started) / 1000)}s)`);
        lastStatus = status;
      }
      if (follower) await follower.poll(jobName, job.properties?.jobType);
      if (TERMINAL_STATUSES.has(status)) break;
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
      await sleep(follower ? (options.streamIntervalMs ?? 1000) : statusPause(elapsed), host.signal);
    }
  } catch (err) {
    if (host.signal.aborted && options.cancelOnAbort) {
      await cancel(ctx, host, jobPath, jobName, 'the CI run was canceled');
    }
    throw err;
  }
  if (follower) await follower.finish(jobName, job.properties?.jobType);
  const metrics = services ? await readMetrics(ctx, services, jobName) : {};
  return { status: lastStatus, job, durationSeconds: await duration(ctx, services, jobName), metrics };
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

async function duration(
  ctx: AmlContext,
  services: RunServices | undefined,
  jobName: string,
): Promise<number | undefined> {
  if (!services) return undefined;
  try {
    const d = (
      await ctx.arm.request<RunDetails>(
        'GET',
        `${services.history}/runs/${encodeURIComponent(jobName)}/details`,
        undefined,
        { noApiVersion: true },
      )
    ).body;
    if (!d?.startTimeUtc || !d.endTimeUtc) return undefined;
    return Math.round((Date.parse(d.endTimeUtc) - Date.parse(d.startTimeUtc)) / 1000);
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
