import { UserError } from '../../errors';
import type { Host } from '../../host';
import { ArmError } from '../arm';
import { explainArmError, type AmlContext } from '../context';
import { propertiesInclude, same, sentFieldsMatch } from '../deployments/matches';
import { deploymentBody, endpointBody, type Json } from './body';
import type { OnlineDeploymentSpec, OnlineEndpointSpec } from './load';
import {
  deploymentLogs,
  deploymentPath,
  endpointPath,
  getDeployment,
  getEndpoint,
  putAndWait,
  trafficOf,
  type DeploymentResource,
  type EndpointResource,
} from './online';

export interface EndpointApplied {
  endpoint: EndpointResource;
  created: boolean;
  /** A PUT was sent (created or updated). */
  changed: boolean;
}

/**
 * Creates the endpoint, or updates it when it differs from the spec, keeping its traffic and
 * mirror traffic exactly; an endpoint that already matches gets no request.
 */
export async function applyEndpoint(
  ctx: AmlContext,
  host: Host,
  spec: OnlineEndpointSpec,
  location: string,
  options: { timeoutMs: number },
): Promise<EndpointApplied> {
  const what = `online endpoint '${spec.name}'`;
  const existing = await getEndpoint(ctx, spec.name);
  const body = endpointBody(ctx, spec, location, existing ? trafficOf(existing) : undefined);
  if (existing && existing.properties?.provisioningState === 'Succeeded' && endpointMatches(existing, body)) {
    host.info(`Online endpoint '${spec.name}' is up to date`);
    return { endpoint: existing, created: false, changed: false };
  }
  host.info(`${existing ? 'Updating' : 'Creating'} ${what}`);
  try {
    const endpoint = await putAndWait<EndpointResource>(ctx, host, endpointPath(ctx, spec.name), body, what, {
      timeoutMs: options.timeoutMs,
    });
    return { endpoint, created: !existing, changed: true };
  } catch (err) {
    throw explainArmError(err, ctx, what);
  }
}

export function endpointMatches(current: EndpointResource, wanted: Json): boolean {
  const want = wanted.properties as Json;
  const have = current.properties ?? {};
  const lower = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v);
  return (
    same(current.tags ?? {}, wanted.tags) &&
    lower(want.authMode) === lower(have.authMode) &&
    (want.description ?? null) === (have.description ?? null) &&
    (want.compute === undefined || lower(want.compute) === lower(have.compute)) &&
    (want.publicNetworkAccess === undefined || want.publicNetworkAccess === have.publicNetworkAccess) &&
    lower((wanted.identity as Json | undefined)?.type) === lower(current.identity?.type ?? 'SystemAssigned') &&
    propertiesInclude(have.properties, want.properties)
  );
}

export interface DeploymentApplied {
  deployment: DeploymentResource;
  created: boolean;
  changed: boolean;
  body: Json;
}

/** The deployment failed to provision; the message carries Azure's reason and the container log tail. */
export class DeploymentFailedError extends UserError {
  constructor(
    message: string,
    readonly logs: string,
  ) {
    super(message, {
      hint: 'The container log above shows what the scoring script printed; fix it and re-run.',
    });
    this.name = 'DeploymentFailedError';
  }
}

/**
 * Creates or updates the deployment (never its traffic) and waits for it, printing progress; a
 * deployment that already matches (and Succeeded) gets no request. When provisioning fails, the
 * error names Azure's reason and carries the container log tail.
 */
export async function applyDeployment(
  ctx: AmlContext,
  host: Host,
  endpoint: string,
  spec: OnlineDeploymentSpec,
  location: string,
  options: { timeoutMs: number },
): Promise<DeploymentApplied> {
  const what = `deployment '${spec.name}'`;
  const body = await deploymentBody(ctx, host, spec, location);
  const existing = await getDeployment(ctx, endpoint, spec.name);
  if (existing && existing.properties?.provisioningState === 'Succeeded' && deploymentMatches(existing, body)) {
    host.info(`Deployment '${spec.name}' is up to date`);
    return { deployment: existing, created: false, changed: false, body };
  }
  host.info(`${existing ? 'Updating' : 'Creating'} ${what} on endpoint '${endpoint}'`);
  let last = '';
  let lastAt = 0;
  try {
    const deployment = await putAndWait<DeploymentResource>(
      ctx,
      host,
      deploymentPath(ctx, endpoint, spec.name),
      body,
      what,
      {
        timeoutMs: options.timeoutMs,
        onProgress: (status, ms) => {
          if (status === last && ms - lastAt < 15_000) return;
          last = status;
          lastAt = ms;
          host.info(`${what}: ${status} (${Math.round(ms / 1000)}s)`);
        },
      },
    );
    host.info(`${what}: Succeeded`);
    return { deployment, created: !existing, changed: true, body };
  } catch (err) {
    if (!(err instanceof UserError || err instanceof ArmError)) throw err;
    const state = await getDeployment(ctx, endpoint, spec.name).catch(() => undefined);
    const logs = await deploymentLogs(ctx, endpoint, spec.name, { tail: 50 });
    const reason = err instanceof ArmError ? `${err.code}: ${err.message}` : err.message;
    const provisioning = state?.properties?.provisioningState;
    throw new DeploymentFailedError(
      `${what} did not provision${provisioning ? ` (${provisioning})` : ''}: ${reason}`,
      logs,
    );
  }
}

/** A deployment matches when every field we send has that value already (the service fills in the rest). */
export function deploymentMatches(current: DeploymentResource, wanted: Json): boolean {
  const have = current.properties ?? {};
  const want = wanted.properties as Json;
  if (!same(current.tags ?? {}, wanted.tags)) return false;
  const sku = wanted.sku as { capacity?: number };
  if ((sku.capacity ?? 1) !== (current.sku?.capacity ?? 1)) return false;
  return sentFieldsMatch(have, want, (h, v) =>
    // ARM ids come back in the service's casing.
    typeof v === 'string' && typeof h === 'string' && /^\/subscriptions\//i.test(v)
      ? v.toLowerCase() === h.toLowerCase()
      : same(h, v),
  );
}
