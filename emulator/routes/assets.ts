import * as crypto from 'node:crypto';
import { ArmError } from '../arm-errors';
import { ASSET_KINDS, type AssetContainerRecord, type AssetKind, type AssetVersionRecord } from '../assets/model';
import {
  containerResource,
  containersOf,
  deleteContainer,
  deleteVersion,
  putContainer,
  putVersion,
  requireContainer,
  requireVersion,
  versionResource,
  versionsNewestFirst,
} from '../assets/store';
import { isRecord } from '../http';
import { findJob } from '../jobs/store';
import type { WorkspaceSeed } from '../state';
import { findWorkspace, page, PROVIDER, resourceGroupId, type World } from '../world';
import type { ArmRequest, ArmRoute } from './arm';
import { datastoreSeeds } from './datastores';

const WS = `subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/${PROVIDER}/workspaces/{workspaceName}`;

/** How long the SAS of a pending upload lasts (Azure ML hands out short-lived ones too). */
const PENDING_UPLOAD_SAS_MS = 2 * 3600_000;

function visible(archived: boolean, viewType: string | null): boolean {
  const view = (viewType ?? 'ActiveOnly').toLowerCase();
  if (view === 'all') return true;
  if (view === 'archivedonly') return archived;
  return !archived;
}

function sortVersions(versions: AssetVersionRecord[], orderBy: string | null): AssetVersionRecord[] {
  const newest = versionsNewestFirst(versions);
  return /createdtime\s+asc/i.test(orderBy ?? '') ? newest.reverse() : newest;
}

function listVersions(req: ArmRequest, w: World, kind: AssetKind) {
  const ws = findWorkspace(w, req.params.workspaceName);
  const container = requireContainer(w, ws, kind, req.params.name);
  let versions = Object.values(container.versions).filter((v) =>
    visible(v.properties.isArchived === true, req.query.get('listViewType')),
  );
  // Code versions can be looked up by content hash, which is how clients skip re-uploading.
  const hash = req.query.get('hash');
  if (kind === 'codes' && hash) {
    const hashVersion = req.query.get('hashVersion');
    versions = versions.filter((v) => {
      const props = isRecord(v.properties.properties) ? v.properties.properties : {};
      return props.hash_sha256 === hash && (!hashVersion || props.hash_version === hashVersion);
    });
  }
  let sorted = sortVersions(versions, req.query.get('$orderBy'));
  const top = Number(req.query.get('$top'));
  if (Number.isInteger(top) && top > 0) sorted = sorted.slice(0, top);
  const items = sorted.map((v) => versionResource(w, ws, container, v));
  return { status: 200, body: page(w, req.path, req.query, items) };
}

/**
 * A model registered from `azureml://jobs/<job>/outputs/<output>[/paths/<p>]` is stored with the
 * output's storage location (as Azure ML does), so serving can download it later without the job;
 * the job's name is kept as the version's jobName.
 */
function withJobOutputResolved(w: World, ws: WorkspaceSeed, body: unknown): unknown {
  if (!isRecord(body) || !isRecord(body.properties) || typeof body.properties.modelUri !== 'string') return body;
  const m = /^azureml:\/\/jobs\/([^/]+)\/outputs\/([^/]+)(?:\/paths)?\/?(.*)$/i.exec(body.properties.modelUri);
  if (!m) return body;
  const [, jobName, output, sub] = m;
  const job = findJob(w, ws.name, jobName);
  if (!job) {
    throw new ArmError(
      400,
      'UserError',
      `The model's path refers to job '${jobName}', which does not exist in workspace '${ws.name}'.`,
    );
  }
  const target = job.outputUris[output];
  if (!target) {
    const known = Object.keys(job.outputUris);
    throw new ArmError(
      400,
      'UserError',
      `Job '${jobName}' has no output '${output}'${known.length ? ` (its outputs: ${known.join(', ')})` : ''}.`,
    );
  }
  const modelUri = sub ? `${target.replace(/\/+$/, '')}/${sub}` : target;
  return {
    ...body,
    properties: { ...body.properties, modelUri, jobName: body.properties.jobName ?? job.name },
  };
}

function listContainers(req: ArmRequest, w: World, kind: AssetKind) {
  const ws = findWorkspace(w, req.params.workspaceName);
  const items = containersOf(w, ws, kind)
    .filter((c: AssetContainerRecord) => visible(c.properties.isArchived === true, req.query.get('listViewType')))
    .map((c) => containerResource(w, ws, c));
  return { status: 200, body: page(w, req.path, req.query, items) };
}

