import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  BlobServiceClient,
  ContainerSASPermissions,
  StorageSharedKeyCredential,
  generateBlobSASQueryParameters,
  type ContainerClient,
} from '@azure/storage-blob';
import { AZURITE_ACCOUNT, AZURITE_KEY } from './routes/datastores';

/**
 * The emulator's own access to Azurite: code snapshots and inputs come down from it, job outputs
 * and logs go up to it, and clients get SAS URLs into it. Real Azure ML does the same with the
 * workspace's storage account, so clients see the same URLs and the same blob layout.
 */
export class BlobStore {
  private readonly service: BlobServiceClient;
  private readonly credential: StorageSharedKeyCredential;

  /** @param endpoint Azurite's path-style account URL, http://127.0.0.1:PORT/devstoreaccount1 */
  constructor(readonly endpoint: string) {
    this.credential = new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY);
    this.service = new BlobServiceClient(endpoint, this.credential);
  }

  container(name: string): ContainerClient {
    return this.service.getContainerClient(name);
  }

  /** A URL with a container-scoped SAS, pointing at `prefix` inside the container. */
  sasUrl(container: string, prefix: string, permissions: string, lifetimeMs: number): string {
    const sas = generateBlobSASQueryParameters(
      {
        containerName: container,
        permissions: ContainerSASPermissions.parse(permissions),
        startsOn: new Date(Date.now() - 5 * 60_000),
        expiresOn: new Date(Date.now() + lifetimeMs),
      },
      this.credential,
    ).toString();
    const blobPath = prefix
      .split('/')
      .filter(Boolean)
      .map((s) => encodeURIComponent(s))
      .join('/');
    return `${this.endpoint}/${container}${blobPath ? `/${blobPath}` : ''}?${sas}`;
  }

  /** Names of the blobs at or under `prefix` (a blob name or a folder). */
  async list(container: string, prefix: string): Promise<string[]> {
    const names: string[] = [];
    for await (const blob of this.container(container).listBlobsFlat({ prefix })) names.push(blob.name);
    return names;
  }

  /**
   * Downloads a file blob or every blob under a folder prefix into `dest`. A single blob whose name
   * is exactly `prefix` lands at `dest` itself (a file); folder contents keep their relative paths.
   * Returns the number of files written.
   */
  async download(container: string, prefix: string, dest: string): Promise<{ files: number; isFile: boolean }> {
    const trimmed = prefix.replace(/^\/+/, '');
    const exact = trimmed && !trimmed.endsWith('/') ? await this.exists(container, trimmed) : false;
    if (exact) {
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      await this.container(container).getBlobClient(trimmed).downloadToFile(dest);
      return { files: 1, isFile: true };
    }
    const folder = trimmed === '' || trimmed.endsWith('/') ? trimmed : `${trimmed}/`;
    fs.mkdirSync(dest, { recursive: true });
    let files = 0;
    for (const name of await this.list(container, folder)) {
      const rel = name.slice(folder.length);
      // Folder markers (hierarchical namespaces, some uploaders) have no content to write.
      if (!rel || rel.endsWith('/')) continue;
      const target = path.join(dest, ...rel.split('/'));
      if (!target.startsWith(dest)) continue;
      fs.mkdirSync(path.dirname(target), { recursive: true });
      await this.container(container).getBlobClient(name).downloadToFile(target);
      files++;
    }
    return { files, isFile: false };
  }

  async exists(container: string, blobName: string): Promise<boolean> {
    return this.container(container).getBlobClient(blobName).exists();
  }

  /** Uploads a file, or every file under a folder, below `prefix`. Returns the number of files. */
  async upload(source: string, container: string, prefix: string): Promise<number> {
    const client = this.container(container);
    const base = prefix.replace(/\/+$/, '');
    if (!fs.existsSync(source)) return 0;
    if (fs.statSync(source).isFile()) {
      await client.getBlockBlobClient(base).uploadFile(source);
      return 1;
    }
    let count = 0;
    for (const rel of listFiles(source)) {
      const name = base ? `${base}/${rel}` : rel;
      await client.getBlockBlobClient(name).uploadFile(path.join(source, ...rel.split('/')));
      count++;
    }
    return count;
  }

  /** Appends bytes to an append blob (created on first use), as Azure ML writes run logs. */
  async append(container: string, blobName: string, bytes: Buffer): Promise<void> {
    const blob = this.container(container).getAppendBlobClient(blobName);
    await blob.createIfNotExists({ blobHTTPHeaders: { blobContentType: 'text/plain; charset=utf-8' } });
    // Append blocks are limited to 4 MiB each.
    for (let at = 0; at < bytes.length; at += 4 * 1024 * 1024) {
      const chunk = bytes.subarray(at, at + 4 * 1024 * 1024);
      await blob.appendBlock(chunk, chunk.length);
    }
  }

  async readText(container: string, blobName: string): Promise<string> {
    const buf = await this.container(container).getBlobClient(blobName).downloadToBuffer();
    return buf.toString('utf8');
  }
}

/** Files under a folder, relative and '/'-separated, sorted. */
export function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, rel: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(path.join(dir, entry.name), childRel);
      else if (entry.isFile()) out.push(childRel);
    }
  };
  walk(root, '');
  return out.sort();
}

/**
 * The container and blob path a storage URL names, for the URL forms clients put in asset and job
 * bodies: Azurite's path-style http://127.0.0.1:PORT/devstoreaccount1/<container>/<path>, public
 * cloud https://<account>.blob.<suffix>/<container>/<path> and wasbs://<container>@<account>.blob.<suffix>/<path>.
 */
export function parseBlobUrl(url: string): { container: string; path: string } | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  const parts = u.pathname.split('/').map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
  if (u.protocol === 'wasbs:' || u.protocol === 'wasb:') {
    const container = decodeURIComponent(u.username);
    return container ? { container, path: parts.filter(Boolean).join('/') } : undefined;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
  const segments = parts.slice(1);
  // Path-style (an IP, localhost or a port): the account is the first segment. azure-ai-ml drops it
  // when it builds a code URI from a path-style account URL, so it is optional there.
  const pathStyle = /^\d+\.\d+\.\d+\.\d+$/.test(u.hostname) || u.hostname === 'localhost' || u.port !== '';
  if (pathStyle) {
    if (segments[0]?.toLowerCase() === AZURITE_ACCOUNT) segments.shift();
  } else if (!/\.blob\./i.test(u.hostname)) return undefined;
  const container = segments.shift();
  if (!container) return undefined;
  const rest = segments.join('/');
  return { container, path: url.endsWith('/') && rest && !rest.endsWith('/') ? `${rest}/` : rest };
}
