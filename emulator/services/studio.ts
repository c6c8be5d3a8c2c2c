import * as fs from 'node:fs';
import { segments, type Reply, type RequestContext } from '../http';
import type { JobRecord } from '../jobs/model';
import { childrenOf, findJob } from '../jobs/store';
import type { World } from '../world';

/**
 * The page a job's Studio link (services.Studio.endpoint) opens: a plain read-only view of the job,
 * its steps or trials and its log, so links printed by CI steps lead somewhere when run locally.
 */
export interface StudioDeps {
  world: World;
  logFile(rec: JobRecord, file: string): string | undefined;
}

const escape = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

export function handleStudio(ctx: RequestContext, deps: StudioDeps): Reply {
  const [, kind, name] = segments(ctx.path);
  const wsid = ctx.query.get('wsid') ?? '';
  const ws = deps.world.ids.workspaces.find((x) => wsid.toLowerCase().endsWith(`/workspaces/${x.name.toLowerCase()}`));
  const rec = kind === 'runs' && ws && name ? findJob(deps.world, ws.name, name) : undefined;
  if (!rec)
    return { status: 404, headers: { 'content-type': 'text/html; charset=utf-8' }, body: '<h1>Job not found</h1>' };
  const link = (r: JobRecord): string =>
    `<a href="/studio/runs/${encodeURIComponent(r.name)}?wsid=${encodeURIComponent(wsid)}">${escape(String(r.request.displayName ?? r.name))}</a>`;
  const rows = childrenOf(deps.world, rec)
    .map((c) => `<tr><td>${link(c)}</td><td>${escape(c.status)}</td><td>${escape(c.startTime ?? '')}</td></tr>`)
    .join('');
  const logPath = deps.logFile(rec, 'user_logs/std_log.txt');
  const log = logPath && fs.existsSync(logPath) ? fs.readFileSync(logPath, 'utf8').slice(-100_000) : '';
  const parent = rec.parent ? findJob(deps.world, rec.workspace, rec.parent) : undefined;
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${escape(rec.name)}</title>
<style>body{font-family:sans-serif;margin:2em}pre{background:#f4f4f4;padding:1em;overflow:auto}td{padding:0 1em}</style></head><body>
<h1>${escape(String(rec.request.displayName ?? rec.name))}</h1>
<p>${escape(rec.jobType)} job <code>${escape(rec.name)}</code> in workspace ${escape(rec.workspace)} (local emulator): <b>${escape(rec.status)}</b>${parent ? `, part of ${link(parent)}` : ''}</p>
${rec.error ? `<p><b>Error:</b> ${escape(rec.error.message)}</p>` : ''}
${rows ? `<table><tr><th>Child job</th><th>Status</th><th>Started</th></tr>${rows}</table>` : ''}
${log ? `<h2>user_logs/std_log.txt</h2><pre>${escape(log)}</pre>` : ''}
</body></html>`;
  return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: html };
}
