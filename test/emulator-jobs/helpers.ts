import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BlobServiceClient, StorageSharedKeyCredential, type ContainerClient } from '@azure/storage-blob';
import type { Emulator } from '../../emulator';
import { bearer, request, workspaceUrl, type RawResponse } from '../emulator/helpers';

/** Shared plumbing of the job tests: ARM and regional calls with a token, storage, bounded polling. */

export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export class Workspace {
  constructor(
    readonly emulator: Emulator,
    readonly name = 'dev',
  ) {}

  get info() {
    return this.emulator.info;
  }

  get armId(): string {
    const i = this.info;
    return `/subscriptions/${i.subscriptionId}/resourceGroups/${i.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${this.name}`;
  }

  /** An ARM call below the workspace (suffix starts with '/'), api-version 2024-10-01 unless given. */
  arm(method: string, suffix: string, body?: unknown, apiVersion = '2024-10-01'): Promise<RawResponse> {
    const [p, q] = suffix.split('?');
    const url = `${workspaceUrl(this.info, this.name, p, apiVersion)}${q ? `&${q}` : ''}`;
    return request(this.info, method, url, { headers: bearer(this.emulator.issueAccessToken()), body });
  }

  /** A run history call: /history/v1.0/<workspace>/<tail>. */
  history(tail: string): Promise<RawResponse> {
    return request(this.info, 'GET', `${this.info.authorityHost}/history/v1.0${this.armId}/${tail}`, {
      headers: bearer(this.emulator.issueAccessToken()),
    });
  }

  /** An MLflow REST call: /mlflow/v1.0/<workspace>/api/2.0/mlflow/<call>. */
  mlflow(method: string, call: string, body?: unknown): Promise<RawResponse> {
    return request(this.info, method, `${this.info.authorityHost}/mlflow/v1.0${this.armId}/api/2.0/mlflow/${call}`, {
      headers: bearer(this.emulator.issueAccessToken()),
      body,
    });
  }

  /** Polls the job until `until` holds (default: a final status); fails after `timeoutMs`. */
  async waitForJob(
    name: string,
    until = (s: string) => ['Completed', 'Failed', 'Canceled'].includes(s),
    timeoutMs = 30_000,
  ): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await this.arm('GET', `/jobs/${name}`);
      expect(res.status).toBe(200);
      if (until(res.json.properties.status)) return res.json;
      if (Date.now() > deadline)
        throw new Error(`job ${name} is still ${res.json.properties.status} after ${timeoutMs} ms`);
      await sleep(100);
    }
  }

  /** Run details of a job (status, error, logFiles). */
  async details(name: string): Promise<any> {
    const res = await this.history(`runs/${name}/details`);
    expect(res.status).toBe(200);
    return res.json;
  }

  /** The text of one of the job's log files, read through the URL run history lists. */
  async logText(name: string, file = 'user_logs/std_log.txt'): Promise<string> {
    const url = (await this.details(name)).logFiles?.[file];
    if (!url) return '';
    const res = await request(this.info, 'GET', url);
    expect(res.status).toBe(200);
    return res.text;
  }

  blobContainer(
    datastore: 'workspaceblobstore' | 'workspaceartifactstore' = 'workspaceblobstore',
  ): Promise<ContainerClient> {
    return this.arm('GET', `/datastores/${datastore}`).then((res) => {
      const service = new BlobServiceClient(
        this.info.blobEndpoint,
        new StorageSharedKeyCredential('devstoreaccount1', AZURITE_KEY),
      );
      return service.getContainerClient(res.json.properties.containerName);
    });
  }

  /** Uploads a local folder under `prefix` of the default datastore; returns the folder's storage URL. */
  async uploadFolder(dir: string, prefix: string): Promise<string> {
    const container = await this.blobContainer();
    for (const file of fs.readdirSync(dir, { recursive: true }) as string[]) {
      const full = path.join(dir, file);
      if (fs.statSync(full).isFile())
        await container.getBlockBlobClient(`${prefix}/${file.split(path.sep).join('/')}`).uploadFile(full);
    }
    return `${this.info.blobEndpoint}/${container.containerName}/${prefix}`;
  }

  async readBlob(
    blobName: string,
    datastore: 'workspaceblobstore' | 'workspaceartifactstore' = 'workspaceblobstore',
  ): Promise<string> {
    const container = await this.blobContainer(datastore);
    return (await container.getBlobClient(blobName).downloadToBuffer()).toString('utf8');
  }

  /** Creates a code version from a local folder, as clients do: upload, then PUT with codeUri. */
  async createCode(dir: string, name: string, version = '1'): Promise<string> {
    const codeUri = await this.uploadFolder(dir, `LocalUpload/${name}-${version}/src`);
    const res = await this.arm('PUT', `/codes/${name}/versions/${version}`, { properties: { codeUri } });
    expect([200, 201]).toContain(res.status);
    return res.json.id;
  }

  async createEnvironment(name = 'local-python', version = '1'): Promise<string> {
    const res = await this.arm('PUT', `/environments/${name}/versions/${version}`, {
      properties: { image: 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04' },
    });
    expect([200, 201]).toContain(res.status);
    return res.json.id;
  }

  async createCompute(name = 'cpu-cluster'): Promise<void> {
    const url = `${workspaceUrl(this.info, this.name, `/computes/${name}`)}`;
    const res = await request(this.info, 'PUT', url, {
      headers: bearer(this.emulator.issueAccessToken()),
      body: {
        properties: {
          computeType: 'AmlCompute',
          properties: { vmSize: 'STANDARD_DS3_V2', scaleSettings: { maxNodeCount: 1 } },
        },
      },
    });
    expect([200, 201]).toContain(res.status);
  }

  computeId(name = 'cpu-cluster'): string {
    return `${this.armId}/computes/${name}`;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A temporary folder with the given files (name -> content). */
export function folderWith(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-jobtest-'));
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

/** Whether a process id is alive. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
