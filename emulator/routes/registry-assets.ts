import * as crypto from 'node:crypto';
import { ArmError, armErrors } from '../arm-errors';
import type { AssetContainerRecord } from '../assets/model';
import {
  checkRegistryModelVersion,
  commitRegistryModelVersion,
  deleteRegistryModel,
  deleteRegistryModelVersion,
  findRegistryModel,
  putRegistryModelContainer,
  registryContainerName,
  registryModelResource,
  registryModels,
  registryModelVersionResource,
  requireRegistryModel,
  requireRegistryModelVersion,
  requireRegistryName,
  settleRegistryModel,
  versionsNewestFirst,
} from '../assets/registry-store';
import { parseBlobUrl } from '../blob-store';
import { isRecord } from '../http';
import { lroHeaders, startOperation } from '../lro';
import { page, PROVIDER, resourceGroupId, type World } from '../world';
import type { ArmRequest, ArmRoute } from './arm';
import { AZURITE_ACCOUNT } from './datastores';

const MODELS = `subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/${PROVIDER}/registries/{registryName}/models`;
const MODEL = `${MODELS}/{name}`;
const VERSION = `${MODEL}/versions/{version}`;

/** How long the SAS of a registry pending upload lasts. */
const PENDING_UPLOAD_SAS_MS = 2 * 3600_000;

function visible(archived: boolean, viewType: string | null): boolean {
  const view = (viewType ?? 'ActiveOnly').toLowerCase();
  if (view === 'all') return true;
  if (view === 'archivedonly') return archived;
  return !archived;
}

function registryOf(req: ArmRequest, w: World): void {
  requireRegistryName(w, req.params.registryName);
}

function settled(w: World, container: AssetContainerRecord): AssetContainerRecord {
  settleRegistryModel(w, container);
  return container;
}

/** Where the registry keeps a version's files: one folder per name and version. */
const storagePrefix = (name: string, version: string): string => `models/${name}/${version}`;

/**
 * A registry version's files must be in the registry's own storage (copied there through
 * startPendingUpload), so a registry model never depends on a workspace that might go away.
 */
function requireRegistryStorage(w: World, name: string, version: string, modelUri: unknown): void {
  const where = typeof modelUri === 'string' && /^https?:/i.test(modelUri) ? parseBlobUrl(modelUri) : undefined;
  const inRegistry =
    where &&
    where.container === registryContainerName(w) &&
    (!w.blobEndpoint ||
      String(modelUri).startsWith(w.blobEndpoint) ||
      new URL(String(modelUri)).hostname.startsWith(`${AZURITE_ACCOUNT}.`));
  if (!inRegistry) {
    throw armErrors.badRequest(
      `The registry model ${name}:${version} must point at files in the registry's storage; '${String(modelUri)}' is not there. Call startPendingUpload on the version, copy the files to the blob folder it returns, then create the version with that folder as modelUri.`,
      'UserError',
    );
  }
}

function putVersion(req: ArmRequest, w: World) {
  registryOf(req, w);
  const { name, version } = req.params;
  if (!isRecord(req.body) || !isRecord(req.body.properties)) {
    throw armErrors.badRequest("The model version must have a 'properties' object.", 'UserError');
  }
  const requested = checkRegistryModelVersion(w, name, version, req.body.properties);
  requireRegistryStorage(w, name, version, requested.modelUri);
  const existed = findRegistryModel(w, name)?.versions[version] !== undefined;
  const op = startOperation(w, existed ? 'update' : 'create', `registry/models/${name}/${version}`, req.ctx.lroFailure);
  const { container, version: record } = commitRegistryModelVersion(w, name, version, requested, op.id);
  return {
    status: existed ? 200 : 201,
    headers: lroHeaders(w, op, req.apiVersion, false),
    body: registryModelVersionResource(w, container, record),
  };
}

function deleted(req: ArmRequest, w: World, done: boolean, key: string) {
  if (!done) return { status: 204 };
  const op = startOperation(w, 'delete', key);
  w.state.save();
  return { status: 202, headers: lroHeaders(w, op, req.apiVersion, true) };
}

/**
 * startPendingUpload on a registry model version: a SAS URL for the version's folder in the
 * registry's storage. Like Azure ML, it answers 409 once the version exists (nothing to upload).
 */
