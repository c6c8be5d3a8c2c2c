import type { WorkspaceSeed } from '../state';
import { findWorkspace, PROVIDER, type World } from '../world';
import type { AssetContainerRecord, AssetVersionRecord } from './model';
import { findRegistryModel, isRegistry } from './registry-store';
import { findContainer, latestVersion } from './store';

/** A model version as serving and batch scoring need it. */
export interface ResolvedModel {
  name: string;
  version: string;
  /** mlflow_model, custom_model or triton_model. */
  type: string;
  /**
   * The model's storage URI as stored: a datastore URI (azureml://subscriptions/.../datastores/<ds>/paths/<p>
   * or azureml://datastores/<ds>/paths/<p>) for workspace models, an https URL into Azurite for registry
   * models. Either form can be handed to emulator/jobs/data.ts resolveDataUri / materializeInput.
   */
  path: string;
  /** The version's user properties (lineage such as azureml.sourceModelId). */
  properties: Record<string, string>;
  /** Where it was found: a workspace name, or `registry:<name>`. */
  scope: string;
}

const ARM_WS = new RegExp(
  `^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/${PROVIDER}/workspaces/([^/]+)/models/([^/]+)/versions/([^/]+)$`,
  'i',
);
const ARM_REGISTRY = new RegExp(
  `^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/${PROVIDER}/registries/([^/]+)/models/([^/]+)/versions/([^/]+)$`,
  'i',
);
const REGISTRY_URI = /^azureml:\/\/registries\/([^/]+)\/models\/([^/]+)(?:\/versions\/([^/]+)|\/labels\/latest)$/i;
const LOCATION_URI = /^azureml:\/\/locations\/[^/]+\/workspaces\/[^/]+\/models\/([^/]+)\/versions\/([^/]+)$/i;

function pick(
  container: AssetContainerRecord | undefined,
  version: string | undefined,
): AssetVersionRecord | undefined {
  if (!container) return undefined;
  return version === undefined ? latestVersion(container) : container.versions[version];
}

function describe(container: AssetContainerRecord, v: AssetVersionRecord, scope: string): ResolvedModel | undefined {
  const p = v.properties;
  if (typeof p.modelUri !== 'string') return undefined;
  const props = p.properties && typeof p.properties === 'object' ? (p.properties as Record<string, unknown>) : {};
  return {
    name: container.name,
    version: v.version,
    type: typeof p.modelType === 'string' ? p.modelType : 'custom_model',
    path: p.modelUri,
    properties: Object.fromEntries(Object.entries(props).map(([k, val]) => [k, String(val)])),
    scope,
  };
}

const decode = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/**
 * The model version a deployment or job refers to: `azureml:name:version`, `name:version`,
 * `azureml:name@latest`, workspace and registry ARM ids (with or without `azureml:`),
 * `azureml://registries/<r>/models/<n>/versions/<v>` and `azureml://locations/.../models/<n>/versions/<v>`.
 * Undefined when the reference names nothing that exists.
 */
export function resolveModel(w: World, ws: WorkspaceSeed, reference: string): ResolvedModel | undefined {
  const trimmed = reference.trim();
  const registryUri = REGISTRY_URI.exec(trimmed);
  const ref = trimmed.replace(/^azureml:(?!\/\/)/i, '');
  const registryArm = ARM_REGISTRY.exec(ref);
  if (registryUri || registryArm) {
    const m = (registryUri ?? registryArm)!;
    const [registry, name, version] = [decode(m[1]), decode(m[2]), m[3] === undefined ? undefined : decode(m[3])];
    if (!isRegistry(w, registry)) return undefined;
    const container = findRegistryModel(w, name);
    const v = pick(container, version);
    return container && v ? describe(container, v, `registry:${w.ids.registryName}`) : undefined;
  }
  let target = ws;
  let name: string;
  let version: string | undefined;
  const arm = ARM_WS.exec(ref);
  const location = LOCATION_URI.exec(trimmed);
  if (arm) {
    try {
      target = findWorkspace(w, decode(arm[1]));
    } catch {
      return undefined;
    }
    [name, version] = [decode(arm[2]), decode(arm[3])];
  } else if (location) {
    [name, version] = [decode(location[1]), decode(location[2])];
  } else if (/^[^/:@]+:[^/:@]+$/.test(ref)) {
    [name, version] = ref.split(':');
  } else if (/^[^/:@]+@latest$/.test(ref)) {
    name = ref.slice(0, -'@latest'.length);
  } else {
    return undefined;
  }
  const container = findContainer(w, target, 'models', name);
  const v = pick(container, version);
  return container && v ? describe(container, v, target.name) : undefined;
}
