import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveAssetReference } from '../assets/store';
import { parseBlobUrl } from '../blob-store';
import { isRecord } from '../http';
import { AZURITE_ACCOUNT, datastoreSeeds } from '../routes/datastores';
import type { WorkspaceSeed } from '../state';
import { findWorkspace, type World } from '../world';
import { findJob } from './store';

/** A place in the workspace's storage (an Azurite container and a blob path or folder prefix). */
export interface StorageLocation {
  container: string;
  path: string;
}

export class DataError extends Error {}

/** The input types whose data is materialized as local files. */
export const DATA_INPUT_TYPES = ['uri_file', 'uri_folder', 'mltable', 'custom_model', 'mlflow_model', 'triton_model'];

function datastoreContainer(ws: WorkspaceSeed, datastore: string): string {
  const ds = datastoreSeeds(ws).find((d) => d.name.toLowerCase() === datastore.toLowerCase());
  if (!ds) {
    throw new DataError(
      `datastore '${datastore}' does not exist in workspace '${ws.name}' (the emulator has workspaceblobstore and workspaceartifactstore)`,
    );
  }
  return ds.container;
}

/**
 * Where a URI's data lives. Understands the forms clients send: azureml://datastores/<ds>/paths/<p>,
 * the long azureml://subscriptions/.../workspaces/<ws>/datastores/<ds>/paths/<p>, storage URLs of
 * the workspace's account, data and model assets (azureml:name:version, ARM ids, azureml://locations/...)
 * and other jobs' outputs (azureml://jobs/<job>/outputs/<output>).
 */
export function resolveDataUri(w: World, ws: WorkspaceSeed, uri: string, depth = 0): StorageLocation {
  if (depth > 5) throw new DataError(`${uri} refers to itself`);
  const short = /^azureml:\/\/datastores\/([^/]+)\/(?:paths\/)?(.*)$/i.exec(uri);
  if (short) return { container: datastoreContainer(ws, short[1]), path: decodePath(short[2]) };
  const long =
    /^azureml:\/\/subscriptions\/[^/]+\/resource[gG]roups\/[^/]+\/(?:providers\/Microsoft\.MachineLearningServices\/)?workspaces\/([^/]+)\/datastores\/([^/]+)\/(?:paths\/)?(.*)$/i.exec(
      uri,
    );
  if (long) return { container: datastoreContainer(findWorkspace(w, long[1]), long[2]), path: decodePath(long[3]) };
  const jobOutput = /^azureml:\/\/jobs\/([^/]+)\/outputs\/([^/]+)\/?(.*)$/i.exec(uri);
  if (jobOutput) {
    const job = findJob(w, ws.name, jobOutput[1]);
    const target = job?.outputUris[jobOutput[2]];
    if (!target) throw new DataError(`job '${jobOutput[1]}' has no output '${jobOutput[2]}'`);
    const base = resolveDataUri(w, ws, target, depth + 1);
    return jobOutput[3] ? { ...base, path: joinPath(base.path, jobOutput[3]) } : base;
  }
  const asset = assetUri(w, ws, uri);
  if (asset) return resolveDataUri(w, ws, asset, depth + 1);
  const blob = /^(https?|wasbs?):/i.test(uri) ? parseBlobUrl(uri) : undefined;
  if (blob && isWorkspaceStorage(w, uri)) return blob;
  if (/^(https?|wasbs?):/i.test(uri)) {
    throw new DataError(
      `${uri} is outside the emulator's storage; the local emulator only reads the workspace's own datastores (upload the data, or use a real workspace)`,
    );
  }
  throw new DataError(
    `'${uri}' is not a data URI the emulator understands (azureml://datastores/<datastore>/paths/<path>)`,
  );
}

/** The data or model asset version a reference names, as the URI of its data. */
function assetUri(w: World, ws: WorkspaceSeed, uri: string): string | undefined {
  const location = /^azureml:\/\/locations\/[^/]+\/workspaces\/[^/]+\/(data|models)\/([^/]+)\/versions\/([^/]+)$/i.exec(
    uri,
  );
  let candidates: Array<['data' | 'models', string]>;
  if (location) candidates = [[location[1].toLowerCase() as 'data' | 'models', `${location[2]}:${location[3]}`]];
  else if (/^(azureml:|\/subscriptions\/)/i.test(uri))
    candidates = [
      ['data', uri],
      ['models', uri],
    ];
  else return undefined;
  for (const [kind, reference] of candidates) {
    const found = resolveAssetReference(w, ws, kind, reference);
    const target = kind === 'data' ? found?.version.properties.dataUri : found?.version.properties.modelUri;
    if (typeof target === 'string') return target;
  }
  return undefined;
}

