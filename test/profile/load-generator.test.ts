import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CanceledError } from '../../shared/errors';
import { runLoad } from '../../shared/aml/load/load-generator';
import { summarizeLatencies } from '../../shared/aml/load/percentiles';

/** A real local server: answers after `delayMs`, 500 for bodies containing "fail", records what came. */
let server: http.Server;
let url: string;
const seen = { bodies: new Map<string, number>(), deploymentHeaders: new Set<string>(), paths: new Set<string>() };
let delayMs = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.bodies.set(body, (seen.bodies.get(body) ?? 0) + 1);
      seen.deploymentHeaders.add(String(req.headers['azureml-model-deployment']));
      seen.paths.add(`${req.method} ${req.url}`);
      setTimeout(() => {
        res.writeHead(body.includes('fail') ? 500 : 200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/score`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  seen.bodies.clear();
  seen.deploymentHeaders.clear();
  seen.paths.clear();
  delayMs = 0;
});

const base = {
  headers: { 'content-type': 'application/json', 'azureml-model-deployment': 'blue' },
  requestTimeoutMs: 5000,
};

test('stops at the request bound, sends every payload in turn with the headers, to the one URL', async () => {
  const result = await runLoad({
    ...base,
    url,
    bodies: ['{"a":1}', '{"b":2}'],
    connections: 4,
    durationMs: 30_000,
    maxRequests: 200,
  });
  expect(result.responses).toBe(200);
  expect(result.ok).toBe(200);
  expect(result.errorRate).toBe(0);
  expect(result.durationSeconds).toBeLessThan(30);
  expect([...seen.bodies.keys()].sort()).toEqual(['{"a":1}', '{"b":2}']);
  expect(seen.bodies.get('{"a":1}')).toBeGreaterThan(50);
  expect([...seen.deploymentHeaders]).toEqual(['blue']);
  expect([...seen.paths]).toEqual(['POST /score']);
  expect(result.latency.p99).toBeGreaterThanOrEqual(result.latency.p50);
});

test('stops at the time bound; latency reflects the server', async () => {
  delayMs = 50;
  const result = await runLoad({ ...base, url, bodies: ['{}'], connections: 2, durationMs: 1000, maxRequests: 10_000 });
  expect(result.responses).toBeGreaterThan(5);
  expect(result.responses).toBeLessThan(10_000);
  expect(result.latency.p50).toBeGreaterThanOrEqual(45);
});

test('counts non-2xx answers and unanswered requests as errors', async () => {
  const result = await runLoad({
    ...base,
    url,
    bodies: ['{"x":"fail"}', '{"x":"fine"}'],
    connections: 1,
    durationMs: 10_000,
    maxRequests: 20,
  });
  expect(result.non2xx).toBe(10);
  expect(result.errorRate).toBeCloseTo(0.5);
  expect(result.statusCodes).toEqual({ '200': 10, '500': 10 });

  const refused = await runLoad({
    ...base,
    url: 'http://127.0.0.1:1/score',
    bodies: ['{}'],
    connections: 1,
    durationMs: 1000,
    maxRequests: 5,
  });
  expect(refused.errors).toBeGreaterThan(0);
  expect(refused.errorRate).toBe(1);
});

test('an abort stops the run at once', async () => {
  delayMs = 20;
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 300);
  await expect(
    runLoad({
      ...base,
      url,
      bodies: ['{}'],
      connections: 2,
      // Far beyond the test's timeout: only the abort can end it in time.
      durationMs: 600_000,
      maxRequests: 1_000_000,
      signal: controller.signal,
    }),
  ).rejects.toBeInstanceOf(CanceledError);
});

test('nearest-rank percentiles', () => {
  const samples = Array.from({ length: 100 }, (_, i) => i + 1);
  expect(summarizeLatencies(samples)).toEqual({ p50: 50, p90: 90, p95: 95, p99: 99, mean: 50.5, max: 100 });
  expect(summarizeLatencies([]).p95).toBe(0);
  expect(summarizeLatencies([7]).p99).toBe(7);
});
