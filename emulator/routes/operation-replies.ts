import type { Reply } from '../http';
import type { World } from '../world';

/** What the monitor URLs of a long-running operation answer, whichever store keeps the operation. */

export interface OperationStatusView {
  id: string;
  name: string;
  status: 'InProgress' | 'Succeeded' | 'Failed';
  startTime: string;
  endTime?: string;
  error?: unknown;
}

/** The Azure-AsyncOperation monitor's answer. */
export function operationStatusReply(w: World, view: OperationStatusView): Reply {
  const body: Record<string, unknown> = {
    id: view.id,
    name: view.name,
    status: view.status,
    startTime: view.startTime,
  };
  if (view.endTime) body.endTime = view.endTime;
  if (view.error) body.error = view.error;
  // Without Retry-After on the monitor, Python's ARM poller falls back to a 30 s interval.
  const headers: Record<string, string> =
    view.status === 'InProgress' ? { 'retry-after': String(w.retryAfterSeconds) } : {};
  return { status: 200, headers, body };
}

/** The Location monitor's answer while the operation runs: poll here again. */
export function operationRunningReply(w: World, location: string): Reply {
  return { status: 202, headers: { location, 'retry-after': String(w.retryAfterSeconds) } };
}
