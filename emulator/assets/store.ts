import { armErrors } from '../arm-errors';
import { isRecord } from '../http';
import { cloneJson } from '../json-utils';
import type { WorkspaceSeed } from '../state';
import { findWorkspace, PROVIDER, systemData, workspaceArmId, type World } from '../world';
import { ASSET_KIND_SPECS, type AssetContainerRecord, type AssetKind, type AssetVersionRecord } from './model';
import {
  checkImmutableFields,
  containerProperties,
  latestVersion,
  newVersionProperties,
  updateMutableFields,
} from './version-rules';

export { latestVersion, versionsNewestFirst } from './version-rules';

/**
 * Asset containers and versions as Azure ML keeps them: a version PUT creates its container, a
 * version's content is immutable (same body again is fine), containers report latest/next version.
 */

const containerKey = (ws: WorkspaceSeed, kind: AssetKind, name: string): string =>
  `${ws.name}/${kind}/${name.toLowerCase()}`;

export function findContainer(
  w: World,
  ws: WorkspaceSeed,
  kind: AssetKind,
  name: string,
): AssetContainerRecord | undefined {
  return w.state.data.assets[containerKey(ws, kind, name)];
}

export function requireContainer(w: World, ws: WorkspaceSeed, kind: AssetKind, name: string): AssetContainerRecord {
  const rec = findContainer(w, ws, kind, name);
  if (!rec) throw armErrors.resourceNotFound(`${PROVIDER}/workspaces/${ws.name}/${kind}`, name, w.ids.resourceGroup);
  return rec;
}

export function requireVersion(
  w: World,
  ws: WorkspaceSeed,
  kind: AssetKind,
  name: string,
  version: string,
): { container: AssetContainerRecord; version: AssetVersionRecord } {
  const container = findContainer(w, ws, kind, name);
  const found = container?.versions[version];
  if (!container || !found) {
    throw armErrors.resourceNotFound(
      `${PROVIDER}/workspaces/${ws.name}/${kind}/${name}/versions`,
      version,
      w.ids.resourceGroup,
    );
  }
  return { container, version: found };
}

/** Creates or updates a version; returns 201 for a new one, 200 for an update. */
export function putVersion(
  w: World,
  ws: WorkspaceSeed,
  kind: AssetKind,
  name: string,
  version: string,
  body: unknown,
): { status: 200 | 201; container: AssetContainerRecord; version: AssetVersionRecord } {
  const spec = ASSET_KIND_SPECS[kind];
  if (!isRecord(body) || !isRecord(body.properties)) {
    throw armErrors.badRequest(`The ${spec.label.toLowerCase()} version must have a 'properties' object.`, 'UserError');
  }
  const requested = spec.buildVersion(cloneJson(body.properties));
  const now = new Date().toISOString();
  const key = containerKey(ws, kind, name);
  let container = w.state.data.assets[key];
  const existing = container?.versions[version];
  if (existing) {
    checkImmutableFields(spec, existing, requested, container.name, version);
    updateMutableFields(existing, requested);
    existing.modifiedAt = now;
    container.modifiedAt = now;
    w.state.save();
    return { status: 200, container, version: existing };
  }
  if (!container) {
    container = { workspace: ws.name, kind, name, createdAt: now, modifiedAt: now, properties: {}, versions: {} };
    w.state.data.assets[key] = container;
  }
  const record: AssetVersionRecord = {
    version,
    createdAt: now,
    modifiedAt: now,
    properties: {
      ...newVersionProperties(requested),
      ...(spec.hasProvisioningState ? { provisioningState: 'Succeeded' } : {}),
    },
  };
  if (kind === 'data' && container.properties.dataType === undefined)
    container.properties.dataType = requested.dataType;
  container.versions[version] = record;
  container.modifiedAt = now;
  w.state.save();
  return { status: 201, container, version: record };
}

export function putContainer(
  w: World,
  ws: WorkspaceSeed,
  kind: AssetKind,
  name: string,
  body: unknown,
): { status: 200 | 201; container: AssetContainerRecord } {
  const props = isRecord(body) && isRecord(body.properties) ? body.properties : {};
  const now = new Date().toISOString();
  const key = containerKey(ws, kind, name);
  const existing = w.state.data.assets[key];
  const settable: Record<string, unknown> = {};
  for (const field of ['description', 'tags', 'properties', 'isArchived', 'dataType']) {
    if (props[field] !== undefined) settable[field] = cloneJson(props[field]);
  }
  if (kind === 'data' && typeof (settable.dataType ?? existing?.properties.dataType) !== 'string') {
    throw armErrors.badRequest("A data container needs 'dataType' (uri_file, uri_folder or mltable).", 'UserError');
  }
  if (existing) {
    Object.assign(existing.properties, settable);
    existing.modifiedAt = now;
    w.state.save();
    return { status: 200, container: existing };
  }
  const container: AssetContainerRecord = {
    workspace: ws.name,
    kind,
    name,
    createdAt: now,
    modifiedAt: now,
    properties: settable,
    versions: {},
  };
  w.state.data.assets[key] = container;
  w.state.save();
  return { status: 201, container };
}

