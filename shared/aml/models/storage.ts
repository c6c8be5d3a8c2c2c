import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { BlockBlobClient } from '@azure/storage-blob';
import { UserError } from '../../errors';
import type { Host } from '../../host';
import type { AmlContext } from '../context';
import { openBlobDatastore, type BlobDatastore } from '../datastore';

/** A model's files in a workspace datastore, as listed before a copy. */
export interface ModelFiles {
  datastore: BlobDatastore;
  /** The model's path in the container: a blob (file model) or a folder prefix without trailing '/'. */
  path: string;
  isFile: boolean;
  blobs: { name: string; size: number; md5: string }[];
  /** Identifies the content: relative names, sizes and MD5s of every file. */
  contentHash: string;
}

const LONG =
  /^azureml:\/\/subscriptions\/([^/]+)\/resource[gG]roups\/([^/]+)\/(?:providers\/Microsoft\.MachineLearningServices\/)?workspaces\/([^/]+)\/datastores\/([^/]+)\/paths\/(.+)$/i;
const SHORT = /^azureml:\/\/datastores\/([^/]+)\/paths\/(.+)$/i;

const decode = (p: string): string =>
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

/** Finds where a model version's files are, in the source workspace's datastores, and lists them. */
export async function locateModelFiles(
  ctx: AmlContext,
  host: Host,
  modelUri: string,
  label: string,
): Promise<ModelFiles> {
  let datastoreName: string | undefined;
  let blobPath: string | undefined;
  let datastore: BlobDatastore | undefined;
  const long = LONG.exec(modelUri);
  const short = SHORT.exec(modelUri);
  if (long) {
    if (long[3].toLowerCase() !== ctx.workspace.workspace.toLowerCase()) {
      throw new UserError(`${label} is stored in workspace '${long[3]}', not in '${ctx.workspace.workspace}'`);
    }
    [datastoreName, blobPath] = [long[4], decode(long[5])];
  } else if (short) {
    [datastoreName, blobPath] = [short[1], decode(short[2])];
  } else if (/^https?:\/\//i.test(modelUri)) {
    // A storage URL: it must be one of the workspace's own datastores, whose credential can read it.
    for (const name of ['workspaceblobstore', 'workspaceartifactstore']) {
      const ds = await openBlobDatastore(ctx, host, name);
      const base = `${ds.serviceUrl}/${ds.containerName}/`;
      if (modelUri.startsWith(base)) {
        [datastore, blobPath] = [ds, decode(new URL(modelUri).pathname).slice(new URL(base).pathname.length)];
        break;
      }
    }
  }
  if (!datastore && datastoreName) datastore = await openBlobDatastore(ctx, host, datastoreName);
  if (!datastore || !blobPath) {
    throw new UserError(
      `${label} is stored at ${modelUri}, outside the workspace's datastores; only models in a workspace datastore can be copied`,
    );
  }
  const trimmed = blobPath.replace(/\/+$/, '');
  const blobs: ModelFiles['blobs'] = [];
  for await (const b of datastore.container.listBlobsFlat({ prefix: trimmed })) {
    if (b.name !== trimmed && !b.name.startsWith(`${trimmed}/`)) continue;
    if (b.name.endsWith('/')) continue;
    const md5 = b.properties.contentMD5 ? Buffer.from(b.properties.contentMD5).toString('base64') : '';
    blobs.push({ name: b.name, size: b.properties.contentLength ?? 0, md5 });
  }
  if (blobs.length === 0) throw new UserError(`${label} has no files at ${modelUri}`);
  const isFile = blobs.length === 1 && blobs[0].name === trimmed;
  const hash = createHash('sha256');
  for (const b of [...blobs].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    hash.update(`${relativeName({ path: trimmed, isFile }, b.name)}\n${b.size}\n${b.md5}\n`);
  }
  return { datastore, path: trimmed, isFile, blobs, contentHash: hash.digest('hex') };
}

/** A blob's name relative to the model's parent folder, so the model's own folder or file name is kept. */
export function relativeName(files: Pick<ModelFiles, 'path' | 'isFile'>, blobName: string): string {
  const parent = path.posix.dirname(files.path);
  return parent === '.' ? blobName : blobName.slice(parent.length + 1);
}

/** A URL another storage account can read the blob from (server-side copy source). */
async function readableUrl(files: ModelFiles, blobName: string): Promise<string> {
  const blob = files.datastore.container.getBlobClient(blobName);
  if (new URL(blob.url).searchParams.has('sig')) return blob.url;
  const { BlobSASPermissions } = await import('@azure/storage-blob');
  return blob.generateSasUrl({
    permissions: BlobSASPermissions.parse('r'),
    startsOn: new Date(Date.now() - 5 * 60_000),
    expiresOn: new Date(Date.now() + 2 * 3600_000),
  });
}

/**
 * Copies the model's files server-side (the storage service copies; nothing passes through this
 * machine). targetFor gives the writable blob of each file by its relative name.
 */
export async function copyModelFiles(
  files: ModelFiles,
  targetFor: (relative: string) => BlockBlobClient,
  signal: AbortSignal,
  concurrency = 8,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= files.blobs.length) return;
      const blob = files.blobs[i];
      const target = targetFor(relativeName(files, blob.name));
      const poller = await target.beginCopyFromURL(await readableUrl(files, blob.name), {
        abortSignal: signal,
        intervalInMs: 500,
      });
      const result = await poller.pollUntilDone();
      if (result.copyStatus && result.copyStatus !== 'success') {
        throw new Error(`copying ${blob.name} ended ${result.copyStatus}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, files.blobs.length)) }, worker));
}
