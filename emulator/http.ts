import type * as http from 'node:http';
import * as crypto from 'node:crypto';

/** One incoming request, read completely, as every route module sees it. */
export interface RequestContext {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  method: string;
  /** Path without query, percent-encoding kept (ARM ids are compared encoded). */
  path: string;
  query: URLSearchParams;
  rawBody: Buffer;
  /** Parsed JSON, or form fields for application/x-www-form-urlencoded; undefined when empty. */
  body: unknown;
  /** Set when the body claimed to be JSON but did not parse. */
  bodyError?: string;
  /** https://127.0.0.1:PORT (no trailing slash) */
  baseUrl: string;
  /** An injected fault asked the long-running operation started by this request to fail. */
  lroFailure?: { code: string; message: string };
}

/** What a route hands back; the server writes it and records the status. */
export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;

export async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

export function parseBody(raw: Buffer, contentType: string | undefined): { body: unknown; error?: string } {
  if (raw.length === 0) return { body: undefined };
  const text = raw.toString('utf8');
  const type = (contentType ?? '').toLowerCase();
  if (type.includes('application/x-www-form-urlencoded')) {
    return { body: Object.fromEntries(new URLSearchParams(text)) };
  }
  const looksJson = type.includes('json') || /^\s*[[{]/.test(text);
  if (!looksJson) return { body: undefined };
  try {
    return { body: JSON.parse(text) as unknown };
  } catch (e) {
    return { body: undefined, error: (e as Error).message };
  }
}

export function writeReply(ctx: RequestContext, reply: Reply): void {
  const headers: Record<string, string> = {
    'x-ms-request-id': crypto.randomUUID(),
    'x-ms-correlation-request-id': headerValue(ctx.req, 'x-ms-correlation-request-id') ?? crypto.randomUUID(),
    ...reply.headers,
  };
  const clientRequestId = headerValue(ctx.req, 'x-ms-client-request-id');
  if (clientRequestId) headers['x-ms-client-request-id'] = clientRequestId;
  if (reply.body === undefined) {
    headers['content-length'] = '0';
    ctx.res.writeHead(reply.status, headers);
    ctx.res.end();
    return;
  }
  // Raw bytes (log files) go out as they are; everything else is JSON unless it is already text.
  const payload = Buffer.isBuffer(reply.body)
    ? reply.body
    : Buffer.from(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body), 'utf8');
  if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
    headers['content-type'] = 'application/json; charset=utf-8';
  }
  headers['content-length'] = String(payload.length);
  ctx.res.writeHead(reply.status, headers);
  ctx.res.end(payload);
}

export function headerValue(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** Splits a path into decoded segments ('' segments from doubled or trailing slashes dropped). */
export function segments(path: string): string[] {
  return path
    .split('/')
    .filter((s) => s.length > 0)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
}

/**
 * Matches decoded segments against a template such as
 * `subscriptions/{subscriptionId}/providers/Microsoft.MachineLearningServices/workspaces`.
 * Literals compare case-insensitively, as ARM does.
 */
export function matchTemplate(template: string, parts: string[]): Record<string, string> | undefined {
  const t = template.split('/').filter((s) => s.length > 0);
  if (t.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < t.length; i++) {
    const m = /^\{(\w+)\}$/.exec(t[i]);
    if (m) params[m[1]] = parts[i];
    else if (t[i].toLowerCase() !== parts[i].toLowerCase()) return undefined;
  }
  return params;
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
