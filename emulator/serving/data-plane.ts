import * as http from 'node:http';
import { headerValue, isRecord, segments, type RequestContext } from '../http';
import { durationMs } from '../jobs/durations';
import type { World } from '../world';
import type { EndpointAuth } from './endpoint-auth';
import type { OnlineDeploymentRecord, OnlineEndpointRecord } from './model';
import type { ScoringReplica } from './replica';
import type { OnlineServing } from './serving';
import { deploymentKey, deploymentsOf, onlineState, endpointKey } from './store';

/**
 * The scoring side of online endpoints on the emulator's own port:
 * POST /_online/<workspace>/<endpoint>/score. It checks the key or token, picks a deployment
 * (the azureml-model-deployment header, else by traffic weights), copies mirrored requests, and
 * proxies to a replica over kept-alive connections. Responses name the deployment that answered.
 */

export const ONLINE_PREFIX = '/_online';

const GUIDE =
  'Please check this guide to understand why this error code might have been returned \nhttps://docs.microsoft.com/en-us/azure/machine-learning/how-to-troubleshoot-online-endpoints#http-status-codes';

const DEFAULT_REQUEST_TIMEOUT_MS = 5000;

export function scoringUri(w: World, workspace: string, endpoint: string): string {
  return `${w.baseUrl}${ONLINE_PREFIX}/${encodeURIComponent(workspace)}/${encodeURIComponent(endpoint.toLowerCase())}/score`;
}

export class OnlineDataPlane {
  constructor(
    private readonly w: World,
    private readonly serving: OnlineServing,
    private readonly auth: EndpointAuth,
  ) {}

  /** Answers one data-plane request; writes the response itself (streams the replica's answer). */
  async handle(ctx: RequestContext): Promise<void> {
    const parts = segments(ctx.path);
    const [, workspace = '', endpoint = '', ...rest] = parts;
    const ws = this.w.ids.workspaces.find((x) => x.name.toLowerCase() === workspace.toLowerCase());
    const rec = ws ? onlineState(this.w).onlineEndpoints[endpointKey(ws.name, endpoint)] : undefined;
    const state = rec ? String((rec.resource.properties as Record<string, unknown>).provisioningState) : '';
    if (!rec || state === 'Deleting') {
      return this.fail(ctx, 404, `Endpoint '${endpoint}' was not found in workspace '${workspace}'.`);
    }
    if (rest.join('/') !== 'score')
      return this.fail(ctx, 404, `There is no ${ctx.method} ${ctx.path} on this endpoint; score with POST .../score.`);
    if (ctx.method !== 'POST') return this.fail(ctx, 405, `Use POST to score; ${ctx.method} is not allowed.`);

    const auth = this.auth.check(rec, headerValue(ctx.req, 'authorization'));
    if (!auth.ok) return this.fail(ctx, auth.status, auth.message, { 'www-authenticate': 'Bearer' });

    const wanted = headerValue(ctx.req, 'azureml-model-deployment');
    const deployments = deploymentsOf(this.w, rec.workspace, rec.name);
    let target: OnlineDeploymentRecord | undefined;
    if (wanted) {
      target = deployments.find((d) => d.name.toLowerCase() === wanted.toLowerCase());
      if (!target) {
        return this.fail(ctx, 404, `Specified deployment [${wanted}] does not exist on endpoint [${rec.name}].`);
      }
    } else {
      target = pickByWeight(deployments, weights(rec, 'traffic'));
      if (!target) {
        return this.fail(
          ctx,
          404,
          'No valid deployments to route to. Please check that the endpoint has at least one deployment with positive weight values or use a deployment specific header to route. [https://docs.microsoft.com/en-us/azure/machine-learning/how-to-safely-rollout-managed-endpoints#deploy-a-new-model-but-send-it-no-traffic-yet]',
        );
      }
      this.mirror(ctx, rec, deployments);
    }
    await this.forward(ctx, rec, target);
  }