export function deleteVersion(w: World, ws: WorkspaceSeed, kind: AssetKind, name: string, version: string): boolean {
  const container = findContainer(w, ws, kind, name);
  if (!container?.versions[version]) return false;
  delete container.versions[version];
  w.state.save();
  return true;
}

export function deleteContainer(w: World, ws: WorkspaceSeed, kind: AssetKind, name: string): boolean {
  const key = containerKey(ws, kind, name);
  if (!w.state.data.assets[key]) return false;
  delete w.state.data.assets[key];
  w.state.save();
  return true;
}

export function containersOf(w: World, ws: WorkspaceSeed, kind: AssetKind): AssetContainerRecord[] {
  const prefix = `${ws.name}/${kind}/`;
  return Object.entries(w.state.data.assets)
    .filter(([k]) => k.startsWith(prefix))
    .map(([, v]) => v)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.name.localeCompare(b.name));
}

function assetBaseId(w: World, ws: WorkspaceSeed, container: AssetContainerRecord): string {
  return `${workspaceArmId(w, ws)}/${container.kind}/${container.name}`;
}

export function versionArmId(
  w: World,
  ws: WorkspaceSeed,
  container: AssetContainerRecord,
  version: AssetVersionRecord,
): string {
  return `${assetBaseId(w, ws, container)}/versions/${version.version}`;
}

export function versionResource(
  w: World,
  ws: WorkspaceSeed,
  container: AssetContainerRecord,
  version: AssetVersionRecord,
): Record<string, unknown> {
  return {
    id: versionArmId(w, ws, container, version),
    name: version.version,
    type: `${PROVIDER}/workspaces/${container.kind}/versions`,
    systemData: systemData(w, version.createdAt, version.modifiedAt),
    properties: cloneJson(version.properties),
  };
}

export function containerResource(
  w: World,
  ws: WorkspaceSeed,
  container: AssetContainerRecord,
): Record<string, unknown> {
  const spec = ASSET_KIND_SPECS[container.kind];
  const properties = containerProperties(container);
  if (spec.hasProvisioningState) properties.provisioningState = 'Succeeded';
  if (container.kind === 'data' && properties.dataType === undefined) properties.dataType = 'uri_folder';
  return {
    id: assetBaseId(w, ws, container),
    name: container.name,
    type: `${PROVIDER}/workspaces/${container.kind}`,
    systemData: systemData(w, container.createdAt, container.modifiedAt),
    properties,
  };
}

/** A version referenced by ARM id (optionally `azureml:`-prefixed) or `azureml:name:version` / `name@latest`. */
export function resolveAssetReference(
  w: World,
  defaultWorkspace: WorkspaceSeed,
  kind: AssetKind,
  reference: string,
): { ws: WorkspaceSeed; container: AssetContainerRecord; version: AssetVersionRecord } | undefined {
  const ref = reference.replace(/^azureml:/i, '');
  const arm = new RegExp(
    `^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/${PROVIDER}/workspaces/([^/]+)/${kind}/([^/]+)/versions/([^/]+)$`,
    'i',
  ).exec(ref);
  let ws = defaultWorkspace;
  let name: string;
  let version: string | undefined;
  if (arm) {
    ws = findWorkspace(w, decodeURIComponent(arm[1]));
    name = decodeURIComponent(arm[2]);
    version = decodeURIComponent(arm[3]);
  } else if (/^[^/:@]+:[^/:@]+$/.test(ref)) {
    [name, version] = ref.split(':');
  } else if (/^[^/:@]+@latest$/.test(ref)) {
    name = ref.slice(0, -'@latest'.length);
  } else {
    return undefined;
  }
  const container = findContainer(w, ws, kind, name);
  if (!container) return undefined;
  const found = version === undefined ? latestVersion(container) : container.versions[version];
  return found ? { ws, container, version: found } : undefined;
}
