import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import type { Emulator } from '../../emulator';
import { sleep, Workspace } from '../emulator-jobs/helpers';
import type { RawResponse } from '../emulator/helpers';

/** Online endpoints on the emulator through plain ARM calls, and scoring through its data plane. */
export class Online extends Workspace {
  private agent?: https.Agent;

  constructor(emulator: Emulator, name = 'dev') {
    super(emulator, name);
  }

  /** Registers a model from a local folder (uploaded under its own name, as az ml does). */
  async createModel(dir: string, name: string, version = '1'): Promise<string> {
    const folder = path.basename(dir);
    const uri = await this.uploadFolder(dir, `LocalUpload/${name}-${version}/${folder}`);
    const res = await this.arm('PUT', `/models/${name}/versions/${version}`, {
      properties: { modelUri: uri, modelType: 'custom_model' },
    });
    expect([200, 201]).toContain(res.status);
    return res.json.id;
  }

  async waitFor(
    suffix: string,
    until = (s: string) => ['Succeeded', 'Failed', 'Canceled'].includes(s),
    timeoutMs = 45_000,
  ): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await this.arm('GET', suffix);
      if (res.status === 200 && until(res.json.properties.provisioningState)) return res.json;
      if (Date.now() > deadline)
        throw new Error(
          `${suffix} is still ${res.json?.properties?.provisioningState ?? res.status} after ${timeoutMs} ms`,
        );
      await sleep(100);
    }
  }

  async createEndpoint(name: string, properties: Record<string, unknown> = {}): Promise<any> {
    const res = await this.arm('PUT', `/onlineEndpoints/${name}`, {
      location: this.info.location,
      properties: { authMode: 'Key', ...properties },
    });
    if (![200, 201].includes(res.status)) throw new Error(`PUT endpoint ${name}: ${res.status} ${res.text}`);
    return this.waitFor(`/onlineEndpoints/${name}`);
  }

  deploymentBody(
    codeId: string,
    modelId: string | undefined,
    extra: Record<string, unknown> = {},
    instanceCount = 1,
  ): Record<string, unknown> {
    return {
      location: this.info.location,
      sku: { name: 'Default', capacity: instanceCount },
      properties: {
        endpointComputeType: 'Managed',
        instanceType: 'Standard_DS2_v2',
        codeConfiguration: { codeId, scoringScript: 'score.py' },
        ...(modelId ? { model: modelId } : {}),
        ...extra,
      },
    };
  }

  async createDeployment(endpoint: string, name: string, body: Record<string, unknown>): Promise<any> {
    const res = await this.arm('PUT', `/onlineEndpoints/${endpoint}/deployments/${name}`, body);
    if (![200, 201].includes(res.status)) throw new Error(`PUT deployment ${name}: ${res.status} ${res.text}`);
    expect(res.headers['azure-asyncoperation']).toMatch(/mfeOperationsStatus/);
    return this.waitFor(`/onlineEndpoints/${endpoint}/deployments/${name}`);
  }

  /** Sets traffic the way az ml and azure-ai-ml do: a PUT of the whole endpoint (PATCH carries only tags and identity). */
  async setTraffic(
    endpoint: string,
    traffic: Record<string, number>,
    mirrorTraffic?: Record<string, number>,
  ): Promise<RawResponse> {
    const current = (await this.arm('GET', `/onlineEndpoints/${endpoint}`)).json;
    const { authMode, description, compute } = current.properties;
    const res = await this.arm('PUT', `/onlineEndpoints/${endpoint}`, {
      location: current.location,
      tags: current.tags,
      properties: { authMode, description, compute, traffic, ...(mirrorTraffic ? { mirrorTraffic } : {}) },
    });
    if (res.status < 300) await this.waitFor(`/onlineEndpoints/${endpoint}`);
    return res;
  }

  async keys(endpoint: string): Promise<{ primaryKey: string; secondaryKey: string }> {
    const res = await this.arm('POST', `/onlineEndpoints/${endpoint}/listKeys`);
    expect(res.status).toBe(200);
    return res.json;
  }

  async logs(endpoint: string, deployment: string, containerType = 'InferenceServer', tail?: number): Promise<string> {
    const res = await this.arm('POST', `/onlineEndpoints/${endpoint}/deployments/${deployment}/getLogs`, {
      containerType,
      ...(tail === undefined ? {} : { tail }),
    });
    expect(res.status).toBe(200);
    return res.json.content;
  }

  /** POST to a scoring URI over one kept-alive connection pool, like a real client. */
  score(uri: string, body: unknown, headers: Record<string, string> = {}): Promise<RawResponse> {
    this.agent ??= new https.Agent({ keepAlive: true, ca: fs.readFileSync(this.info.caCertFile) });
    const payload = typeof body === 'string' ? body : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = https.request(
        uri,
        { method: 'POST', agent: this.agent, headers: { 'content-type': 'application/json', ...headers } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: unknown;
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent?.destroy();
  }
}

/** Process ids of running inference servers whose working folder is below `dir`. */
export function scoringProcessesBelow(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (!cmd.includes('inference_server.py')) continue;
      const cwd = fs.readlinkSync(`/proc/${entry}/cwd`);
      if (cwd.startsWith(dir)) pids.push(Number(entry));
    } catch {
      // Ended while we looked.
    }
  }
  return pids;
}

export { folderWith, sleep } from '../emulator-jobs/helpers';
