import type { Identities, StateStore, WorkspaceSeed } from './state';
import { armErrors } from './arm-errors';
import type { BlobStore } from './blob-store';
import type { JobControl } from './jobs/model';
import type { OnlineServing } from './serving/serving';

export const PROVIDER = 'Microsoft.MachineLearningServices';

/** What ARM route handlers share: the ids, the persisted state and the emulator's settings. */
export interface World {
  ids: Identities;
  state: StateStore;
  /** https://127.0.0.1:PORT, no trailing slash. */
  baseUrl: string;
  provisioningMs: number;
  retryAfterSeconds: number;
  pageSize: number;
  /** Azurite's blob endpoint, '' when Azurite is off. */
  blobEndpoint: string;
  /** The emulator's own access to Azurite; undefined when Azurite is off. */
  blobs?: BlobStore;
  /** Runs jobs locally; undefined until the runner is set up. */
  jobs?: JobControl;
  /** Runs online deployments as local scoring servers; undefined until set up. */
  online?: OnlineServing;
  log(line: string): void;
}

export function resourceGroupId(w: World): string {
  return `/subscriptions/${w.ids.subscriptionId}/resourceGroups/${w.ids.resourceGroup}`;
}

export function workspaceArmId(w: World, ws: WorkspaceSeed): string {
  return `${resourceGroupId(w)}/providers/${PROVIDER}/workspaces/${ws.name}`;
}

/** Workspace names are case-insensitive in ARM; the seed keeps the canonical casing. */
export function findWorkspace(w: World, name: string): WorkspaceSeed {
  const ws = w.ids.workspaces.find((x) => x.name.toLowerCase() === name.toLowerCase());
  if (!ws) throw armErrors.resourceNotFound(`${PROVIDER}/workspaces`, name, w.ids.resourceGroup);
  return ws;
}

/** ARM's systemData block; the emulator attributes seeded resources to the main application. */
export function systemData(w: World, createdAt: string, modifiedAt = createdAt): Record<string, string> {
  return {
    createdAt,
    createdBy: w.ids.clientId,
    createdByType: 'Application',
    lastModifiedAt: modifiedAt,
    lastModifiedBy: w.ids.clientId,
    lastModifiedByType: 'Application',
  };
}

/** A page of a list operation plus ARM's absolute nextLink (keeps api-version and the other query parameters). */
export function page<T>(
  w: World,
  path: string,
  query: URLSearchParams,
  items: T[],
  skipParam = '$skip',
): { value: T[]; nextLink?: string } {
  const raw = query.get(skipParam);
  const offset = raw && /^\d+$/.test(raw) ? Number(raw) : 0;
  const value = items.slice(offset, offset + w.pageSize);
  if (offset + w.pageSize >= items.length) return { value };
  const next = new URLSearchParams(query);
  next.set(skipParam, String(offset + w.pageSize));
  // ARM writes OData names such as $skip unencoded in nextLinks.
  const qs = [...next]
    .map(([k, v]) => `${encodeURIComponent(k).replace(/^%24/, '$')}=${encodeURIComponent(v)}`)
    .join('&');
  return { value, nextLink: `${w.baseUrl}${path}?${qs}` };
}
