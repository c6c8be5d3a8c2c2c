import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { headerValue, segments, type Reply, type RequestContext } from '../http';

/**
 * Job log files served straight from the job's folder, under URLs signed like SAS URLs (run
 * history lists them in `logFiles`; whoever holds the URL may read until it expires). Byte ranges
 * work as on a blob (`Range`/`x-ms-range`, 206 with Content-Range, 416 past the end), so a
 * follower fetches only what it has not seen yet; the file is read when asked, so new lines are
 * visible at once.
 */

export const LOGS_PREFIX = '/_logs';
const LIFETIME_MS = 30 * 60_000;

export interface LogFileSource {
  /** Absolute path of a job's log file, or undefined when the job or file does not exist. */
  locate(workspace: string, job: string, file: string): string | undefined;
}

export class LogFileUrls {
  private readonly key = crypto.randomBytes(32);

  constructor(
    private readonly baseUrl: string,
    private readonly source: LogFileSource,
  ) {}

  url(workspace: string, job: string, file: string, now = Date.now()): string {
    const expiry = Math.floor((now + LIFETIME_MS) / 1000);
    const path = [workspace, job, ...file.split('/')].map(encodeURIComponent).join('/');
    return `${this.baseUrl}${LOGS_PREFIX}/${path}?se=${expiry}&sp=r&sig=${this.sign(workspace, job, file, expiry)}`;
  }

  private sign(workspace: string, job: string, file: string, expiry: number): string {
    return crypto.createHmac('sha256', this.key).update(`${workspace}\n${job}\n${file}\n${expiry}`).digest('base64url');
  }

  handle(ctx: RequestContext): Reply {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD')
      return storageError(405, 'UnsupportedHttpVerb', 'Only GET and HEAD.');
    const [, workspace, job, ...rest] = segments(ctx.path);
    const file = rest.join('/');
    const expiry = Number(ctx.query.get('se'));
    const sig = ctx.query.get('sig') ?? '';
    const want = workspace && job && file ? this.sign(workspace, job, file, expiry) : '';
    if (!want || sig.length !== want.length || !crypto.timingSafeEqual(Buffer.from(sig), Buffer.from(want))) {
      return storageError(403, 'AuthenticationFailed', 'Signature did not match.');
    }
    if (!Number.isFinite(expiry) || expiry * 1000 < Date.now()) {
      return storageError(403, 'AuthenticationFailed', 'Signed expiry time has passed.');
    }
    const local = this.source.locate(workspace, job, file);
    if (!local || !fs.existsSync(local)) return storageError(404, 'BlobNotFound', 'The specified blob does not exist.');
    const size = fs.statSync(local).size;
    const range = parseRange(headerValue(ctx.req, 'x-ms-range') ?? headerValue(ctx.req, 'range'), size);
    const headers: Record<string, string> = {
      'content-type': 'text/plain; charset=utf-8',
      'accept-ranges': 'bytes',
      'x-ms-blob-type': 'AppendBlob',
    };
    if (range === 'unsatisfiable') {
      return {
        status: 416,
        headers: { ...headers, 'content-range': `bytes */${size}` },
        body: storageErrorXml('InvalidRange', 'The range specified is invalid for the current size of the resource.'),
      };
    }
    const [start, end] = range ?? [0, size - 1];
    const bytes = Buffer.alloc(Math.max(0, end - start + 1));
    if (bytes.length > 0) {
      const fd = fs.openSync(local, 'r');
      try {
        fs.readSync(fd, bytes, 0, bytes.length, start);
      } finally {
        fs.closeSync(fd);
      }
    }
    if (range) headers['content-range'] = `bytes ${start}-${end}/${size}`;
    return { status: range ? 206 : 200, headers, body: ctx.method === 'HEAD' ? undefined : bytes };
  }
}

/** [start, end] (inclusive) for `bytes=a-b`, `bytes=a-` or `bytes=-n`; undefined for no or a malformed header. */
function parseRange(header: string | undefined, size: number): [number, number] | 'unsatisfiable' | undefined {
  const m = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const n = Number(m[2]);
    return size === 0 ? 'unsatisfiable' : [Math.max(0, size - n), size - 1];
  }
  const start = Number(m[1]);
  if (start >= size) return 'unsatisfiable';
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  return end < start ? 'unsatisfiable' : [start, end];
}

function storageErrorXml(code: string, message: string): string {
  return `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;
}

function storageError(status: number, code: string, message: string): Reply {
  return {
    status,
    headers: { 'content-type': 'application/xml', 'x-ms-error-code': code },
    body: storageErrorXml(code, message),
  };
}
