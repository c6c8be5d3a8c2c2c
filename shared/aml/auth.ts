import type { TokenCredential } from '@azure/core-auth';
import {
  AzureCliCredential,
  ChainedTokenCredential,
  ClientAssertionCredential,
  ClientCertificateCredential,
  ClientSecretCredential,
  ManagedIdentityCredential,
  WorkloadIdentityCredential,
} from '@azure/identity';
import type { AzureConnection } from './connection';

/** Entra's audience for federated assertions (GitHub and Azure DevOps OIDC tokens). */
export const FEDERATION_AUDIENCE = 'api://AzureADTokenExchange';

const isLoopback = (url: string): boolean => {
  try {
    const host = new URL(url).hostname;
    return host === 'localhost' || host === '[::1]' || host.startsWith('127.');
  } catch {
    return false;
  }
};

/** Turns a neutral connection into the credential the Azure SDK clients take. */
export function createCredential(
  connection: AzureConnection,
  env: Readonly<Record<string, string | undefined>>,
): TokenCredential {
  const { cloud, auth } = connection;
  const custom = cloud.name === 'Custom';
  // A custom cloud's authority is not one Entra's instance discovery knows about.
  const common = { authorityHost: cloud.authorityHost, disableInstanceDiscovery: custom };
  switch (auth.kind) {
    case 'federated':
      return new ClientAssertionCredential(auth.tenantId, auth.clientId, auth.getAssertion, common);
    case 'secret':
      return new ClientSecretCredential(auth.tenantId, auth.clientId, auth.clientSecret, common);
    case 'certificate':
      return new ClientCertificateCredential(
        auth.tenantId,
        auth.clientId,
        { certificate: auth.certificatePem },
        common,
      );
    case 'managed-identity':
      return auth.clientId ? new ManagedIdentityCredential(auth.clientId) : new ManagedIdentityCredential();
    case 'ambient': {
      // Read from the step's environment (not the SDK's own process.env lookup) so every face and
      // test sees the same precedence: inputs first, then AZURE_* variables.
      const chain: TokenCredential[] = [];
      const tenantId = auth.tenantId ?? env.AZURE_TENANT_ID;
      const clientId = auth.clientId ?? env.AZURE_CLIENT_ID;
      if (tenantId && clientId && env.AZURE_CLIENT_SECRET) {
        chain.push(new ClientSecretCredential(tenantId, clientId, env.AZURE_CLIENT_SECRET, common));
      } else if (tenantId && clientId && env.AZURE_CLIENT_CERTIFICATE_PATH) {
        chain.push(
          new ClientCertificateCredential(
            tenantId,
            clientId,
            {
              certificatePath: env.AZURE_CLIENT_CERTIFICATE_PATH,
              certificatePassword: env.AZURE_CLIENT_CERTIFICATE_PASSWORD,
            },
            common,
          ),
        );
      }
      if (env.AZURE_FEDERATED_TOKEN_FILE && tenantId && clientId) {
        chain.push(
          new WorkloadIdentityCredential({
            ...common,
            tenantId,
            clientId,
            tokenFilePath: env.AZURE_FEDERATED_TOKEN_FILE,
          }),
        );
      }
      // IMDS cannot issue tokens for a local endpoint; asking it would only send traffic off the machine.
      if (!isLoopback(cloud.armEndpoint)) {
        chain.push(clientId ? new ManagedIdentityCredential(clientId) : new ManagedIdentityCredential());
      }
      chain.push(new AzureCliCredential({ tenantId }));
      return new ChainedTokenCredential(...chain);
    }
  }
}
