import type { AmlContext } from '../context';
import { getWorkspace } from '../context';

/**
 * Job logs and metrics do not live in ARM: run history and MLflow are served by the workspace's
 * regional endpoints, found through the workspace's discovery URL and MLflow tracking URI.
 */
export interface RunServices {
  /** Base of run history for this workspace: <history>/history/v1.0/<workspace ARM id>. */
  history: string;
  /** Base of the MLflow REST API for this workspace: https://<host>/mlflow/v1.0/<workspace ARM id>. */
  mlflow?: string;
}

export interface RunDetails {
  runId?: string;
  status?: string;
  startTimeUtc?: string;
  endTimeUtc?: string;
  logFiles?: Record<string, string>;
  error?: { error?: { code?: string; message?: string } };
}

interface Workspace {
  properties?: { discoveryUrl?: string; mlFlowTrackingUri?: string };
}

export async function findRunServices(ctx: AmlContext): Promise<RunServices> {
  const ws = await getWorkspace<Workspace>(ctx);
  const armId = ctx.workspacePath;
  const discoveryUrl = ws.properties?.discoveryUrl;
  let historyHost: string | undefined;
  if (discoveryUrl) {
    const res = await fetch(discoveryUrl, { signal: AbortSignal.timeout(30_000) });
    if (res.ok) historyHost = ((await res.json()) as { history?: string }).history;
  }
  if (!historyHost)
    throw new Error(`workspace '${ctx.workspace.workspace}' has no run history endpoint in its discovery document`);
  const tracking = ws.properties?.mlFlowTrackingUri;
  // azureml://<host>/mlflow/v1.0/<workspace ARM id> is served over https at the same path.
  const mlflow = tracking?.startsWith('azureml://') ? `https://${tracking.slice('azureml://'.length)}` : undefined;
  return { history: `${historyHost.replace(/\/+$/, '')}/history/v1.0${armId}`, mlflow };
}
