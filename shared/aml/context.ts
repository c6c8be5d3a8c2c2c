import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../errors';
import type { Host } from '../host';
import type { Inputs } from '../inputs';
import { YamlFile } from '../yaml-file';
import { Arm, ArmError } from './arm';
import { createCredential, FEDERATION_AUDIENCE } from './auth';
import { customCloud, isKnownCloud, knownClouds } from './clouds';
import type { AuthConfig, AzureConnection, CloudSettings } from './connection';

export interface WorkspaceRef {
  subscriptionId: string;
  resourceGroup: string;
  workspace: string;
}

export interface AmlContext {
  connection: AzureConnection;
  workspace: WorkspaceRef;
  arm: Arm;
  /** ARM path of the workspace. */
  workspacePath: string;
}

import { exported } from './exported';

export { exported };

/** Keys of a per-environment file, e.g. .cloud/dev.yml. */
interface EnvironmentFile {
  subscription_id?: string;
  resource_group?: string;
  workspace_name?: string;
  tenant_id?: string;
  client_id?: string;
  cloud?: string;
  arm_endpoint?: string;
  authority_host?: string;
}
const ENVIRONMENT_KEYS = new Set([
  'subscription_id',
  'resource_group',
  'workspace_name',
  'workspace',
  'tenant_id',
  'client_id',
  'cloud',
  'arm_endpoint',
  'authority_host',
  'location',
]);

/** Resolves where and how to connect from inputs, the environment file and exported variables. No network. */
export function resolveContext(inputs: Inputs, host: Host): AmlContext {
  const file = readEnvironmentFile(inputs, host);
  const env = host.env;
  const pick = (input: string, fileValue: string | undefined, envName: string): string | undefined =>
    inputs.string(input) ?? fileValue ?? (env[envName] || undefined);

  const service = host.serviceConnection?.();
  const cloud = service?.cloud ?? resolveCloud(inputs, host, file);
  const auth = service?.auth ?? resolveAuth(inputs, host, file);

  const subscriptionId =
    pick('subscription-id', file?.subscription_id, exported.subscriptionId) ??
    service?.subscriptionId ??
    (env.AZURE_SUBSCRIPTION_ID || undefined);
  const resourceGroup = pick('resource-group', file?.resource_group, exported.resourceGroup);
  const workspace = pick('workspace', file?.workspace_name, exported.workspace);
  const missing = [
    !subscriptionId && 'subscription-id',
    !resourceGroup && 'resource-group',
    !workspace && 'workspace',
  ].filter(Boolean) as string[];
  if (missing.length) {
    throw new UserError(`no workspace to work on: ${missing.map((m) => host.describeInput(m)).join(', ')} not set`, {
      hint: `Set them, or ${host.describeInput('environment')} naming a file in ${inputs.string('config-dir') ?? '.cloud'}/, or run the connect step earlier in the job.`,
    });
  }
  const connection: AzureConnection = { cloud, auth, subscriptionId };
  const credential = createCredential(connection, env);
  const arm = new Arm(connection, subscriptionId!, credential, host.signal);
  return {
    connection,
    workspace: { subscriptionId: subscriptionId!, resourceGroup: resourceGroup!, workspace: workspace! },
    arm,
    workspacePath: arm.workspacePath(resourceGroup!, workspace!),
  };
}

function readEnvironmentFile(inputs: Inputs, host: Host): EnvironmentFile | undefined {
  const name = inputs.string('environment');
  if (!name) return undefined;
  if (!/^[A-Za-z0-9._-]+$/.test(name))
    inputs.fail('environment', `must be a plain name such as dev or prod, got '${name}'`);
  const dir = path.resolve(host.cwd, inputs.string('config-dir') ?? '.cloud');
  const candidates = ['.yml', '.yaml', '.json'].map((ext) => path.join(dir, name + ext));
  const found = candidates.find((c) => fs.existsSync(c));
  if (!found) {
    const available = fs.existsSync(dir)
      ? fs
          .readdirSync(dir)
          .filter((f) => /\.(ya?ml|json)$/.test(f))
          .map((f) => f.replace(/\.(ya?ml|json)$/, ''))
      : [];
    throw new UserError(`${host.describeInput('environment')}: no file ${path.relative(host.cwd, candidates[0])}`, {
      hint: available.length
        ? `Environments found: ${available.join(', ')}.`
        : `Create ${path.relative(host.cwd, candidates[0])} with subscription_id, resource_group and workspace_name.`,
    });
  }
  const yaml = YamlFile.load(found, host.cwd);
  const data = yaml.toJS();
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    throw yaml.error([], 'must be a mapping with subscription_id, resource_group and workspace_name');
  }
  const record = data as Record<string, unknown>;
  for (const [key, value] of Object.entries(record)) {
    if (!ENVIRONMENT_KEYS.has(key)) {
      throw yaml.error([key], `unknown key '${key}'`, `Known keys: ${[...ENVIRONMENT_KEYS].join(', ')}.`);
    }
    if (value !== null && typeof value !== 'string') throw yaml.error([key], `'${key}' must be a string`);
  }
  const out = record as EnvironmentFile & { workspace?: string };
  return { ...out, workspace_name: out.workspace_name ?? out.workspace };
}

