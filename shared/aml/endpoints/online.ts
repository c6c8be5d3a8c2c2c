import { UserError } from '../../errors';
import type { Host } from '../../host';
import { Arm, ArmError } from '../arm';
import { createCredential } from '../auth';
import { explainArmError, type AmlContext } from '../context';
import { waitForArmOperation } from '../lro';
import type { Json, Traffic } from './body';

/**
 * ARM operations on online endpoints and deployments that every caller (deploy-online, smoke-test,
 * profile) shares: read, create or update and wait, traffic, keys and tokens, logs, delete.
 */

export interface EndpointResource {
  id?: string;
  name?: string;
  location?: string;
  tags?: Record<string, string>;
  identity?: { type?: string; userAssignedIdentities?: Record<string, unknown> };
  properties?: Json & {
    provisioningState?: string;
    scoringUri?: string;
    authMode?: string;
    description?: string;
    compute?: string;
    publicNetworkAccess?: string;
    properties?: Record<string, string>;
    traffic?: Traffic;
    mirrorTraffic?: Traffic;
  };
}

export interface DeploymentResource {
  id?: string;
  name?: string;
  tags?: Record<string, string>;
  sku?: { name?: string; capacity?: number };
  properties?: Json & { provisioningState?: string };
}

export interface WaitOptions {
  timeoutMs: number;
  /** Defaults to the run's signal; cleanup after a cancel passes its own. */
  signal?: AbortSignal;
}

export const endpointPath = (ctx: AmlContext, endpoint: string): string =>
  `${ctx.workspacePath}/onlineEndpoints/${encodeURIComponent(endpoint)}`;

export const deploymentPath = (ctx: AmlContext, endpoint: string, deployment: string): string =>
  `${endpointPath(ctx, endpoint)}/deployments/${encodeURIComponent(deployment)}`;

export async function getEndpoint(ctx: AmlContext, endpoint: string): Promise<EndpointResource | undefined> {
  try {
    return await ctx.arm.getOrUndefined<EndpointResource>(endpointPath(ctx, endpoint));
  } catch (err) {
    throw explainArmError(err, ctx, `online endpoint '${endpoint}'`);
  }
}

export async function getDeployment(
  ctx: AmlContext,
  endpoint: string,
  deployment: string,
): Promise<DeploymentResource | undefined> {
  try {
    return await ctx.arm.getOrUndefined<DeploymentResource>(deploymentPath(ctx, endpoint, deployment));
  } catch (err) {
    throw explainArmError(err, ctx, `deployment '${deployment}'`);
  }
}

export async function listDeployments(ctx: AmlContext, endpoint: string): Promise<DeploymentResource[]> {
  const out: DeploymentResource[] = [];
  let next: string | undefined = `${endpointPath(ctx, endpoint)}/deployments`;
  try {
    while (next) {
      const page: { body: { value?: DeploymentResource[]; nextLink?: string } } = await ctx.arm.request('GET', next);
      out.push(...(page.body?.value ?? []));
      next = page.body?.nextLink;
    }
  } catch (err) {
    throw explainArmError(err, ctx, `deployments of online endpoint '${endpoint}'`);
  }
  return out;
}

/** Traffic and mirror traffic of an endpoint, 0% entries left out. */
export function trafficOf(endpoint: EndpointResource | undefined): { traffic: Traffic; mirrorTraffic: Traffic } {
  const clean = (t: Traffic | undefined): Traffic =>
    Object.fromEntries(
      Object.entries(t ?? {})
        .filter(([, v]) => Number(v) > 0)
        .map(([k, v]) => [k, Number(v)]),
    );
  return { traffic: clean(endpoint?.properties?.traffic), mirrorTraffic: clean(endpoint?.properties?.mirrorTraffic) };
}

/** PUT, follow the long-running operation, and read the resource back; provisioning must end Succeeded. */
export async function putAndWait<T extends { properties?: { provisioningState?: string } }>(
  ctx: AmlContext,
  host: Host,
  path: string,
  body: Json,
  what: string,
  options: WaitOptions & { onProgress?: (status: string, elapsedMs: number) => void },
): Promise<T> {
  const signal = options.signal ?? host.signal;
  const response = await ctx.arm.request<T>('PUT', path, body, { signal });
  await waitForArmOperation(ctx.arm, response, {
    what,
    timeoutMs: options.timeoutMs,
    signal,
    minPollMs: 250,
    maxPollMs: 10_000,
    onProgress: options.onProgress,
  });
  const settled = (await ctx.arm.request<T>('GET', path, undefined, { signal })).body;
  const state = settled?.properties?.provisioningState;
  if (state && state !== 'Succeeded') throw new UserError(`${what} ended ${state}`);
  return settled;
}

/**
 * The PUT body that keeps an endpoint as it is and sets its traffic, as `az ml online-endpoint
 * update --traffic` sends it (ARM's PATCH of an endpoint carries only tags and identity).
 */
export function trafficBody(current: EndpointResource, traffic: Traffic, mirrorTraffic: Traffic): Json {
  const p = current.properties ?? {};
  const identity: Json = { type: current.identity?.type ?? 'SystemAssigned' };
  if (current.identity?.userAssignedIdentities) {
    identity.userAssignedIdentities = Object.fromEntries(
      Object.keys(current.identity.userAssignedIdentities).map((k) => [k, {}]),
    );
  }
  const properties: Json = {
    ...(p.description !== undefined && p.description !== null ? { description: p.description } : {}),
    authMode: p.authMode,
    properties: p.properties ?? {},
    traffic,
    mirrorTraffic,
  };
  if (p.compute) properties.compute = p.compute;
  if (p.publicNetworkAccess) properties.publicNetworkAccess = p.publicNetworkAccess;
  return { location: current.location, identity, tags: current.tags ?? {}, properties };
}