function routesFor(kind: AssetKind): ArmRoute[] {
  const base = `${WS}/${kind}`;
  return [
    { method: 'GET', template: base, inSpec: true, handle: (req, w) => listContainers(req, w, kind) },
    {
      method: 'GET',
      template: `${base}/{name}`,
      inSpec: true,
      handle: (req, w) => {
        const ws = findWorkspace(w, req.params.workspaceName);
        return { status: 200, body: containerResource(w, ws, requireContainer(w, ws, kind, req.params.name)) };
      },
    },
    {
      method: 'PUT',
      template: `${base}/{name}`,
      inSpec: true,
      handle: (req, w) => {
        const ws = findWorkspace(w, req.params.workspaceName);
        const { status, container } = putContainer(w, ws, kind, req.params.name, req.body);
        return { status, body: containerResource(w, ws, container) };
      },
    },
    {
      method: 'DELETE',
      template: `${base}/{name}`,
      inSpec: true,
      handle: (req, w) => {
        const ws = findWorkspace(w, req.params.workspaceName);
        return { status: deleteContainer(w, ws, kind, req.params.name) ? 200 : 204 };
      },
    },
    {
      method: 'GET',
      template: `${base}/{name}/versions`,
      inSpec: true,
      handle: (req, w) => listVersions(req, w, kind),
    },
    {
      method: 'GET',
      template: `${base}/{name}/versions/{version}`,
      inSpec: true,
      handle: (req, w) => {
        const ws = findWorkspace(w, req.params.workspaceName);
        const found = requireVersion(w, ws, kind, req.params.name, req.params.version);
        return { status: 200, body: versionResource(w, ws, found.container, found.version) };
      },
    },
    {
      method: 'PUT',
      template: `${base}/{name}/versions/{version}`,
      inSpec: true,
      handle: (req, w) => {
        const ws = findWorkspace(w, req.params.workspaceName);
        const body = kind === 'models' ? withJobOutputResolved(w, ws, req.body) : req.body;
        const put = putVersion(w, ws, kind, req.params.name, req.params.version, body);
        return { status: put.status, body: versionResource(w, ws, put.container, put.version) };
      },
    },
    {
      method: 'DELETE',
      template: `${base}/{name}/versions/{version}`,
      inSpec: true,
      handle: (req, w) => {
        const ws = findWorkspace(w, req.params.workspaceName);
        return { status: deleteVersion(w, ws, kind, req.params.name, req.params.version) ? 200 : 204 };
      },
    },
  ];
}

/**
 * startPendingUpload: a SAS URL for a fresh folder in the workspace's default datastore; the client
 * uploads there and then PUTs the version with that URL as its codeUri. Asking again with the same
 * pendingUploadId returns the same folder (CreateOrGet).
 */
const startPendingUpload: ArmRoute = {
  method: 'POST',
  template: `${WS}/codes/{name}/versions/{version}/startPendingUpload`,
  inSpec: true,
  handle: (req, w) => {
    const ws = findWorkspace(w, req.params.workspaceName);
    if (!w.blobs) {
      throw new ArmError(
        503,
        'StorageNotAvailable',
        'The local emulator was started without Azurite, so it has no storage to upload to.',
      );
    }
    const body = isRecord(req.body) ? req.body : {};
    const type = typeof body.pendingUploadType === 'string' ? body.pendingUploadType : 'TemporaryBlobReference';
    const uploadId =
      typeof body.pendingUploadId === 'string' && /^[A-Za-z0-9-]{1,64}$/.test(body.pendingUploadId)
        ? body.pendingUploadId
        : crypto.randomUUID();
    const container = datastoreSeeds(ws).find((d) => d.isDefault)?.container ?? ws.containerName;
    const prefix = `LocalUpload/${uploadId}`;
    const sasUri = w.blobs.sasUrl(container, prefix, 'racwdl', PENDING_UPLOAD_SAS_MS);
    return {
      status: 200,
      body: {
        blobReferenceForConsumption: {
          blobUri: `${w.blobs.endpoint}/${container}/${prefix}`,
          storageAccountArmId: `${resourceGroupId(w)}/providers/Microsoft.Storage/storageAccounts/devstoreaccount1`,
          credential: { credentialType: 'SAS', sasUri },
        },
        pendingUploadId: uploadId,
        pendingUploadType: type === 'None' ? 'None' : 'TemporaryBlobReference',
      },
    };
  },
};

export const assetRoutes: ArmRoute[] = [...ASSET_KINDS.flatMap(routesFor), startPendingUpload];
