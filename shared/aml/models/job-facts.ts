import { ArmError } from '../arm';
import { explainArmError, type AmlContext } from '../context';
import { findRunServices } from '../jobs/run-history';
import { UserError } from '../../errors';

export interface JobOutputInfo {
  name: string;
  type?: string;
  uri?: string;
}

export interface JobFacts {
  name: string;
  status: string;
  outputs: JobOutputInfo[];
}

interface JobResource {
  properties?: { status?: string; outputs?: Record<string, { jobOutputType?: string; uri?: string } | null> };
}

export const MODEL_OUTPUT_TYPES = ['mlflow_model', 'custom_model', 'triton_model'];

/** The job's status and outputs; a user error when it does not exist. */
export async function readJob(ctx: AmlContext, job: string): Promise<JobFacts> {
  let res: JobResource | undefined;
  try {
    res = await ctx.arm.getOrUndefined<JobResource>(`${ctx.workspacePath}/jobs/${encodeURIComponent(job)}`);
  } catch (err) {
    throw explainArmError(err, ctx, `job '${job}'`);
  }
  if (!res) throw new UserError(`job '${job}' not found in workspace '${ctx.workspace.workspace}'`);
  const outputs = Object.entries(res.properties?.outputs ?? {}).map(([name, o]) => ({
    name,
    type: o?.jobOutputType,
    uri: o?.uri,
  }));
  return { name: job, status: res.properties?.status ?? 'Unknown', outputs };
}

/** The output to register: the named one, else the job's only model output. */
export function pickOutput(job: JobFacts, wanted: string | undefined, describeInput: string): JobOutputInfo {
  const list = job.outputs.map((o) => `${o.name} (${o.type ?? 'unknown type'})`).join(', ') || 'none';
  if (wanted) {
    const found = job.outputs.find((o) => o.name === wanted);
    if (!found)
      throw new UserError(`${describeInput}: job '${job.name}' has no output '${wanted}' (its outputs: ${list})`);
    return found;
  }
  const models = job.outputs.filter((o) => MODEL_OUTPUT_TYPES.includes(o.type ?? ''));
  if (models.length === 1) return models[0];
  throw new UserError(
    `job '${job.name}' has ${models.length ? 'several model outputs' : 'no model output'}; say which output to register with ${describeInput} (its outputs: ${list})`,
  );
}

interface MlflowRun {
  run?: { data?: { metrics?: { key: string; value: number }[] } };
}

/** Last value of each metric the job logged, from the workspace's MLflow tracking API. */
export async function readJobMetrics(ctx: AmlContext, job: string): Promise<Record<string, number>> {
  const services = await findRunServices(ctx);
  if (!services.mlflow) throw new Error(`workspace '${ctx.workspace.workspace}' has no MLflow tracking URI`);
  try {
    const res = await ctx.arm.request<MlflowRun>(
      'GET',
      `${services.mlflow}/api/2.0/mlflow/runs/get?run_id=${encodeURIComponent(job)}`,
      undefined,
      { noApiVersion: true },
    );
    return Object.fromEntries((res.body?.run?.data?.metrics ?? []).map((m) => [m.key, m.value]));
  } catch (err) {
    // MLflow answers 404 (RESOURCE_DOES_NOT_EXIST) for a run that logged nothing.
    if (err instanceof ArmError && err.status === 404) return {};
    throw err;
  }
}
