import { armErrors } from '../arm-errors';
import type { AssetContainerRecord, AssetVersionRecord } from '../assets/model';
import { latestVersion, registryArmId, requireRegistryName, versionsNewestFirst } from '../assets/registry-store';
import { isRecord } from '../http';
import { cloneJson } from '../json-utils';
import { publicRegistryEnvironment } from '../assets/curated';
import { lroHeaders, startOperation } from '../lro';
import { page, PROVIDER, systemData, type World } from '../world';
import type { ArmRequest, ArmRoute } from './arm';

/**
 * Components and environments of the emulator's registry (GET, list and long-running PUT, as the
 * 2024-10-01 spec has them), so a job can name `azureml://registries/<r>/components/<n>/versions/<v>`
 * or `.../labels/latest`, and the same for environments, and run locally. Versions are immutable,
 * as in Azure ML: a second PUT with other content is refused.
 */

type Kind = 'components' | 'environments';

const base = (kind: Kind) =>
  `subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/${PROVIDER}/registries/{registryName}/${kind}`;

function collection(w: World): Record<string, AssetContainerRecord> {
  return (w.state.data.registryComponentAssets ??= {});
}

const key = (kind: Kind, name: string): string => `${kind}/${name.toLowerCase()}`;

export function findRegistryAsset(w: World, kind: Kind, name: string): AssetContainerRecord | undefined {
  return collection(w)[key(kind, name)];
}

/**
 * A registry reference as jobs carry it: `azureml://registries/<r>/<kind>/<n>/versions/<v>`, the
 * `/labels/latest` form, or the registry's ARM id of a version. Undefined when it is not one, or
 * names another registry, or the version does not exist.
 */
export function resolveRegistryAsset(
  w: World,
  kind: Kind,
  reference: string,
): { container: AssetContainerRecord; version: AssetVersionRecord } | undefined {
  const ref = reference.replace(/^azureml:(?!\/\/)/i, '');
  const m =
    new RegExp(`^azureml://registries/([^/]+)/${kind}/([^/]+)/(versions|labels)/([^/]+)$`, 'i').exec(ref) ??
    new RegExp(
      `^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/${PROVIDER}/registries/([^/]+)/${kind}/([^/]+)/(versions)/([^/]+)$`,
      'i',
    ).exec(ref);
  if (m && kind === 'environments' && m[1].toLowerCase() === PUBLIC_REGISTRY) return publicEnvironment(w, m);
  if (!m || m[1].toLowerCase() !== w.ids.registryName.toLowerCase()) return undefined;
  const container = findRegistryAsset(w, kind, decodeURIComponent(m[2]));
  if (!container) return undefined;
  const version =
    m[3].toLowerCase() === 'labels'
      ? m[4] === 'latest'
        ? latestVersion(container)
        : undefined
      : container.versions[decodeURIComponent(m[4])];
  return version ? { container, version } : undefined;
}

/** Microsoft's public registry of curated assets, which every workspace can read. */
const PUBLIC_REGISTRY = 'azureml';

function publicEnvironment(
  w: World,
  m: RegExpExecArray,
): { container: AssetContainerRecord; version: AssetVersionRecord } | undefined {
  const curated = publicRegistryEnvironment(decodeURIComponent(m[2]));
  if (!curated || (m[3].toLowerCase() === 'labels' && m[4] !== 'latest')) return undefined;
  const at = w.ids.createdAt;
  const version: AssetVersionRecord = {
    version: m[3].toLowerCase() === 'versions' ? decodeURIComponent(m[4]) : '1',
    createdAt: at,
    modifiedAt: at,
    properties: { image: curated.image, isAnonymous: false, isArchived: false },
  };
  const container: AssetContainerRecord = {
    workspace: PUBLIC_REGISTRY,
    kind: 'environments',
    name: curated.name,
    createdAt: at,
    modifiedAt: at,
    properties: {},
    versions: { [version.version]: version },
  };
  return { container, version };
}

function notFound(w: World, kind: Kind, what: string): never {
  throw armErrors.resourceNotFound(`${PROVIDER}/registries/${w.ids.registryName}/${kind}`, what, w.ids.resourceGroup);
}

function containerResource(w: World, kind: Kind, c: AssetContainerRecord): Record<string, unknown> {
  const numbers = Object.keys(c.versions)
    .filter((v) => /^\d+$/.test(v))
    .map(Number);
  return {
    id: `${registryArmId(w)}/${kind}/${c.name}`,
    name: c.name,
    type: `${PROVIDER}/registries/${kind}`,
    systemData: systemData(w, c.createdAt, c.modifiedAt),
    properties: {
      description: null,
      tags: {},
      properties: {},
      isArchived: false,
      ...cloneJson(c.properties),
      latestVersion: latestVersion(c)?.version ?? null,
      nextVersion: String(numbers.length ? Math.max(...numbers) + 1 : 1),
      provisioningState: 'Succeeded',
    },
  };
}

function versionResource(
  w: World,
  kind: Kind,
  c: AssetContainerRecord,
  v: AssetVersionRecord,
): Record<string, unknown> {
  return {
    id: `${registryArmId(w)}/${kind}/${c.name}/versions/${v.version}`,
    name: v.version,
    type: `${PROVIDER}/registries/${kind}/versions`,
    systemData: systemData(w, v.createdAt, v.modifiedAt),
    properties: cloneJson(v.properties),
  };
}

