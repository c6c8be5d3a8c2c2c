import { ArmError, armErrors } from '../arm-errors';
import { rbacAction, type ArmAuthenticator } from '../arm-auth';
import type { ServicePrincipal } from '../identity';
import { matchTemplate, segments, type Reply, type RequestContext } from '../http';
import type { SpecHook } from '../spec-hook';
import type { World } from '../world';

/** A request that passed ARM's front door (token, api-version, subscription, RBAC, resource group). */
export interface ArmRequest {
  ctx: RequestContext;
  method: string;
  path: string;
  params: Record<string, string>;
  apiVersion: string;
  query: URLSearchParams;
  body: unknown;
  principal: ServicePrincipal;
}

export interface ArmRoute {
  method: string;
  /** Path template with {params}, starting at 'subscriptions/{subscriptionId}'. */
  template: string;
  /** An operation of the official spec: requests and responses are validated against it. */
  inSpec: boolean;
  handle(req: ArmRequest, w: World): Reply | Promise<Reply>;
}

export interface ArmDeps {
  world: World;
  auth: ArmAuthenticator;
  routes: ArmRoute[];
  spec?: SpecHook;
  /** Collected response violations (exposed on the Emulator object). */
  specViolations: string[];
}

/** The api-version of the spec in ../shared/specs; request bodies of other versions are not checked against it. */
export const SPEC_API_VERSION = '2024-10-01';
const API_VERSION = /^\d{4}-\d{2}-\d{2}(-preview|-beta|-alpha|-privatepreview)?$/;

export async function handleArm(ctx: RequestContext, deps: ArmDeps): Promise<Reply> {
  const { world: w } = deps;
  const parts = segments(ctx.path);
  try {
    const principal = deps.auth.authenticate(ctx.req.headers.authorization);

    const apiVersion = ctx.query.get('api-version');
    if (!apiVersion) throw armErrors.missingApiVersion();
    if (!API_VERSION.test(apiVersion)) throw armErrors.invalidApiVersion(apiVersion);

    const sub = parts[1] ?? '';
    if (sub.toLowerCase() !== w.ids.subscriptionId.toLowerCase()) throw armErrors.subscriptionNotFound(sub);

    if (!principal.authorized) {
      const scope = `/${parts.join('/')}`;
      throw armErrors.authorizationFailed(principal.objectId, rbacAction(ctx.method, parts), scope);
    }
    if (
      parts[2]?.toLowerCase() === 'resourcegroups' &&
      (parts[3] ?? '').toLowerCase() !== w.ids.resourceGroup.toLowerCase()
    ) {
      throw armErrors.resourceGroupNotFound(parts[3] ?? '');
    }

    let pathMatched = false;
    for (const route of deps.routes) {
      const params = matchTemplate(route.template, parts);
      if (!params) continue;
      pathMatched = true;
      if (route.method !== ctx.method) continue;
      return await runRoute(
        route,
        { ctx, method: ctx.method, path: ctx.path, params, apiVersion, query: ctx.query, body: ctx.body, principal },
        deps,
      );
    }
    if (pathMatched) {
      throw new ArmError(
        405,
        'MethodNotAllowed',
        `The requested resource does not support http method '${ctx.method}'.`,
      );
    }
    throw armErrors.notImplemented(ctx.method, ctx.path);
  } catch (e) {
    return errorReply(e, w);
  }
}

async function runRoute(route: ArmRoute, req: ArmRequest, deps: ArmDeps): Promise<Reply> {
  const { ctx } = req;
  if (ctx.bodyError) {
    return errorReply(armErrors.invalidRequestContent(ctx.bodyError), deps.world);
  }
  const spec = route.inSpec && deps.spec?.covers(req.method, req.path) ? deps.spec : undefined;
  // Older api-versions (azure-ai-ml sends several) have other models; only 2024-10-01 bodies are checked.
  if (spec && req.apiVersion === SPEC_API_VERSION) {
    const problems = spec.checkRequest(req.method, req.path, req.body);
    if (problems.length > 0) {
      return errorReply(
        new ArmError(
          400,
          'InvalidRequestContent',
          `The request does not match the ${SPEC_API_VERSION} API specification: ${problems.join('; ')}`,
        ),
        deps.world,
      );
    }
  }
  let reply: Reply;
  try {
    reply = await route.handle(req, deps.world);
  } catch (e) {
    reply = errorReply(e, deps.world);
  }
  if (spec) {
    const problems = spec.checkResponse(req.method, req.path, reply.status, reply.body);
    for (const p of problems) {
      const line = `SPEC VIOLATION in response to ${req.method} ${req.path} (${reply.status}): ${p}`;
      deps.specViolations.push(line);
      deps.world.log(line);
    }
  }
  return reply;
}

export function errorReply(e: unknown, w: World): Reply {
  if (e instanceof ArmError) return { status: e.status, body: e.body(), headers: e.headers };
  w.log(`internal error: ${(e as Error).stack ?? String(e)}`);
  return {
    status: 500,
    body: { error: { code: 'InternalServerError', message: `The emulator failed: ${(e as Error).message}` } },
  };
}
