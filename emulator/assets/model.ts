import { armErrors } from '../arm-errors';
import { isRecord } from '../http';

/** The workspace asset collections the emulator keeps (ARM path segment = kind). */
export const ASSET_KINDS = ['codes', 'environments', 'components', 'data', 'models'] as const;
export type AssetKind = (typeof ASSET_KINDS)[number];

export interface AssetVersionRecord {
  version: string;
  createdAt: string;
  modifiedAt: string;
  /** The served `properties` of the version resource. */
  properties: Record<string, unknown>;
}

export interface AssetContainerRecord {
  workspace: string;
  kind: AssetKind;
  /** Name as first created (ARM keeps the creator's casing). */
  name: string;
  createdAt: string;
  modifiedAt: string;
  /** Container properties set by a container PUT (description, tags, isArchived, dataType). */
  properties: Record<string, unknown>;
  versions: Record<string, AssetVersionRecord>;
}

/** What differs between the asset kinds: their labels, required fields and immutable fields. */
export interface AssetKindSpec {
  kind: AssetKind;
  /** Singular, as Azure ML names it in messages. */
  label: string;
  /** Version properties that cannot change once the version exists. */
  immutable: readonly string[];
  /** Containers and versions of these kinds report provisioningState. */
  hasProvisioningState: boolean;
  /** Throws 400 for a version body Azure ML would refuse; returns the served properties. */
  buildVersion(props: Record<string, unknown>): Record<string, unknown>;
}

const bad = (message: string) => armErrors.badRequest(message, 'UserError');

const requireString = (props: Record<string, unknown>, field: string, label: string): void => {
  if (typeof props[field] !== 'string' || !props[field]) {
    throw bad(`The ${label} version must have '${field}' (a non-empty string).`);
  }
};

const DATA_TYPES = ['uri_file', 'uri_folder', 'mltable'];

export const ASSET_KIND_SPECS: Record<AssetKind, AssetKindSpec> = {
  codes: {
    kind: 'codes',
    label: 'Code',
    immutable: ['codeUri'],
    hasProvisioningState: true,
    buildVersion: (p) => {
      requireString(p, 'codeUri', 'code');
      return p;
    },
  },
  environments: {
    kind: 'environments',
    label: 'Environment',
    immutable: ['image', 'condaFile', 'build', 'inferenceConfig', 'osType'],
    hasProvisioningState: true,
    buildVersion: (p) => {
      if (!p.image && !isRecord(p.build)) {
        throw bad("An environment version needs 'image' (a Docker image) or 'build' (a Docker build context).");
      }
      if (isRecord(p.build) && typeof p.build.contextUri !== 'string') {
        throw bad("The environment's 'build' needs 'contextUri', the storage URL of the Docker build context.");
      }
      return {
        osType: 'Linux',
        autoRebuild: 'Disabled',
        ...p,
        // Curated environments are seeded as 'Curated'; everything a client creates is 'UserCreated'.
        environmentType: p.environmentType === 'Curated' ? 'Curated' : 'UserCreated',
      };
    },
  },
  components: {
    kind: 'components',
    label: 'Component',
    immutable: ['componentSpec'],
    hasProvisioningState: true,
    buildVersion: (p) => {
      if (!isRecord(p.componentSpec)) throw bad("A component version needs 'componentSpec' (the component's YAML).");
      return p;
    },
  },
  data: {
    kind: 'data',
    label: 'Data',
    immutable: ['dataType', 'dataUri'],
    hasProvisioningState: false,
    buildVersion: (p) => {
      if (typeof p.dataType !== 'string' || !DATA_TYPES.includes(p.dataType)) {
        throw bad(`A data version needs 'dataType', one of ${DATA_TYPES.join(', ')}.`);
      }
      requireString(p, 'dataUri', 'data');
      return p;
    },
  },
  models: {
    kind: 'models',
    label: 'Model',
    immutable: ['modelUri', 'modelType'],
    hasProvisioningState: true,
    buildVersion: (p) => {
      requireString(p, 'modelUri', 'model');
      // Azure ML serves flavors as a map even when none were given; azure-ai-ml iterates it.
      return { modelType: 'custom_model', ...p, flavors: isRecord(p.flavors) ? p.flavors : {} };
    },
  },
};

/**
 * The message Azure ML gives when a PUT tries to change what an existing version holds
 * ("Asset paths cannot be updated." is what azure-ai-ml matches for code).
 */
export function immutableMessage(spec: AssetKindSpec, name: string, version: string, field: string): string {
  if (spec.kind === 'codes') return 'Asset paths cannot be updated.';
  return `${spec.label} ${name} with version ${version} is already registered and cannot be changed (its '${field}' differs). Register a new version instead; only description, tags, properties, stage and isArchived can be updated.`;
}