function isWorkspaceStorage(w: World, uri: string): boolean {
  const u = new URL(uri);
  if (w.blobEndpoint && uri.startsWith(w.blobEndpoint)) return true;
  // URLs clients build from the datastore's account name (devstoreaccount1.blob.core.windows.net).
  return u.hostname.toLowerCase().startsWith(`${AZURITE_ACCOUNT}.`);
}

const decodePath = (p: string): string =>
  p
    .split('/')
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    })
    .join('/');

const joinPath = (a: string, b: string): string => `${a.replace(/\/+$/, '')}/${b.replace(/^\/+/, '')}`;

/** Downloads an input's data below `dir` and returns the local path the command gets. */
export async function materializeInput(
  w: World,
  ws: WorkspaceSeed,
  name: string,
  type: string,
  uri: string,
  dir: string,
): Promise<{ localPath: string; files: number }> {
  if (!w.blobs) throw new DataError(`input '${name}' needs storage, but the emulator runs without Azurite`);
  const where = resolveDataUri(w, ws, uri);
  const target = path.join(dir, name);
  if (type === 'uri_file') {
    const base = where.path.replace(/\/+$/, '');
    if (!base || !(await w.blobs.exists(where.container, base))) {
      throw new DataError(`input '${name}': there is no file at ${uri}`);
    }
    const file = path.join(target, path.posix.basename(base));
    await w.blobs.download(where.container, base, file);
    return { localPath: file, files: 1 };
  }
  const folder = where.path === '' || where.path.endsWith('/') ? where.path : `${where.path}/`;
  const { files } = await w.blobs.download(where.container, folder, target);
  if (files === 0) {
    // A single blob named like the folder: Azure ML mounts it as a folder holding that file.
    const base = where.path.replace(/\/+$/, '');
    if (base && (await w.blobs.exists(where.container, base))) {
      await w.blobs.download(where.container, base, path.join(target, path.posix.basename(base)));
      return { localPath: target, files: 1 };
    }
    throw new DataError(`input '${name}': no data found at ${uri}`);
  }
  return { localPath: target, files };
}

/** The local path an output's command writes to: a folder, or a file for uri_file outputs. */
export function outputLocalPath(dir: string, name: string, type: string, uri: string): string {
  fs.mkdirSync(path.join(dir, name), { recursive: true });
  if (type !== 'uri_file') return path.join(dir, name);
  const file = path.posix.basename(uri.replace(/\/+$/, '')) || name;
  return path.join(dir, name, file);
}

/** Uploads what the command wrote for an output to the output's URI; returns the file count. */
export async function uploadOutput(w: World, ws: WorkspaceSeed, localPath: string, uri: string): Promise<number> {
  if (!w.blobs) return 0;
  const where = resolveDataUri(w, ws, uri);
  if (!fs.existsSync(localPath)) return 0;
  const isFile = fs.statSync(localPath).isFile();
  return w.blobs.upload(localPath, where.container, isFile ? where.path.replace(/\/+$/, '') : where.path);
}

/** The input's type and URI or literal value, whatever casing the body uses. */
export function describeInput(input: unknown): { type: string; uri?: string; value?: string; mode?: string } {
  if (!isRecord(input))
    return { type: 'literal', value: input === undefined || input === null ? undefined : String(input) };
  const type = String(input.jobInputType ?? input.job_input_type ?? input.type ?? 'literal');
  const mode = input.mode ?? input.input_mode;
  return {
    type,
    uri: typeof input.uri === 'string' ? input.uri : typeof input.path === 'string' ? input.path : undefined,
    value: input.value === undefined || input.value === null ? undefined : literalText(input.value),
    mode: typeof mode === 'string' ? mode : undefined,
  };
}

/** How a literal prints in a command: Python's str() for the booleans azure-ai-ml sends. */
export function literalText(value: unknown): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}
