import { armErrors } from '../arm-errors';
import { operationStatus } from '../lro';
import { cloneJson } from '../json-utils';
import { PROVIDER, resourceGroupId, systemData, type World } from '../world';
import { ASSET_KIND_SPECS, type AssetContainerRecord, type AssetVersionRecord } from './model';
import {
  checkImmutableFields,
  containerProperties,
  latestVersion,
  newVersionProperties,
  updateMutableFields,
  versionsNewestFirst,
} from './version-rules';

/**
 * Models of the emulator's Azure ML registry. A registry keeps the same container/version shape
 * as a workspace; its versions point at blobs in the registry's own storage (an Azurite container).
 */

/** The Azurite container that plays the registry's storage account. */
export const registryContainerName = (w: World): string =>
  `azureml-registry-${w.ids.registryName.toLowerCase().replace(/[^a-z0-9-]/g, '')}`.slice(0, 63);

export function isRegistry(w: World, name: string): boolean {
  return name.toLowerCase() === w.ids.registryName.toLowerCase();
}

export function requireRegistryName(w: World, name: string): void {
  if (!isRegistry(w, name)) throw armErrors.resourceNotFound(`${PROVIDER}/registries`, name, w.ids.resourceGroup);
}

function collection(w: World): Record<string, AssetContainerRecord> {
  return (w.state.data.registryModels ??= {});
}

const key = (name: string): string => name.toLowerCase();

export function findRegistryModel(w: World, name: string): AssetContainerRecord | undefined {
  return collection(w)[key(name)];
}

export function registryModels(w: World): AssetContainerRecord[] {
  return Object.values(collection(w)).sort(
    (a, b) => a.createdAt.localeCompare(b.createdAt) || a.name.localeCompare(b.name),
  );
}

export function requireRegistryModel(w: World, name: string): AssetContainerRecord {
  const found = findRegistryModel(w, name);
  if (!found)
    throw armErrors.resourceNotFound(`${PROVIDER}/registries/${w.ids.registryName}/models`, name, w.ids.resourceGroup);
  return found;
}

export function requireRegistryModelVersion(
  w: World,
  name: string,
  version: string,
): { container: AssetContainerRecord; version: AssetVersionRecord } {
  const container = findRegistryModel(w, name);
  const found = container?.versions[version];
  if (!container || !found) {
    throw armErrors.resourceNotFound(
      `${PROVIDER}/registries/${w.ids.registryName}/models/${name}/versions`,
      version,
      w.ids.resourceGroup,
    );
  }
  return { container, version: found };
}

/**
 * Validates a registry model version body and tells whether it would create (201) or update (200).
 * The write itself happens when the LRO completes (see commitRegistryModelVersion).
 */
export function checkRegistryModelVersion(
  w: World,
  name: string,
  version: string,
  properties: Record<string, unknown>,
): Record<string, unknown> {
  const spec = ASSET_KIND_SPECS.models;
  const requested = spec.buildVersion(cloneJson(properties));
  const existing = findRegistryModel(w, name)?.versions[version];
  if (existing) checkImmutableFields(spec, existing, requested, name, version);
  return requested;
}

/** A registry version whose create or update operation may still be running. */
type RegistryVersionRecord = AssetVersionRecord & { pendingOperationId?: string };

/**
 * Applies finished operations to a model's versions (lazily, on read): a finished create reports
 * Succeeded, a failed create leaves no version behind.
 */
export function settleRegistryModel(w: World, container: AssetContainerRecord): void {
  let changed = false;
  for (const [id, v] of Object.entries(container.versions) as Array<[string, RegistryVersionRecord]>) {
    if (!v.pendingOperationId) continue;
    const op = w.state.data.operations[v.pendingOperationId];
    const status = op ? operationStatus(op) : 'Succeeded';
    if (status === 'InProgress') continue;
    if (status === 'Failed' && v.properties.provisioningState === 'Creating') delete container.versions[id];
    else v.properties.provisioningState = 'Succeeded';
    delete v.pendingOperationId;
    changed = true;
  }
  if (changed) w.state.save();
}

export function commitRegistryModelVersion(
  w: World,
  name: string,
  version: string,
  requested: Record<string, unknown>,
  operationId: string,
): { container: AssetContainerRecord; version: AssetVersionRecord } {
  const now = new Date().toISOString();
  const models = collection(w);
  let container = models[key(name)];
  const existing = container?.versions[version];
  if (existing) {
    updateMutableFields(existing, requested);
    (existing as RegistryVersionRecord).pendingOperationId = operationId;
    existing.modifiedAt = now;
    container.modifiedAt = now;
    w.state.save();
    return { container, version: existing };
  }
  if (!container) {
    container = {
      workspace: w.ids.registryName,
      kind: 'models',
      name,
      createdAt: now,
      modifiedAt: now,
      properties: {},
      versions: {},
    };
    models[key(name)] = container;
  }
  const record: RegistryVersionRecord = {
    pendingOperationId: operationId,
    version,
    createdAt: now,
    modifiedAt: now,
    properties: { ...newVersionProperties(requested), provisioningState: 'Creating' },
  };
  container.versions[version] = record;
  container.modifiedAt = now;
  w.state.save();
  return { container, version: record };
}

export function putRegistryModelContainer(
  w: World,
  name: string,
  properties: Record<string, unknown>,
): { created: boolean; container: AssetContainerRecord } {
  const now = new Date().toISOString();
  const models = collection(w);
  const settable: Record<string, unknown> = {};
  for (const field of ['description', 'tags', 'properties', 'isArchived']) {
    if (properties[field] !== undefined) settable[field] = cloneJson(properties[field]);
  }
  const existing = models[key(name)];
  if (existing) {
    Object.assign(existing.properties, settable);
    existing.modifiedAt = now;
    w.state.save();
    return { created: false, container: existing };
  }
  const container: AssetContainerRecord = {
    workspace: w.ids.registryName,
    kind: 'models',
    name,
    createdAt: now,
    modifiedAt: now,
    properties: settable,
    versions: {},
  };
  models[key(name)] = container;
  w.state.save();
  return { created: true, container };
}

export function deleteRegistryModelVersion(w: World, name: string, version: string): boolean {
  const container = findRegistryModel(w, name);
  if (!container?.versions[version]) return false;
  delete container.versions[version];
  w.state.save();
  return true;
}

export function deleteRegistryModel(w: World, name: string): boolean {
  const models = collection(w);
  if (!models[key(name)]) return false;
  delete models[key(name)];
  w.state.save();
  return true;
}

export function registryArmId(w: World): string {
  return `${resourceGroupId(w)}/providers/${PROVIDER}/registries/${w.ids.registryName}`;
}

export function registryModelResource(w: World, container: AssetContainerRecord): Record<string, unknown> {
  return {
    id: `${registryArmId(w)}/models/${container.name}`,
    name: container.name,
    type: `${PROVIDER}/registries/models`,
    systemData: systemData(w, container.createdAt, container.modifiedAt),
    properties: { ...containerProperties(container), provisioningState: 'Succeeded' },
  };
}

export function registryModelVersionResource(
  w: World,
  container: AssetContainerRecord,
  version: AssetVersionRecord,
): Record<string, unknown> {
  return {
    id: `${registryArmId(w)}/models/${container.name}/versions/${version.version}`,
    name: version.version,
    type: `${PROVIDER}/registries/models/versions`,
    systemData: systemData(w, version.createdAt, version.modifiedAt),
    properties: cloneJson(version.properties),
  };
}

export { versionsNewestFirst, latestVersion };
