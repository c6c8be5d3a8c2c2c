/**
 * Smoke cases and their results, shared by online smoke tests (smoke-test, deploy-online) and batch
 * smoke tests (shared/aml/smoke/batch.ts).
 */

/** What a case expects of the answer. Unset checks are not made. */
export interface SmokeExpectation {
  /**
   * Online: the HTTP status (default 200). Batch: not used (the scoring job must complete).
   */
  status: number;
  /** The response body (online) or the batch output (parsed as JSON) must contain this JSON subset. */
  json?: unknown;
  /** The response body (online) or the batch output text must match this regular expression. */
  regex?: string;
  /** Upper bound of the request latency (online) or of the scoring job's run time (batch), in ms. */
  maxLatencyMs?: number;
  /** Numbers in `json` may differ from the answer's by this much (default 0: equal). */
  tolerance?: number;
}

export interface SmokeCase {
  /** Shown in the summary table and in failure reasons. */
  name: string;
  /** Where the case was declared, for messages: `cases.yaml:12` or an input name. */
  source: string;
  /**
   * Online: the request body text sent to the scoring URI (already read from a file or serialized
   * from inline JSON). Batch: unused.
   */
  body?: string;
  /** Online: Content-Type of the body (default application/json). */
  contentType?: string;
  /**
   * Batch: the invocation input: a local file or folder (uploaded) or an azureml: / azureml:// /
   * https URI. Relative local paths are already resolved against the cases file's folder.
   */
  input?: string;
  /** Extra request headers (online); never Authorization, which the runner sets. */
  headers: Record<string, string>;
  expect: SmokeExpectation;
}

export interface SmokeCaseResult {
  name: string;
  source: string;
  passed: boolean;
  /** Online: HTTP status received. */
  status?: number;
  /** Batch: the scoring job's name and final status. */
  jobName?: string;
  jobStatus?: string;
  /** Request latency (online) or time from invocation to the job's end (batch), in ms. */
  latencyMs: number;
  /** Why the case failed, one sentence each; empty when it passed. */
  reasons: string[];
  /** The start of the response body or batch output (at most 200 characters), for the summary. */
  excerpt?: string;
}
