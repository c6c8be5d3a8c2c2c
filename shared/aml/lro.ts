import { UserError } from '../errors';
import { sleep } from '../sleep';
import type { Arm, ArmResponse } from './arm';

export interface LroOptions {
  /** What is being waited for, e.g. "compute 'cpu-cluster'": used in progress and errors. */
  what: string;
  timeoutMs: number;
  signal: AbortSignal;
  onProgress?: (status: string, elapsedMs: number) => void;
  /** Bounds for the pause between polls; Retry-After is honoured inside them. */
  minPollMs?: number;
  maxPollMs?: number;
}

interface OperationStatus {
  status?: string;
  error?: { code?: string; message?: string; details?: { message?: string }[] };
}

const TERMINAL = new Set(['succeeded', 'failed', 'canceled', 'cancelled']);

/**
 * Follows an ARM long-running operation the way ARM documents it: Azure-AsyncOperation first,
 * then Location, pausing as Retry-After asks. Ends when the operation ends, the timeout passes,
 * or the run is canceled.
 */
export async function waitForArmOperation(arm: Arm, initial: ArmResponse, options: LroOptions): Promise<void> {
  const asyncUrl = initial.headers['azure-asyncoperation'];
  const locationUrl = initial.headers['location'];
  if (!asyncUrl && !locationUrl) return; // completed synchronously
  const started = Date.now();
  const minPoll = options.minPollMs ?? 1000;
  const maxPoll = options.maxPollMs ?? 30000;
  let pause = retryAfterMs(initial.headers) ?? minPoll;
  for (;;) {
    const elapsed = Date.now() - started;
    if (elapsed + pause > options.timeoutMs) {
      throw new UserError(
        `${options.what} did not finish within ${Math.round(options.timeoutMs / 1000)}s; it goes on in Azure`,
        { hint: 'Re-run the step to wait again, or raise the timeout input.' },
      );
    }
    await sleep(Math.min(Math.max(pause, minPoll), maxPoll), options.signal);
    const now = Date.now() - started;
    if (asyncUrl) {
      const res = await arm.request<OperationStatus>('GET', asyncUrl);
      const status = res.body?.status ?? 'InProgress';
      options.onProgress?.(status, now);
      if (TERMINAL.has(status.toLowerCase())) {
        if (status.toLowerCase() === 'succeeded') return;
        throw new UserError(`${options.what} ${status.toLowerCase()}: ${operationError(res.body)}`);
      }
      pause = retryAfterMs(res.headers) ?? Math.min(pause * 1.5, maxPoll);
    } else {
      const res = await arm.request('GET', locationUrl);
      options.onProgress?.(res.status === 202 ? 'InProgress' : 'Succeeded', now);
      if (res.status !== 202) return;
      pause = retryAfterMs(res.headers) ?? Math.min(pause * 1.5, maxPoll);
    }
  }
}

function operationError(body: OperationStatus | undefined): string {
  const e = body?.error;
  if (!e) return 'no reason given by Azure';
  const details = (e.details ?? []).map((d) => d.message).filter(Boolean);
  return [e.code ? `${e.code}: ${e.message ?? ''}`.trim() : e.message, ...details].filter(Boolean).join('; ');
}

export function retryAfterMs(headers: Record<string, string>): number | undefined {
  const v = headers['retry-after'];
  if (!v) return undefined;
  const seconds = Number(v);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const date = Date.parse(v);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