function ensureContainer(w: World, kind: Kind, name: string): { container: AssetContainerRecord; created: boolean } {
  const found = findRegistryAsset(w, kind, name);
  if (found) return { container: found, created: false };
  const now = new Date().toISOString();
  const container: AssetContainerRecord = {
    workspace: `registry:${w.ids.registryName}`,
    kind,
    name,
    createdAt: now,
    modifiedAt: now,
    properties: {},
    versions: {},
  };
  collection(w)[key(kind, name)] = container;
  return { container, created: true };
}

/** What a version PUT must carry: a component's spec, or an environment's image or build context. */
function checkVersionBody(kind: Kind, body: unknown): Record<string, unknown> {
  if (!isRecord(body) || !isRecord(body.properties)) {
    throw armErrors.badRequest(`The ${kind.slice(0, -1)} version must have a 'properties' object.`, 'UserError');
  }
  const p = body.properties;
  if (kind === 'components' && !isRecord(p.componentSpec)) {
    throw armErrors.badRequest("A component version must have 'componentSpec'.", 'UserError');
  }
  if (kind === 'environments' && !p.image && !isRecord(p.build)) {
    throw armErrors.badRequest("An environment version must have 'image' or 'build'.", 'UserError');
  }
  return p;
}

function routesFor(kind: Kind): ArmRoute[] {
  const list = base(kind);
  const one = `${list}/{name}`;
  const versions = `${one}/versions`;
  const version = `${versions}/{version}`;
  const registry = (req: ArmRequest, w: World) => requireRegistryName(w, req.params.registryName);
  const container = (req: ArmRequest, w: World) =>
    findRegistryAsset(w, kind, req.params.name) ?? notFound(w, kind, req.params.name);
  return [
    {
      method: 'GET',
      template: list,
      inSpec: true,
      handle: (req, w) => {
        registry(req, w);
        const items = Object.values(collection(w))
          .filter((c) => c.kind === kind)
          .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.name.localeCompare(b.name))
          .map((c) => containerResource(w, kind, c));
        return { status: 200, body: page(w, req.path, req.query, items) };
      },
    },
    {
      method: 'GET',
      template: one,
      inSpec: true,
      handle: (req, w) => {
        registry(req, w);
        return { status: 200, body: containerResource(w, kind, container(req, w)) };
      },
    },
    {
      method: 'PUT',
      template: one,
      inSpec: true,
      handle: (req, w) => {
        registry(req, w);
        const { container: c, created } = ensureContainer(w, kind, req.params.name);
        const props = isRecord(req.body) && isRecord(req.body.properties) ? req.body.properties : {};
        c.properties = { ...c.properties, ...cloneJson(props) };
        c.modifiedAt = new Date().toISOString();
        const op = startOperation(w, created ? 'create' : 'update', `registry/${kind}/${c.name}`, req.ctx.lroFailure);
        w.state.save();
        return {
          status: created ? 201 : 200,
          headers: lroHeaders(w, op, req.apiVersion, false),
          body: containerResource(w, kind, c),
        };
      },
    },
    {
      method: 'GET',
      template: versions,
      inSpec: true,
      handle: (req, w) => {
        registry(req, w);
        const c = container(req, w);
        const items = versionsNewestFirst(Object.values(c.versions)).map((v) => versionResource(w, kind, c, v));
        return { status: 200, body: page(w, req.path, req.query, items) };
      },
    },
    {
      method: 'GET',
      template: version,
      inSpec: true,
      handle: (req, w) => {
        registry(req, w);
        const c = container(req, w);
        const v =
          c.versions[req.params.version] ?? notFound(w, kind, `${req.params.name}/versions/${req.params.version}`);
        return { status: 200, body: versionResource(w, kind, c, v) };
      },
    },
    {
      method: 'PUT',
      template: version,
      inSpec: true,
      handle: (req, w) => {
        registry(req, w);
        const props = checkVersionBody(kind, req.body);
        const { container: c } = ensureContainer(w, kind, req.params.name);
        const existing = c.versions[req.params.version];
        const stored = {
          description: null,
          tags: {},
          properties: {},
          isAnonymous: false,
          isArchived: false,
          ...cloneJson(props),
          provisioningState: 'Succeeded',
        };
        if (existing && JSON.stringify(existing.properties) !== JSON.stringify(stored)) {
          throw armErrors.conflict(
            `${kind.slice(0, -1)} ${req.params.name}:${req.params.version} already exists in registry ${w.ids.registryName} with other content; registry versions cannot be changed. Use a new version.`,
          );
        }
        const now = new Date().toISOString();
        if (!existing)
          c.versions[req.params.version] = {
            version: req.params.version,
            createdAt: now,
            modifiedAt: now,
            properties: stored,
          };
        c.modifiedAt = now;
        const op = startOperation(
          w,
          existing ? 'update' : 'create',
          `registry/${kind}/${c.name}/${req.params.version}`,
          req.ctx.lroFailure,
        );
        w.state.save();
        return {
          status: existing ? 200 : 201,
          headers: lroHeaders(w, op, req.apiVersion, false),
          body: versionResource(w, kind, c, c.versions[req.params.version]),
        };
      },
    },
  ];
}

export const registryComponentRoutes: ArmRoute[] = [...routesFor('components'), ...routesFor('environments')];
