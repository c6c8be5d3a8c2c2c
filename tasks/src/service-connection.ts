import { customCloud, isKnownCloud, knownClouds } from '../../shared/aml/clouds';
import type { AuthConfig, AzureConnection, CloudSettings } from '../../shared/aml/connection';
import { UserError } from '../../shared/errors';

/** The few task-lib calls this module needs; a narrow port so it can be tested without the agent. */
export interface EndpointReader {
  getInput(name: string, required?: boolean): string | undefined;
  getVariable(name: string): string | undefined;
  getEndpointAuthorizationScheme(id: string, optional: boolean): string | undefined;
  getEndpointAuthorizationParameter(id: string, key: string, optional: boolean): string | undefined;
  getEndpointDataParameter(id: string, key: string, optional: boolean): string | undefined;
  getEndpointUrl(id: string, optional: boolean): string | undefined;
  setSecret(value: string): void;
}

export const CONNECTION_INPUT = 'azureSubscription';

/**
 * Reads the AzureRM service connection chosen in input azureSubscription into the neutral
 * AzureConnection. Secrets are masked the moment they are read.
 */
export function readServiceConnection(tl: EndpointReader, signal?: AbortSignal): AzureConnection {
  const id = tl.getInput(CONNECTION_INPUT, false)?.trim();
  if (!id) {
    throw new UserError(`input '${CONNECTION_INPUT}' is required`, {
      hint: 'Name an Azure Resource Manager service connection (Project settings > Service connections).',
    });
  }
  const scheme = tl.getEndpointAuthorizationScheme(id, true);
  if (!scheme) {
    throw new UserError(`service connection '${id}' was not found or this pipeline may not use it`, {
      hint: 'Check the name, and authorize the pipeline to use the connection.',
    });
  }
  const param = (key: string) => tl.getEndpointAuthorizationParameter(id, key, true) || undefined;
  const secret = (key: string, what: string): string => {
    const value = param(key);
    if (!value) throw new UserError(`service connection '${id}' has no ${what}`);
    maskSecret(tl, value);
    return value;
  };
  const required = (key: string, what: string): string => {
    const value = param(key);
    if (!value) throw new UserError(`service connection '${id}' has no ${what}`);
    return value;
  };

  let auth: AuthConfig;
  switch (scheme) {
    case 'ServicePrincipal': {
      const tenantId = required('tenantid', 'tenant id');
      const clientId = required('serviceprincipalid', 'service principal id');
      const type = param('authenticationType') ?? 'spnKey';
      auth =
        type === 'spnCertificate'
          ? {
              kind: 'certificate',
              tenantId,
              clientId,
              certificatePem: secret('servicePrincipalCertificate', 'certificate'),
            }
          : {
              kind: 'secret',
              tenantId,
              clientId,
              clientSecret: secret('serviceprincipalkey', 'service principal key'),
            };
      break;
    }
    case 'WorkloadIdentityFederation': {
      const tenantId = required('tenantid', 'tenant id');
      const clientId = required('serviceprincipalid', 'service principal id');
      // A new assertion each time Entra asks: ADO's OIDC tokens live minutes, jobs may run hours.
      auth = { kind: 'federated', tenantId, clientId, getAssertion: () => requestOidcToken(tl, id, signal) };
      break;
    }
    case 'ManagedServiceIdentity':
      // The agent machine's own (system-assigned) identity.
      auth = { kind: 'managed-identity' };
      break;
    default:
      throw new UserError(
        `service connection '${id}' uses authentication scheme '${scheme}', which amlops does not support`,
        {
          hint: 'Use workload identity federation (recommended), a service principal, or a managed identity.',
        },
      );
  }
  const subscriptionId = tl.getEndpointDataParameter(id, 'subscriptionId', true) || undefined;
  return { cloud: readCloud(tl, id), auth, subscriptionId };
}

function readCloud(tl: EndpointReader, id: string): CloudSettings {
  const environment = tl.getEndpointDataParameter(id, 'environment', true) || 'AzureCloud';
  if (isKnownCloud(environment)) return knownClouds[environment];
  // Azure Stack and other custom environments carry their endpoints in the connection.
  const arm = tl.getEndpointUrl(id, true);
  const data = (key: string) => tl.getEndpointDataParameter(id, key, true) || undefined;
  const authority = data('activeDirectoryAuthority') ?? data('environmentAuthorityUrl');
  if (!arm || !authority) {
    throw new UserError(
      `service connection '${id}' is for environment '${environment}' but lacks its Resource Manager URL or authority`,
    );
  }
  return customCloud(arm, authority, data('activeDirectoryServiceEndpointResourceId'));
}

/** Asks Azure DevOps for a fresh OIDC token for this service connection (the documented oidctoken API). */
export async function requestOidcToken(
  tl: EndpointReader,
  connectionId: string,
  signal?: AbortSignal,
): Promise<string> {
  const requestUri = tl.getVariable('System.OidcRequestUri');
  const accessToken =
    tl.getVariable('System.AccessToken') ||
    tl.getEndpointAuthorizationParameter('SystemVssConnection', 'AccessToken', true);
  if (!requestUri || !accessToken) {
    throw new UserError(
      'workload identity federation needs System.OidcRequestUri and System.AccessToken, which this agent did not provide',
      {
        hint: 'Update the agent: current agents set both for tasks that use a workload identity federation connection.',
      },
    );
  }
  const url = new URL(requestUri);
  url.searchParams.set('api-version', '7.1');
  url.searchParams.set('serviceConnectionId', connectionId);
  const response = await fetch(url, {
    method: 'POST',
    headers: { Authorization: `Bearer ${accessToken}`, 'Content-Type': 'application/json' },
    signal,
  });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(
      `Azure DevOps refused an OIDC token for service connection '${connectionId}': HTTP ${response.status} ${text.slice(0, 300)}`,
    );
  }
  let token: unknown;
  try {
    token = (JSON.parse(text) as { oidcToken?: unknown }).oidcToken;
  } catch {
    token = undefined;
  }
  if (typeof token !== 'string' || !token)
    throw new Error('Azure DevOps answered the OIDC token request without an oidcToken');
  maskSecret(tl, token);
  return token;
}

/** task-lib refuses multi-line secrets (a PEM), and the agent masks line by line anyway: one per line. */
export function maskSecret(tl: Pick<EndpointReader, 'setSecret'>, value: string): void {
  for (const line of value.split(/\r?\n/)) if (line.trim()) tl.setSecret(line.trim());
}
