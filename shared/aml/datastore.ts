import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { UserError } from '../errors';
import type { Host } from '../host';
import { ArmError } from './arm';
import { explainArmError, type AmlContext } from './context';

export interface BlobDatastore {
  name: string;
  accountName: string;
  containerName: string;
  /** Base URL of the blob service, without trailing slash. */
  serviceUrl: string;
  container: ContainerClient;
}

interface DatastoreResource {
  properties?: {
    datastoreType?: string;
    accountName?: string;
    containerName?: string;
    endpoint?: string;
    protocol?: string;
  };
}

interface DatastoreSecrets {
  secretsType?: string;
  key?: string;
  sasToken?: string;
}

/**
 * The blob service URL of a datastore. Public clouds name the account in the host
 * (https://acct.blob.core.windows.net); an endpoint with a port or an IP address (Azurite, the
 * local emulator) is path-style, with the account as the first path segment.
 */
export function blobServiceUrl(accountName: string, endpoint: string, protocol = 'https'): string {
  const pathStyle = /:\d+$/.test(endpoint) || /^\d+\.\d+\.\d+\.\d+/.test(endpoint) || endpoint.startsWith('localhost');
  return pathStyle ? `${protocol}://${endpoint}/${accountName}` : `${protocol}://${accountName}.blob.${endpoint}`;
}

/** Opens an Azure Blob datastore of the workspace with its stored credential (masked at once). */
export async function openBlobDatastore(ctx: AmlContext, host: Host, name: string): Promise<BlobDatastore> {
  const path = `${ctx.workspacePath}/datastores/${encodeURIComponent(name)}`;
  let datastore: DatastoreResource;
  let secrets: DatastoreSecrets;
  try {
    datastore = (await ctx.arm.request<DatastoreResource>('GET', path)).body;
    secrets = (await ctx.arm.request<DatastoreSecrets>('POST', `${path}/listSecrets`)).body ?? {};
  } catch (err) {
    if (err instanceof ArmError && err.status === 404) {
      throw new UserError(`datastore '${name}' not found in workspace '${ctx.workspace.workspace}'`);
    }
    throw explainArmError(err, ctx, `datastore '${name}'`);
  }
  const p = datastore.properties ?? {};
  if (p.datastoreType !== 'AzureBlob' || !p.accountName || !p.containerName) {
    throw new UserError(
      `datastore '${name}' is a ${p.datastoreType ?? 'unknown'} datastore; uploads need an Azure Blob datastore`,
    );
  }
  // Loaded here, not at start-up: only steps that upload need the storage client.
  const { BlobServiceClient, StorageSharedKeyCredential } = await import('@azure/storage-blob');
  const serviceUrl = blobServiceUrl(p.accountName, p.endpoint ?? 'core.windows.net', p.protocol ?? 'https');
  let service: BlobServiceClient;
  if (secrets.key) {
    host.mask(secrets.key);
    service = new BlobServiceClient(serviceUrl, new StorageSharedKeyCredential(p.accountName, secrets.key));
  } else if (secrets.sasToken) {
    host.mask(secrets.sasToken);
    service = new BlobServiceClient(`${serviceUrl}?${secrets.sasToken.replace(/^\?/, '')}`);
  } else {
    throw new UserError(`datastore '${name}' has no account key or SAS token the step can use for uploads`, {
      hint: 'Give the datastore a credential, or grant the identity Storage Blob Data Contributor.',
    });
  }
  return {
    name,
    accountName: p.accountName,
    containerName: p.containerName,
    serviceUrl,
    container: service.getContainerClient(p.containerName),
  };
}