/** Sets the endpoint's traffic and mirror traffic and waits until Azure applied them. */
export async function setTraffic(
  ctx: AmlContext,
  host: Host,
  current: EndpointResource,
  traffic: Traffic,
  mirrorTraffic: Traffic,
  options: WaitOptions,
): Promise<EndpointResource> {
  const name = current.name ?? '';
  const what = `traffic of online endpoint '${name}'`;
  try {
    return await whileBusy(options, () =>
      putAndWait<EndpointResource>(
        ctx,
        host,
        endpointPath(ctx, name),
        trafficBody(current, traffic, mirrorTraffic),
        what,
        options,
      ),
    );
  } catch (err) {
    throw explainArmError(err, ctx, what);
  }
}

/**
 * Azure answers 409 while an earlier operation on the resource runs (e.g. a traffic update that a
 * cancel interrupted the wait for); the next one starts when it ends.
 */
async function whileBusy<T>(options: WaitOptions, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (let pause = 250; ; pause = Math.min(pause * 2, 5000)) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof ArmError && err.status === 409) || Date.now() + pause > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}

/** The last lines of a deployment's container log, or '' when Azure has none. */
export async function deploymentLogs(
  ctx: AmlContext,
  endpoint: string,
  deployment: string,
  options: { tail?: number; container?: 'InferenceServer' | 'StorageInitializer'; signal?: AbortSignal } = {},
): Promise<string> {
  try {
    const res = await ctx.arm.request<{ content?: string }>(
      'POST',
      `${deploymentPath(ctx, endpoint, deployment)}/getLogs`,
      { containerType: options.container ?? 'InferenceServer', tail: options.tail ?? 50 },
      { signal: options.signal },
    );
    return (res.body?.content ?? '').trimEnd();
  } catch {
    return '';
  }
}

/** Deletes a deployment and waits until it is gone; one already gone is fine. */
export async function deleteDeployment(
  ctx: AmlContext,
  host: Host,
  endpoint: string,
  deployment: string,
  options: WaitOptions,
): Promise<void> {
  const what = `deployment '${deployment}'`;
  const signal = options.signal ?? host.signal;
  const path = deploymentPath(ctx, endpoint, deployment);
  try {
    const res = await whileBusy(options, () => ctx.arm.request('DELETE', path, undefined, { signal }));
    if (res.status === 204) return;
    await waitForArmOperation(ctx.arm, res, {
      what: `deleting ${what}`,
      timeoutMs: options.timeoutMs,
      signal,
      minPollMs: 250,
      maxPollMs: 10_000,
    });
  } catch (err) {
    if (err instanceof ArmError && err.status === 404) return;
    throw explainArmError(err, ctx, `deleting ${what}`);
  }
}

/**
 * The same workspace access on its own time-bound signal: cleanup after a cancel (restoring
 * traffic, deleting a failed deployment) must still reach Azure when the run's signal has aborted.
 */
export function cleanupContext(ctx: AmlContext, host: Host, timeoutMs: number): AmlContext {
  const signal = AbortSignal.timeout(timeoutMs);
  const arm = new Arm(ctx.connection, ctx.workspace.subscriptionId, createCredential(ctx.connection, host.env), signal);
  return { ...ctx, arm };
}

/** Azure ML's data-plane audience per cloud; custom clouds (the emulator) use the public one. */
export function mlAudience(ctx: AmlContext): string {
  const name = ctx.connection.cloud.name;
  if (name === 'AzureChinaCloud') return 'https://ml.azure.cn';
  if (name === 'AzureUSGovernment') return 'https://ml.azure.us';
  return 'https://ml.azure.com';
}

/**
 * What scoring requests send as `Authorization: Bearer ...` for the endpoint's auth mode: its
 * primary key, an Azure ML token, or an Entra token for Azure ML. Masked the moment it is read.
 */
export async function scoringCredential(
  ctx: AmlContext,
  host: Host,
  endpoint: EndpointResource,
  options: { signal?: AbortSignal } = {},
): Promise<string> {
  const name = endpoint.name ?? '';
  const mode = String(endpoint.properties?.authMode ?? 'Key').toLowerCase();
  let secret: string | undefined;
  try {
    if (mode === 'key') {
      const res = await ctx.arm.request<{ primaryKey?: string; secondaryKey?: string }>(
        'POST',
        `${endpointPath(ctx, name)}/listKeys`,
        undefined,
        { signal: options.signal },
      );
      if (res.body?.secondaryKey) host.mask(res.body.secondaryKey);
      secret = res.body?.primaryKey;
    } else if (mode === 'amltoken') {
      const res = await ctx.arm.request<{ accessToken?: string }>(
        'POST',
        `${endpointPath(ctx, name)}/token`,
        undefined,
        { signal: options.signal },
      );
      secret = res.body?.accessToken;
    } else {
      const token = await createCredential(ctx.connection, host.env).getToken(`${mlAudience(ctx)}/.default`, {
        abortSignal: options.signal ?? host.signal,
      });
      secret = token?.token;
    }
  } catch (err) {
    throw explainArmError(err, ctx, `credentials of online endpoint '${name}'`);
  }
  if (!secret) throw new Error(`online endpoint '${name}' gave no ${mode === 'key' ? 'key' : 'token'}`);
  host.mask(secret);
  return secret;
}
