import { armErrors } from '../arm-errors';
import { sameJson } from '../json-utils';
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
