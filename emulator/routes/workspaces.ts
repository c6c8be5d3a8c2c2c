import type { WorkspaceSeed } from '../state';
import { findWorkspace, page, PROVIDER, resourceGroupId, systemData, workspaceArmId, type World } from '../world';
import type { ArmRoute } from './arm';

const RG = 'subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}';

/**
 * The emulator's two fixed workspaces. Their regional endpoints (discovery, MLflow) point back at the
 * emulator so clients that follow discoveryUrl or mlFlowTrackingUri stay local.
 */
export function workspaceResource(w: World, ws: WorkspaceSeed): Record<string, unknown> {
  const rg = resourceGroupId(w);
  const host = new URL(w.baseUrl).host;
  const short = ws.workspaceId.replace(/-/g, '').slice(0, 12);
  return {
    id: workspaceArmId(w, ws),
    name: ws.name,
    type: `${PROVIDER}/workspaces`,
    location: w.ids.location,
    tags: {},
    kind: 'Default',
    sku: { name: 'Basic', tier: 'Basic' },
    identity: { type: 'SystemAssigned', principalId: ws.principalId, tenantId: w.ids.tenantId },
    systemData: systemData(w, ws.createdAt),
    properties: {
      workspaceId: ws.workspaceId,
      description: `Local emulator workspace '${ws.name}'`,
      friendlyName: ws.name,
      keyVault: `${rg}/providers/Microsoft.KeyVault/vaults/kv${short}`,
      applicationInsights: `${rg}/providers/Microsoft.insights/components/ai${short}`,
      containerRegistry: `${rg}/providers/Microsoft.ContainerRegistry/registries/cr${short}`,
      storageAccount: `${rg}/providers/Microsoft.Storage/storageAccounts/devstoreaccount1`,
      discoveryUrl: `${w.baseUrl}/discovery`,
      provisioningState: 'Succeeded',
      hbiWorkspace: false,
      serviceProvisionedResourceGroup: `azureml-rg-${ws.name}_${ws.workspaceId}`,
      privateLinkCount: 0,
      allowPublicAccessWhenBehindVnet: false,
      publicNetworkAccess: 'Enabled',
      privateEndpointConnections: [],
      sharedPrivateLinkResources: [],
      notebookInfo: {
        fqdn: `ml-${ws.name}-${w.ids.location}-${ws.workspaceId}.${w.ids.location}.notebooks.azure.net`,
        resourceId: short,
      },
      tenantId: w.ids.tenantId,
      storageHnsEnabled: false,
      // Real shape (azureml://<region>.api.azureml.ms/mlflow/v1.0/<workspace arm id>) with the emulator as the host.
      mlFlowTrackingUri: `azureml://${host}/mlflow/v1.0${workspaceArmId(w, ws)}`,
      v1LegacyMode: false,
      enableDataIsolation: false,
      managedNetwork: { isolationMode: 'Disabled', status: { status: 'Inactive', sparkReady: false } },
    },
  };
}

/** The regional discovery document real workspaces point to; every service lives at the emulator. */
export function discoveryDocument(baseUrl: string): Record<string, string> {
  const names = [
    'api',
    'catalog',
    'experimentation',
    'gallery',
    'history',
    'hyperdrive',
    'labeling',
    'modelmanagement',
    'pipelines',
    'studio',
  ];
  return Object.fromEntries(names.map((n) => [n, baseUrl]));
}

export const workspaceRoutes: ArmRoute[] = [
  {
    method: 'GET',
    template: `${RG}/providers/${PROVIDER}/workspaces/{workspaceName}`,
    inSpec: true,
    handle: (req, w) => ({ status: 200, body: workspaceResource(w, findWorkspace(w, req.params.workspaceName)) }),
  },
  {
    method: 'GET',
    template: `${RG}/providers/${PROVIDER}/workspaces`,
    inSpec: true,
    handle: (req, w) => ({
      status: 200,
      body: page(
        w,
        req.path,
        req.query,
        w.ids.workspaces.map((ws) => workspaceResource(w, ws)),
      ),
    }),
  },
  {
    method: 'GET',
    template: `subscriptions/{subscriptionId}/providers/${PROVIDER}/workspaces`,
    inSpec: true,
    handle: (req, w) => ({
      status: 200,
      body: page(
        w,
        req.path,
        req.query,
        w.ids.workspaces.map((ws) => workspaceResource(w, ws)),
      ),
    }),
  },
];