const startPendingUpload: ArmRoute = {
  method: 'POST',
  template: `${VERSION}/startPendingUpload`,
  inSpec: true,
  handle: async (req, w) => {
    registryOf(req, w);
    if (!w.blobs) {
      throw new ArmError(
        503,
        'StorageNotAvailable',
        'The local emulator was started without Azurite, so it has no storage to upload to.',
      );
    }
    const { name, version } = req.params;
    if (findRegistryModel(w, name)?.versions[version]) {
      throw new ArmError(
        409,
        'Conflict',
        `Model ${name} version ${version} already exists in registry '${w.ids.registryName}'.`,
      );
    }
    const body = isRecord(req.body) ? req.body : {};
    const uploadId =
      typeof body.pendingUploadId === 'string' && /^[A-Za-z0-9-]{1,64}$/.test(body.pendingUploadId)
        ? body.pendingUploadId
        : crypto.randomUUID();
    const container = registryContainerName(w);
    await w.blobs.container(container).createIfNotExists();
    const prefix = storagePrefix(name, version);
    return {
      status: 200,
      body: {
        blobReferenceForConsumption: {
          blobUri: `${w.blobs.endpoint}/${container}/${prefix}`,
          storageAccountArmId: `${resourceGroupId(w)}/providers/Microsoft.Storage/storageAccounts/${AZURITE_ACCOUNT}`,
          credential: {
            credentialType: 'SAS',
            sasUri: w.blobs.sasUrl(container, prefix, 'racwdl', PENDING_UPLOAD_SAS_MS),
          },
        },
        pendingUploadId: uploadId,
        pendingUploadType: 'TemporaryBlobReference',
      },
    };
  },
};

/** Registry models: containers and versions (PUT and DELETE are long-running, as in Azure ML). */
export const registryAssetsRoutes: ArmRoute[] = [
  {
    method: 'GET',
    template: MODELS,
    inSpec: true,
    handle: (req, w) => {
      registryOf(req, w);
      const items = registryModels(w)
        .filter((c) => visible(c.properties.isArchived === true, req.query.get('listViewType')))
        .map((c) => registryModelResource(w, settled(w, c)));
      return { status: 200, body: page(w, req.path, req.query, items) };
    },
  },
  {
    method: 'GET',
    template: MODEL,
    inSpec: true,
    handle: (req, w) => {
      registryOf(req, w);
      return { status: 200, body: registryModelResource(w, settled(w, requireRegistryModel(w, req.params.name))) };
    },
  },
  {
    method: 'PUT',
    template: MODEL,
    inSpec: true,
    handle: (req, w) => {
      registryOf(req, w);
      const props = isRecord(req.body) && isRecord(req.body.properties) ? req.body.properties : {};
      const { created, container } = putRegistryModelContainer(w, req.params.name, props);
      const op = startOperation(
        w,
        created ? 'create' : 'update',
        `registry/models/${req.params.name}`,
        req.ctx.lroFailure,
      );
      w.state.save();
      return {
        status: created ? 201 : 200,
        headers: lroHeaders(w, op, req.apiVersion, false),
        body: registryModelResource(w, container),
      };
    },
  },
  {
    method: 'DELETE',
    template: MODEL,
    inSpec: true,
    handle: (req, w) => {
      registryOf(req, w);
      return deleted(req, w, deleteRegistryModel(w, req.params.name), `registry/models/${req.params.name}`);
    },
  },
  {
    method: 'GET',
    template: `${MODEL}/versions`,
    inSpec: true,
    handle: (req, w) => {
      registryOf(req, w);
      const container = settled(w, requireRegistryModel(w, req.params.name));
      let versions = versionsNewestFirst(Object.values(container.versions)).filter((v) =>
        visible(v.properties.isArchived === true, req.query.get('listViewType')),
      );
      if (/createdtime\s+asc/i.test(req.query.get('$orderBy') ?? '')) versions.reverse();
      const wanted = req.query.get('version');
      if (wanted) versions = versions.filter((v) => v.version === wanted);
      const top = Number(req.query.get('$top'));
      if (Number.isInteger(top) && top > 0) versions = versions.slice(0, top);
      const items = versions.map((v) => registryModelVersionResource(w, container, v));
      return { status: 200, body: page(w, req.path, req.query, items) };
    },
  },
  {
    method: 'GET',
    template: VERSION,
    inSpec: true,
    handle: (req, w) => {
      registryOf(req, w);
      const found = findRegistryModel(w, req.params.name);
      if (found) settleRegistryModel(w, found);
      const { container, version } = requireRegistryModelVersion(w, req.params.name, req.params.version);
      return { status: 200, body: registryModelVersionResource(w, container, version) };
    },
  },
  { method: 'PUT', template: VERSION, inSpec: true, handle: putVersion },
  {
    method: 'DELETE',
    template: VERSION,
    inSpec: true,
    handle: (req, w) => {
      registryOf(req, w);
      const { name, version } = req.params;
      return deleted(req, w, deleteRegistryModelVersion(w, name, version), `registry/models/${name}/${version}`);
    },
  },
  startPendingUpload,
];