function resolveCloud(inputs: Inputs, host: Host, file: EnvironmentFile | undefined): CloudSettings {
  const env = host.env;
  const given = host.getInput('cloud')?.trim();
  const armEndpoint = inputs.string('arm-endpoint') ?? file?.arm_endpoint ?? (env[exported.armEndpoint] || undefined);
  const authorityHost =
    inputs.string('authority-host') ?? file?.authority_host ?? (env[exported.authorityHost] || undefined);
  const name = given
    ? inputs.choice<string>('cloud')!
    : (file?.cloud ?? (env[exported.cloud] || (armEndpoint ? 'Custom' : 'AzureCloud')));
  if (isKnownCloud(name)) {
    if (given && armEndpoint) inputs.fail('arm-endpoint', `only applies to cloud Custom, not ${name}`);
    return knownClouds[name];
  }
  if (name !== 'Custom')
    inputs.fail('cloud', `must be one of AzureCloud, AzureChinaCloud, AzureUSGovernment, Custom, got '${name}'`);
  if (!armEndpoint) inputs.fail('arm-endpoint', 'is required when the cloud is Custom');
  if (!authorityHost) inputs.fail('authority-host', 'is required when the cloud is Custom');
  for (const [input, url] of [
    ['arm-endpoint', armEndpoint],
    ['authority-host', authorityHost],
  ] as const) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      inputs.fail(input, `must be an https URL, got '${url}'`);
    }
    if (parsed.protocol !== 'https:') inputs.fail(input, `must be an https URL, got '${url}'`);
  }
  return customCloud(armEndpoint, authorityHost);
}

function resolveAuth(inputs: Inputs, host: Host, file: EnvironmentFile | undefined): AuthConfig {
  const env = host.env;
  // The ambient chain reads these itself; mask them before anything can print them.
  for (const name of ['AZURE_CLIENT_SECRET', 'AZURE_CLIENT_CERTIFICATE_PASSWORD']) {
    const secret = env[name];
    if (secret) host.mask(secret);
  }
  const clientId = inputs.string('client-id') ?? file?.client_id ?? (env[exported.clientId] || undefined);
  const tenantId = inputs.string('tenant-id') ?? file?.tenant_id ?? (env[exported.tenantId] || undefined);
  if (!!clientId !== !!tenantId) {
    inputs.fail(
      clientId ? 'tenant-id' : 'client-id',
      `is required together with ${host.describeInput(clientId ? 'client-id' : 'tenant-id')}`,
    );
  }
  if (clientId && tenantId && host.getIdToken && env.ACTIONS_ID_TOKEN_REQUEST_URL) {
    const getIdToken = host.getIdToken.bind(host);
    // Asked anew whenever Entra needs an assertion, so a job outlives the ID token's few minutes.
    return { kind: 'federated', tenantId, clientId, getAssertion: () => getIdToken(FEDERATION_AUDIENCE) };
  }
  if (clientId && tenantId && host.face === 'github' && !env.AZURE_CLIENT_SECRET && !env.AZURE_FEDERATED_TOKEN_FILE) {
    throw new UserError(
      'client-id and tenant-id ask for federated sign-in, but this job cannot request an OIDC token',
      {
        hint: 'Add `permissions: id-token: write` to the workflow or job.',
      },
    );
  }
  return { kind: 'ambient', tenantId, clientId };
}

/** Reads the workspace, turning ARM's answers into messages a user can act on. */
export async function getWorkspace<T = Record<string, unknown>>(ctx: AmlContext): Promise<T> {
  try {
    return (await ctx.arm.request<T>('GET', ctx.workspacePath)).body;
  } catch (err) {
    throw explainArmError(err, ctx, `workspace '${ctx.workspace.workspace}'`);
  }
}

/** 403 and 404 on a workspace path become user errors naming the workspace and what to do. */
export function explainArmError(err: unknown, ctx: AmlContext, what: string): unknown {
  if (!(err instanceof ArmError)) return err;
  const { workspace, resourceGroup, subscriptionId } = ctx.workspace;
  if (err.status === 404 && /workspace/i.test(err.message) && what.startsWith('workspace')) {
    return new UserError(
      `workspace '${workspace}' not found in resource group '${resourceGroup}' of subscription '${subscriptionId}'`,
      { hint: 'Check the workspace, resource-group and subscription-id inputs (or the environment file).' },
    );
  }
  if (err.status === 403) {
    return new UserError(`no permission to access ${what}: ${err.message}`, {
      hint: `Grant the signed-in identity a role on workspace '${workspace}' (e.g. AzureML Data Scientist or Contributor).`,
    });
  }
  if (err.status === 401) {
    return new UserError(`Azure rejected the sign-in for ${what}: ${err.message}`);
  }
  if (err.status >= 400 && err.status < 500) {
    return new UserError(`${what}: ${err.code}: ${err.message}`);
  }
  return new Error(`${what}: Azure answered ${err.status} ${err.code}: ${err.message}`);
}
