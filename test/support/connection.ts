import type { Emulator } from '../../emulator';
import type { TestEndpoint } from '../faces/run-ado';

/** Step inputs that point at the emulator's dev workspace, as a workflow would pass them. */
export function emulatorInputs(emulator: Emulator, workspace = 'dev'): Record<string, string> {
  const { info } = emulator;
  return {
    cloud: 'Custom',
    'arm-endpoint': info.armEndpoint,
    'authority-host': info.authorityHost,
    'subscription-id': info.subscriptionId,
    'resource-group': info.resourceGroup,
    workspace,
  };
}

/** The ambient service principal (environment variables) of the emulator's main client. */
export function secretEnvOf(
  emulator: Emulator,
  clientId = emulator.info.clientId,
  secret = emulator.info.clientSecret,
): Record<string, string> {
  return { AZURE_TENANT_ID: emulator.info.tenantId, AZURE_CLIENT_ID: clientId, AZURE_CLIENT_SECRET: secret };
}

/** An Azure DevOps AzureRM service connection (service principal with a secret) to the emulator. */
export function spnEndpointOf(emulator: Emulator, id = 'ml-dev'): TestEndpoint {
  const { info } = emulator;
  return {
    id,
    scheme: 'ServicePrincipal',
    params: {
      serviceprincipalid: info.clientId,
      serviceprincipalkey: info.clientSecret,
      tenantid: info.tenantId,
      authenticationType: 'spnKey',
    },
    data: {
      environment: 'AzureStack',
      subscriptionId: info.subscriptionId,
      activeDirectoryAuthority: info.authorityHost,
      activeDirectoryServiceEndpointResourceId: info.armAudience,
    },
    url: info.armEndpoint,
  };
}
