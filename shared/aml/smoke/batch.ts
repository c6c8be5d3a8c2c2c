import { errorMessage, UserError } from '../../errors';
import type { Host } from '../../host';
import { invokeBatchEndpoint } from '../batch/invoke';
import type { AmlContext } from '../context';
import { checkContent, excerpt } from './check';
import type { SmokeCase, SmokeCaseResult } from './types';

export interface BatchSmokeTarget {
  endpoint: string;
  /** Only this deployment scores (azureml-model-deployment); the endpoint's default otherwise. */
  deployment?: string;
}

/**
 * Batch smoke cases: each case invokes the endpoint with its input, waits for the scoring job and
 * checks the job completed and its output (the predictions file) against the case's JSON subset,
 * regular expression and run-time bound. Cases run one after another; a failing case does not stop
 * the others.
 */
export async function runBatchSmokeCases(
  ctx: AmlContext,
  host: Host,
  target: BatchSmokeTarget,
  cases: SmokeCase[],
  options: { timeoutMs: number },
): Promise<SmokeCaseResult[]> {
  const results: SmokeCaseResult[] = [];
  for (const c of cases) results.push(await runCase(ctx, host, target, c, options.timeoutMs));
  return results;
}

async function runCase(
  ctx: AmlContext,
  host: Host,
  target: BatchSmokeTarget,
  c: SmokeCase,
  timeoutMs: number,
): Promise<SmokeCaseResult> {
  const result: SmokeCaseResult = { name: c.name, source: c.source, passed: false, latencyMs: 0, reasons: [] };
  if (!c.input) {
    result.reasons.push(`no input: a batch case needs 'input' (a local file or folder, or a data URI) (${c.source})`);
    return result;
  }
  const started = performance.now();
  try {
    const run = await invokeBatchEndpoint(ctx, host, {
      endpoint: target.endpoint,
      deployment: target.deployment,
      input: c.input,
      timeoutMs,
    });
    result.latencyMs = performance.now() - started;
    result.jobName = run.jobName;
    result.jobStatus = run.status;
    if (run.outputText !== undefined) result.excerpt = excerpt(run.outputText);
    if (run.status !== 'Completed') {
      result.reasons.push(`scoring job '${run.jobName}' ended ${run.status}: ${run.error ?? 'no reason given'}`);
    } else if (run.outputText === undefined && (c.expect.json !== undefined || c.expect.regex !== undefined)) {
      result.reasons.push(`scoring job '${run.jobName}' wrote no output file to check`);
    } else {
      result.reasons.push(...checkContent(c.expect, run.outputText ?? '', result.latencyMs));
    }
  } catch (err) {
    if (host.signal.aborted) throw err;
    // A wrong input or a missing endpoint is the case's failure; anything else (Azure down) stops the run.
    if (!(err instanceof UserError)) throw err;
    result.latencyMs = performance.now() - started;
    result.reasons.push(errorMessage(err));
  }
  result.passed = result.reasons.length === 0;
  return result;
}
