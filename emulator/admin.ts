import { faultRuleFromJson, type Faults } from './faults';
import { matchTemplate, segments, type Reply, type RequestContext } from './http';
import type { EmulatorInfo, FaultRule, RequestLogEntry } from './types';

/**
 * Test controls over HTTP for processes that do not hold the Emulator object (spawned faces, the
 * CLI emulator): fault injection, the request log, ready-made tokens. Local only; no token needed.
 */
export interface AdminDeps {
  info: () => EmulatorInfo;
  faults: Faults;
  requests: RequestLogEntry[];
  clearRequests: () => void;
  specViolations: string[];
  issueAccessToken: (opts: { lifetimeSeconds?: number; audience?: string; clientId?: string }) => string;
}

export const ADMIN_PREFIX = '/_admin';

export function handleAdmin(ctx: RequestContext, deps: AdminDeps): Reply {
  const parts = segments(ctx.path);
  const is = (method: string, template: string): boolean =>
    ctx.method === method && matchTemplate(template, parts) !== undefined;
  try {
    if (is('GET', '_admin/info')) return { status: 200, body: deps.info() };
    if (is('GET', '_admin/requests')) return { status: 200, body: deps.requests };
    if (is('DELETE', '_admin/requests')) {
      deps.clearRequests();
      return { status: 204 };
    }
    if (is('GET', '_admin/spec-violations')) return { status: 200, body: deps.specViolations };
    if (is('GET', '_admin/faults')) return { status: 200, body: deps.faults.pending().map(faultRuleToJson) };
    if (is('DELETE', '_admin/faults')) {
      deps.faults.clear();
      return { status: 204 };
    }
    if (is('POST', '_admin/faults')) {
      const rules = (Array.isArray(ctx.body) ? ctx.body : [ctx.body]).map(faultRuleFromJson);
      rules.forEach((r) => deps.faults.add(r));
      return { status: 201, body: { added: rules.length } };
    }
    if (is('POST', '_admin/token')) {
      const b = (ctx.body ?? {}) as { lifetimeSeconds?: number; audience?: string; clientId?: string };
      return { status: 200, body: { access_token: deps.issueAccessToken(b) } };
    }
  } catch (e) {
    return { status: 400, body: { error: { code: 'BadRequest', message: (e as Error).message } } };
  }
  return { status: 404, body: { error: { code: 'NotFound', message: `No admin route ${ctx.method} ${ctx.path}` } } };
}

function faultRuleToJson(rule: FaultRule): Record<string, unknown> {
  const path = rule.path instanceof RegExp ? { regex: rule.path.source, flags: rule.path.flags } : rule.path;
  return { ...rule, path };
}
