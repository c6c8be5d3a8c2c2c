import type * as http from 'node:http';
import { ADMIN_PREFIX, handleAdmin, type AdminDeps } from './admin';
import { BATCH_PREFIX, handleBatchInvoke, type BatchInvokeDeps } from './batch/invoke';
import { injectedError } from './arm-errors';
import { handleEntra } from './entra';
import { describeFault, type Faults } from './faults';
import type { Directory } from './identity';
import { handleOidcProviders, type OidcSecrets } from './oidc-providers';
import { isRecord, parseBody, readBody, segments, writeReply, type Reply, type RequestContext } from './http';
import { handleArm, type ArmDeps } from './routes/arm';
import { discoveryDocument } from './routes/workspaces';
import { LOGS_PREFIX, type LogFileUrls } from './services/log-files';
import { handleMlflow, type MlflowDeps } from './services/mlflow';
import { handleRunHistory, type RunHistoryDeps } from './services/run-history';
import { handleStudio, type StudioDeps } from './services/studio';
import { ONLINE_PREFIX } from './serving/data-plane';
import type { RequestLogEntry } from './types';

export interface DispatchDeps {
  baseUrl: string;
  directory: Directory;
  oidcSecrets: OidcSecrets;
  arm: ArmDeps;
  /** The workspace's regional services (run history, MLflow), job log files and the studio pages. */
  services: { runHistory: RunHistoryDeps; mlflow: MlflowDeps; logFiles: LogFileUrls; studio: StudioDeps };
  faults: Faults;
  requests: RequestLogEntry[];
  admin: AdminDeps;
  /** The batch endpoints' invocation URLs (scoringUri). */
  batch?: BatchInvokeDeps;
  /** Scoring requests of online endpoints (/_online/...); kept out of the request log, which would grow with load tests. */
  online?: { handle(ctx: RequestContext): Promise<void> };
  log: (line: string) => void;
}

const SECRET_FIELDS = new Set(['client_secret', 'client_assertion']);

/** The single request handler behind the emulator's HTTPS port: admin, faults, then the services by path. */
export function createDispatcher(deps: DispatchDeps): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  return (req, res) => {
    dispatch(req, res, deps).catch((e: unknown) => {
      deps.log(`request failed: ${(e as Error).stack ?? String(e)}`);
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'InternalServerError', message: (e as Error).message } }));
      } else {
        res.destroy();
      }
    });
  };
}

async function dispatch(req: http.IncomingMessage, res: http.ServerResponse, deps: DispatchDeps): Promise<void> {
  const url = new URL(req.url ?? '/', deps.baseUrl);
  const rawBody = await readBody(req);
  const parsed = parseBody(rawBody, req.headers['content-type']);
  const ctx: RequestContext = {
    req,
    res,
    method: (req.method ?? 'GET').toUpperCase(),
    path: url.pathname,
    query: url.searchParams,
    rawBody,
    body: parsed.body,
    bodyError: parsed.error,
    baseUrl: deps.baseUrl,
  };

  if (ctx.path === ADMIN_PREFIX || ctx.path.startsWith(`${ADMIN_PREFIX}/`)) {
    writeReply(ctx, handleAdmin(ctx, deps.admin));
    return;
  }

  if (deps.online && ctx.path.startsWith(`${ONLINE_PREFIX}/`)) {
    await deps.online.handle(ctx);
    return;
  }

  const entry = logEntry(ctx);
  deps.requests.push(entry);
  res.on('finish', () => {
    entry.status = res.statusCode;
  });

  const fault = deps.faults.take(ctx.method, ctx.path);
  if (fault) {
    entry.fault = describeFault(fault);
    if ('resetConnection' in fault) {
      req.socket.destroy();
      return;
    }
    if ('delayMs' in fault) await new Promise((r) => setTimeout(r, fault.delayMs));
    if ('status' in fault) {
      const headers: Record<string, string> = {
        ...(fault.status === 429 || fault.status === 503 ? { 'retry-after': '1' } : {}),
      };
      for (const [k, v] of Object.entries(fault.headers ?? {})) headers[k.toLowerCase()] = v;
      writeReply(ctx, { status: fault.status, headers, body: fault.body ?? injectedError(fault.status) });
      return;
    }
    if ('lroFails' in fault) {
      ctx.lroFailure = fault.error ?? {
        code: 'InternalServerError',
        message: 'The operation failed (injected fault).',
      };
    }
  }

  writeReply(ctx, await route(ctx, deps));
}

async function route(ctx: RequestContext, deps: DispatchDeps): Promise<Reply> {
  const first = segments(ctx.path)[0]?.toLowerCase();
  if (first === 'subscriptions') return handleArm(ctx, deps.arm);
  if (first === '_oidc') {
    return handleOidcProviders(ctx, deps.directory, deps.oidcSecrets) ?? notFound(ctx);
  }
  if (first === 'discovery' && ctx.method === 'GET') return { status: 200, body: discoveryDocument(deps.baseUrl) };
  if (first === 'history') return handleRunHistory(ctx, deps.services.runHistory);
  if (first === 'mlflow') return handleMlflow(ctx, deps.services.mlflow);
  if (`/${first}` === LOGS_PREFIX) return deps.services.logFiles.handle(ctx);
  if (first === 'studio' && ctx.method === 'GET') return handleStudio(ctx, deps.services.studio);
  if (first === BATCH_PREFIX.toLowerCase() && deps.batch) return handleBatchInvoke(ctx, deps.batch);
  return handleEntra(ctx, deps.directory) ?? notFound(ctx);
}

function notFound(ctx: RequestContext): Reply {
  return {
    status: 404,
    body: {
      error: { code: 'NotFound', message: `The local Azure ML emulator has no endpoint ${ctx.method} ${ctx.path}.` },
    },
  };
}

function logEntry(ctx: RequestContext): RequestLogEntry {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(ctx.req.headers)) {
    const v = Array.isArray(value) ? value.join(', ') : (value ?? '');
    // Keep only the scheme: the log is for assertions, and tokens are credentials.
    headers[name] = name === 'authorization' ? v.split(' ')[0] : v;
  }
  let body = ctx.body;
  if (isRecord(body) && Object.keys(body).some((k) => SECRET_FIELDS.has(k))) {
    body = Object.fromEntries(Object.entries(body).map(([k, v]) => [k, SECRET_FIELDS.has(k) ? '***' : v]));
  }
  return {
    method: ctx.method,
    path: ctx.path,
    query: Object.fromEntries(ctx.query),
    headers,
    body,
    status: 0,
    time: new Date().toISOString(),
  };
}
