import { armErrors } from '../arm-errors';
import { page, PROVIDER, resourceGroupId, systemData, type World } from '../world';
import type { ArmRoute } from './arm';
import { AZURITE_ACCOUNT } from './datastores';

/** The one Azure ML registry (shared assets across workspaces) the emulator offers. */
export function registryResource(w: World): Record<string, unknown> {
  const name = w.ids.registryName;
  const rg = resourceGroupId(w);
  const managedRg = `/subscriptions/${w.ids.subscriptionId}/resourceGroups/azureml-rg-${name}_${w.ids.registryPrincipalId}`;
  const host = new URL(w.baseUrl).host;
  return {
    id: `${rg}/providers/${PROVIDER}/registries/${name}`,
    name,
    type: `${PROVIDER}/registries`,
    location: w.ids.location,
    tags: {},
    identity: { type: 'SystemAssigned', principalId: w.ids.registryPrincipalId, tenantId: w.ids.tenantId },
    sku: { name: 'P3', tier: 'Basic' },
    systemData: systemData(w, w.ids.createdAt),
    properties: {
      discoveryUrl: `${w.baseUrl}/registrymanagement/v1.0/registries/${name}/discovery`,
      managedResourceGroup: { resourceId: managedRg },
      mlFlowRegistryUri: `azureml://${host}/mlflow/v1.0${rg}/providers/${PROVIDER}/registries/${name}`,
      publicNetworkAccess: 'Enabled',
      registryPrivateEndpointConnections: [],
      regionDetails: [
        {
          location: w.ids.location,
          storageAccountDetails: [
            {
              systemCreatedStorageAccount: {
                storageAccountName: AZURITE_ACCOUNT,
                storageAccountType: 'Standard_LRS',
                storageAccountHnsEnabled: false,
                allowBlobPublicAccess: false,
                armResourceId: {
                  resourceId: `${managedRg}/providers/Microsoft.Storage/storageAccounts/${AZURITE_ACCOUNT}`,
                },
              },
            },
          ],
          acrDetails: [
            {
              systemCreatedAcrAccount: {
                acrAccountName: `${name.replace(/[^a-z0-9]/gi, '')}acr`,
                acrAccountSku: 'Premium',
                armResourceId: {
                  resourceId: `${managedRg}/providers/Microsoft.ContainerRegistry/registries/${name.replace(/[^a-z0-9]/gi, '')}acr`,
                },
              },
            },
          ],
        },
      ],
    },
  };
}

function requireRegistry(w: World, name: string): void {
  if (name.toLowerCase() !== w.ids.registryName.toLowerCase()) {
    throw armErrors.resourceNotFound(`${PROVIDER}/registries`, name, w.ids.resourceGroup);
  }
}

export const registryRoutes: ArmRoute[] = [
  {
    method: 'GET',
    template: `subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/${PROVIDER}/registries/{registryName}`,
    inSpec: true,
    handle: (req, w) => {
      requireRegistry(w, req.params.registryName);
      return { status: 200, body: registryResource(w) };
    },
  },
  {
    method: 'GET',
    template: `subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/${PROVIDER}/registries`,
    inSpec: true,
    handle: (req, w) => ({ status: 200, body: page(w, req.path, req.query, [registryResource(w)]) }),
  },
  {
    method: 'GET',
    template: `subscriptions/{subscriptionId}/providers/${PROVIDER}/registries`,
    inSpec: true,
    handle: (req, w) => ({ status: 200, body: page(w, req.path, req.query, [registryResource(w)]) }),
  },
];