  private async forward(ctx: RequestContext, rec: OnlineEndpointRecord, d: OnlineDeploymentRecord): Promise<void> {
    const key = deploymentKey(rec.workspace, rec.name, d.name);
    const replica = this.serving.pickReplica(key);
    const named = { 'azureml-model-deployment': d.name };
    if (!replica) {
      const state = String((d.resource.properties as Record<string, unknown>).provisioningState);
      return this.fail(
        ctx,
        503,
        `Deployment '${d.name}' has no running instance (provisioning state ${state}); it cannot answer yet.`,
        named,
      );
    }
    const props = d.resource.properties as Record<string, unknown>;
    const settings = isRecord(props.requestSettings) ? props.requestSettings : {};
    const timeoutMs = durationMs(settings.requestTimeout) ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const result = await send(replica, ctx, timeoutMs);
    if (result.kind === 'timeout') {
      return this.fail(
        ctx,
        408,
        `Request timed out: the deployment did not answer within request_timeout_ms (${timeoutMs} ms).`,
        named,
      );
    }
    if (result.kind === 'error') {
      return this.fail(ctx, 502, `The deployment's container did not answer: ${result.message}`, named);
    }
    const res = result.response;
    const headers: Record<string, string> = { ...named };
    for (const name of ['content-type', 'x-ms-run-function-failed', 'x-ms-request-id']) {
      const v = res.headers[name];
      if (typeof v === 'string') headers[name] = v;
    }
    if ((res.statusCode ?? 500) >= 400) {
      headers['ms-azureml-model-error-statuscode'] = String(res.statusCode);
      headers['ms-azureml-model-error-reason'] = 'model_error';
    }
    headers['content-length'] = String(result.body.length);
    ctx.res.writeHead(res.statusCode ?? 500, headers);
    ctx.res.end(result.body);
  }

  /** Copies the request to each mirror deployment with its share of probability; the answer is dropped. */
  private mirror(ctx: RequestContext, rec: OnlineEndpointRecord, deployments: OnlineDeploymentRecord[]): void {
    for (const [name, pct] of Object.entries(weights(rec, 'mirrorTraffic'))) {
      if (pct <= 0 || Math.random() * 100 >= pct) continue;
      const d = deployments.find((x) => x.name.toLowerCase() === name.toLowerCase());
      const replica = d && this.serving.pickReplica(deploymentKey(rec.workspace, rec.name, d.name));
      if (replica) void send(replica, ctx, 60_000);
    }
  }

  private fail(ctx: RequestContext, status: number, message: string, headers: Record<string, string> = {}): void {
    const body = Buffer.from(JSON.stringify({ message: `${message}\n${GUIDE}` }), 'utf8');
    ctx.res.writeHead(status, {
      ...headers,
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(body.length),
    });
    ctx.res.end(body);
  }
}

function weights(rec: OnlineEndpointRecord, field: 'traffic' | 'mirrorTraffic'): Record<string, number> {
  const raw = (rec.resource.properties as Record<string, unknown>)[field];
  if (!isRecord(raw)) return {};
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Number(v) || 0]));
}

function pickByWeight(
  deployments: OnlineDeploymentRecord[],
  traffic: Record<string, number>,
): OnlineDeploymentRecord | undefined {
  const live = Object.entries(traffic).filter(([, pct]) => pct > 0);
  const total = live.reduce((s, [, pct]) => s + pct, 0);
  if (total <= 0) return undefined;
  let roll = Math.random() * total;
  for (const [name, pct] of live) {
    roll -= pct;
    if (roll < 0) return deployments.find((d) => d.name.toLowerCase() === name.toLowerCase());
  }
  return deployments.find((d) => d.name.toLowerCase() === live[live.length - 1][0].toLowerCase());
}

type SendResult =
  | { kind: 'ok'; response: http.IncomingMessage; body: Buffer }
  | { kind: 'timeout' }
  | { kind: 'error'; message: string };

function send(replica: ScoringReplica, ctx: RequestContext, timeoutMs: number): Promise<SendResult> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = { 'content-length': String(ctx.rawBody.length) };
    const type = headerValue(ctx.req, 'content-type');
    if (type) headers['content-type'] = type;
    const requestId = headerValue(ctx.req, 'x-ms-request-id') ?? headerValue(ctx.req, 'x-request-id');
    if (requestId) headers['x-ms-request-id'] = requestId;
    let done = false;
    const finish = (r: SendResult): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(r);
    };
    const req = http.request(
      { host: '127.0.0.1', port: replica.port, method: 'POST', path: '/score', headers, agent: replica.agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => finish({ kind: 'ok', response: res, body: Buffer.concat(chunks) }));
        res.on('error', (e) => finish({ kind: 'error', message: e.message }));
      },
    );
    const timer = setTimeout(() => {
      finish({ kind: 'timeout' });
      req.destroy();
    }, timeoutMs);
    req.on('error', (e) => finish({ kind: 'error', message: e.message }));
    req.end(ctx.rawBody);
  });
}
