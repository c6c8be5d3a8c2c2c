import { armErrors } from '../arm-errors';
import { cloneJson, sameJson } from '../json-utils';
import { immutableMessage, type AssetContainerRecord, type AssetKindSpec, type AssetVersionRecord } from './model';

/**
 * How Azure ML treats asset versions, in a workspace or a registry alike: content fields never
 * change once written, the descriptive ones may; a new version starts from the service's defaults.
 */

const MUTABLE = ['description', 'tags', 'properties', 'isArchived', 'stage'];

/** Rejects a PUT that would change a version's content (the same body again is fine). */
export function checkImmutableFields(
  spec: AssetKindSpec,
  existing: AssetVersionRecord,
  requested: Record<string, unknown>,
  name: string,
  version: string,
): void {
  for (const field of spec.immutable) {
    if (!sameJson(existing.properties[field], requested[field])) {
      throw armErrors.badRequest(immutableMessage(spec, name, version, field), 'UserError');
    }
  }
}

export function updateMutableFields(existing: AssetVersionRecord, requested: Record<string, unknown>): void {
  for (const field of MUTABLE) if (requested[field] !== undefined) existing.properties[field] = requested[field];
}

/** A new version's properties: the service's defaults, then what was sent. */
export function newVersionProperties(requested: Record<string, unknown>): Record<string, unknown> {
  return { description: null, tags: {}, properties: {}, isAnonymous: false, isArchived: false, ...requested };
}

/** Azure ML's nextVersion: one more than the highest numeric version, '1' when there is none. */
export function nextVersion(container: AssetContainerRecord): string {
  const numbers = Object.keys(container.versions)
    .filter((v) => /^\d+$/.test(v))
    .map(Number);
  return String(numbers.length ? Math.max(...numbers) + 1 : 1);
}

/** Versions newest first, the way `$orderBy=createdtime desc` (what azure-ai-ml asks for @latest) sorts them. */
export function versionsNewestFirst(versions: AssetVersionRecord[]): AssetVersionRecord[] {
  // Versions created in the same millisecond keep their insertion order (reversed).
  return versions
    .map((v, i) => ({ v, i }))
    .sort((a, b) => b.v.createdAt.localeCompare(a.v.createdAt) || b.i - a.i)
    .map((x) => x.v);
}

export function latestVersion(container: AssetContainerRecord): AssetVersionRecord | undefined {
  return versionsNewestFirst(Object.values(container.versions)).find((v) => v.properties.isArchived !== true);
}

/** A container's properties as the service answers them: its defaults, what was set, and its versions' summary. */
export function containerProperties(container: AssetContainerRecord): Record<string, unknown> {
  return {
    description: null,
    tags: {},
    properties: {},
    isArchived: false,
    ...cloneJson(container.properties),
    latestVersion: latestVersion(container)?.version ?? null,
    nextVersion: nextVersion(container),
  };
}
