import { armErrors } from '../arm-errors';
import type { WorkspaceSeed } from '../state';
import { findWorkspace, page, PROVIDER, systemData, workspaceArmId, type World } from '../world';
import type { ArmRoute } from './arm';

/** Azurite's fixed development account and key (documented publicly; not a secret). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

const WS = `subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/${PROVIDER}/workspaces/{workspaceName}`;

interface DatastoreSeed {
  name: string;
  container: string;
  isDefault: boolean;
}

/** Every real workspace has these two blob datastores; each gets its own Azurite container. */
export function datastoreSeeds(ws: WorkspaceSeed): DatastoreSeed[] {
  return [
    { name: 'workspaceblobstore', container: ws.containerName, isDefault: true },
    { name: 'workspaceartifactstore', container: `azureml-${ws.workspaceId}`, isDefault: false },
  ];
}

function datastoreResource(w: World, ws: WorkspaceSeed, ds: DatastoreSeed): Record<string, unknown> {
  return {
    id: `${workspaceArmId(w, ws)}/datastores/${ds.name}`,
    name: ds.name,
    type: `${PROVIDER}/workspaces/datastores`,
    systemData: systemData(w, ws.createdAt),
    properties: {
      description: null,
      tags: {},
      properties: {},
      isDefault: ds.isDefault,
      credentials: { credentialsType: 'AccountKey', secrets: { secretsType: 'AccountKey' } },
      datastoreType: 'AzureBlob',
      accountName: AZURITE_ACCOUNT,
      containerName: ds.container,
      // Azurite's host:port, so clients build its path-style URL (http://127.0.0.1:PORT/devstoreaccount1).
      endpoint: w.blobEndpoint ? new URL(w.blobEndpoint).host : 'core.windows.net',
      protocol: w.blobEndpoint ? new URL(w.blobEndpoint).protocol.replace(':', '') : 'https',
      serviceDataAccessAuthIdentity: 'None',
      subscriptionId: w.ids.subscriptionId,
      resourceGroup: w.ids.resourceGroup,
    },
  };
}

function findDatastore(w: World, ws: WorkspaceSeed, name: string): DatastoreSeed {
  const ds = datastoreSeeds(ws).find((d) => d.name.toLowerCase() === name.toLowerCase());
  if (!ds) throw armErrors.resourceNotFound(`${PROVIDER}/workspaces/${ws.name}/datastores`, name, w.ids.resourceGroup);
  return ds;
}

export const datastoreRoutes: ArmRoute[] = [
  {
    method: 'GET',
    template: `${WS}/datastores`,
    inSpec: true,
    handle: (req, w) => {
      const ws = findWorkspace(w, req.params.workspaceName);
      let list = datastoreSeeds(ws);
      const isDefault = req.query.get('isDefault');
      if (isDefault !== null) list = list.filter((d) => d.isDefault === (isDefault.toLowerCase() === 'true'));
      const names = req.query
        .getAll('names')
        .flatMap((n) => n.split(','))
        .map((n) => n.toLowerCase());
      if (names.length > 0) list = list.filter((d) => names.includes(d.name.toLowerCase()));
      return {
        status: 200,
        body: page(
          w,
          req.path,
          req.query,
          list.map((d) => datastoreResource(w, ws, d)),
        ),
      };
    },
  },
  {
    method: 'GET',
    template: `${WS}/datastores/{name}`,
    inSpec: true,
    handle: (req, w) => {
      const ws = findWorkspace(w, req.params.workspaceName);
      return { status: 200, body: datastoreResource(w, ws, findDatastore(w, ws, req.params.name)) };
    },
  },
  {
    method: 'POST',
    template: `${WS}/datastores/{name}/listSecrets`,
    inSpec: true,
    handle: (req, w) => {
      const ws = findWorkspace(w, req.params.workspaceName);
      findDatastore(w, ws, req.params.name);
      return { status: 200, body: { secretsType: 'AccountKey', key: AZURITE_KEY } };
    },
  },
];
