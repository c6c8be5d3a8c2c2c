import autocannon from 'autocannon';
import { CanceledError } from '../../errors';
import { summarizeLatencies, type LatencySummary } from './percentiles';

export interface LoadOptions {
  /** The one URL every request goes to (an endpoint's scoring URI). */
  url: string;
  /** Sent with every request: authorization, the deployment header, content type. */
  headers: Record<string, string>;
  /** Request bodies, sent in turn by each connection. */
  bodies: readonly string[];
  /** Concurrent connections, each with one request in flight. */
  connections: number;
  /** The run stops after this long... */
  durationMs: number;
  /** ...or after this many requests, whichever comes first. */
  maxRequests: number;
  /** A request without an answer after this long counts as a timeout (an error). */
  requestTimeoutMs: number;
  signal?: AbortSignal;
  /** Called about once a second with the responses so far. */
  onTick?: (responses: number, elapsedMs: number) => void;
}

export interface LoadResult {
  connections: number;
  /** Requests answered (any status). */
  responses: number;
  /** Answers with a 2xx status. */
  ok: number;
  non2xx: number;
  /** Connection errors and timeouts: requests never answered. */
  errors: number;
  timeouts: number;
  /** (non-2xx + errors) / (responses + errors); 0 when nothing was sent. */
  errorRate: number;
  durationSeconds: number;
  /** Answered requests per second over the run. */
  rps: number;
  /** Round-trip times of answered requests, in milliseconds. */
  latency: LatencySummary;
  statusCodes: Record<string, number>;
}

/**
 * Closed-loop HTTP load with autocannon: each connection sends its next request when the previous
 * one is answered, so concurrency is exact and throughput is what the server can take at it.
 * Bounded by both time and request count; every request goes to options.url only.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { signal } = options;
  if (signal?.aborted) throw new CanceledError();
  const url = new URL(options.url);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`not an http(s) URL: ${options.url}`);
  if (options.bodies.length === 0) throw new Error('no request bodies');
  if (options.maxRequests < options.connections) {
    // autocannon gives a connection with no request budget an unlimited one.
    throw new Error(`max requests (${options.maxRequests}) must be at least the connections (${options.connections})`);
  }

  // Room for every answer: the request bound caps it (plus one in flight per connection).
  const latencies = new Float64Array(options.maxRequests + options.connections);
  let count = 0;
  const started = Date.now();
  let settle!: (err: Error | null, result: autocannon.Result) => void;
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    settle = (err, result) => (err ? reject(err) : resolve(result));
  });
  const instance = autocannon(
    {
      url: url.toString(),
      method: 'POST',
      headers: options.headers,
      requests: options.bodies.map((body) => ({ method: 'POST', body })),
      connections: options.connections,
      pipelining: 1,
      duration: options.durationMs / 1000,
      maxOverallRequests: options.maxRequests,
      timeout: Math.max(1, Math.ceil(options.requestTimeoutMs / 1000)),
    },
    (err, result) => settle(err, result),
  );
  instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
    if (count < latencies.length) latencies[count++] = responseTime;
  });
  instance.on('tick', () => options.onTick?.(count, Date.now() - started));
  const stop = () => instance.stop();
  signal?.addEventListener('abort', stop, { once: true });
  let result: autocannon.Result;
  try {
    result = await finished;
  } finally {
    signal?.removeEventListener('abort', stop);
  }
  if (signal?.aborted) throw new CanceledError();

  const statusCodes: Record<string, number> = {};
  for (const [code, stats] of Object.entries(result.statusCodeStats ?? {})) {
    statusCodes[code] = (stats as { count: number }).count;
  }
  const responses = Object.values(statusCodes).reduce((a, b) => a + b, 0);
  const ok = Object.entries(statusCodes)
    .filter(([code]) => code.startsWith('2'))
    .reduce((a, [, n]) => a + n, 0);
  const non2xx = responses - ok;
  const errors = result.errors;
  const attempted = responses + errors;
  const durationSeconds = Math.max(result.duration, 0.001);
  return {
    connections: options.connections,
    responses,
    ok,
    non2xx,
    errors,
    timeouts: result.timeouts,
    errorRate: attempted === 0 ? 0 : (non2xx + errors) / attempted,
    durationSeconds,
    rps: responses / durationSeconds,
    latency: summarizeLatencies(latencies.subarray(0, count)),
    statusCodes,
  };
}
