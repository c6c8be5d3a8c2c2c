import { execFile } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import type { Emulator } from '../../emulator';
import { errorMessage } from '../../shared/errors';
import { runStep } from '../../shared/run-step';
import { RecordingHost } from '../support/recording-host';
import { readYaml, yamlFiles, type AssetReference } from './corpus-tree';
import { assetAndJobPuts, assetNameVersion, type WireRequest } from './wire';

/** Running both clients against one emulator: the oracle as a process, submit-job in this process. */

import { ORACLE_DIR, PYTHON, runOracle as runSharedOracle } from '../support/oracle';

export { ORACLE_DIR, oracleUnavailable, PYTHON, SHARED } from '../support/oracle';

/** A free loopback port (the oracle's token must name the endpoint before the emulator starts). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The oracle's static token, shaped as an unsigned JWT whose audience is the endpoint: azure-ai-ml
 * decodes the token (without verifying it) for jobs that run as the user (identity: user_identity)
 * and insists on that audience. The emulator accepts it as an opaque static token.
 */
export function oracleToken(armBase: string): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ aud: armBase.replace(/\/$/, ''), tid: 'emulator' })}.oracle`;
}

export interface ClientRun {
  ok: boolean;
  /** The client's error, one line, when it failed. */
  error?: string;
  requests: WireRequest[];
  ms: number;
}

export class Workspace {
  /** Asset versions the clients created in earlier runs, removed before the next run. */
  private readonly created = new Set<string>();

  constructor(
    readonly emulator: Emulator,
    readonly name: string,
    /** The static bearer token the emulator accepts from the oracle. */
    readonly oracleToken: string,
  ) {}

  get id(): string {
    const i = this.emulator.info;
    return `/subscriptions/${i.subscriptionId}/resourceGroups/${i.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${this.name}`;
  }

  async arm(method: string, below: string, body?: unknown): Promise<{ status: number; json: any }> {
    const { info } = this.emulator;
    const url = `${info.armEndpoint.replace(/\/$/, '')}${this.id}/${below}${below.includes('?') ? '&' : '?'}api-version=2024-10-01`;
    const res = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${this.emulator.issueAccessToken()}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = text;
    }
    return { status: res.status, json };
  }

  async createCompute(name: string): Promise<void> {
    const res = await this.arm('PUT', `computes/${encodeURIComponent(name)}`, {
      location: this.emulator.info.location,
      properties: {
        computeType: 'AmlCompute',
        properties: { vmSize: 'Standard_DS3_v2', scaleSettings: { minNodeCount: 0, maxNodeCount: 2 } },
      },
    });
    if (res.status >= 300)
      throw new Error(`compute ${name} in ${this.name}: ${res.status} ${JSON.stringify(res.json)}`);
  }

  /**
   * Every asset version a client run created is deleted before the next run, so each client starts
   * from the same workspace and sends every PUT it would send for a first submission (submit-job
   * skips versions that exist; az ml skips code it finds by hash).
   */
  async forgetRunAssets(): Promise<void> {
    for (const p of this.created) {
      const res = await this.arm('DELETE', p);
      if (res.status >= 300 && res.status !== 404) {
        throw new Error(`cannot delete ${p} in ${this.name}: ${res.status} ${JSON.stringify(res.json)}`);
      }
    }
    this.created.clear();
  }

  /**
   * Runs a client and returns the asset and job PUTs it sent to this workspace. The asset versions
   * it created are removed before the next run, except those `keep` names (registered on purpose).
   */
  async record(run: () => Promise<string | undefined>, keep = (_r: WireRequest) => false): Promise<ClientRun> {
    await this.forgetRunAssets();
    const log = this.emulator.requests;
    const mark = log.length;
    const started = Date.now();
    const error = await run();
    const ms = Date.now() - started;
    const puts = assetAndJobPuts(log.slice(mark), this.name);
    for (const r of puts) if (r.kind !== 'job' && r.status < 300 && !keep(r)) this.created.add(r.path);
    return { ok: error === undefined, error, requests: puts, ms };
  }
}

export interface OracleArgs {
  file: string;
  cwd: string;
  overrides: string[];
  kind?: string;
  timeoutMs?: number;
}

/** The azure-ai-ml oracle, `create KIND FILE --set ...`, against one workspace. Resolves with its error. */
export async function runOracle(ws: Workspace, a: OracleArgs): Promise<string | undefined> {
  const { info } = ws.emulator;
  const run = await runSharedOracle(
    info,
    {
      workspace: ws.name,
      token: ws.oracleToken,
      blobUrl: info.blobEndpoint || undefined,
      cwd: a.cwd,
      timeoutMs: a.timeoutMs,
    },
    'create',
    a.kind ?? 'job',
    a.file,
    ...a.overrides.flatMap((o) => ['--set', o]),
  );
  return run.code === 0 ? undefined : oracleError(run.stderr) || `exit ${run.code}`;
}

/** The SDK's error from the oracle's stderr, on one line: from the line naming the exception on. */
export function oracleError(stderr: string): string {
  const lines = stderr.trim().split('\n');
  const at = lines.findIndex((l) => /^\w+(Error|Exception)\b.*:/.test(l));
  const text = (at >= 0 ? lines.slice(at) : lines.slice(-3)).join(' ').replace(/\s+/g, ' ').trim();
  // ValidationError dumps a JSON report; its messages are what matters.
  const messages = [...text.matchAll(/"message": "((?:[^"\\]|\\.)*)"/g)].map((m) => m[1].split('\\n')[0]);
  const head = text.split(/ [{(]/)[0];
  const out = messages.length ? `${head} ${messages.join('; ')}` : text;
  return out.length > 400 ? `${out.slice(0, 397)}...` : out;
}

/** submit-job in this process, as a CLI user would run it, without waiting for the job. */
export async function runOurs(
  ws: Workspace,
  a: { file: string; cwd: string; overrides: string[]; name: string },
): Promise<string | undefined> {
  const { info } = ws.emulator;
  const host = new RecordingHost(
    {
      cloud: 'Custom',
      'arm-endpoint': info.armEndpoint,
      'authority-host': info.authorityHost,
      'subscription-id': info.subscriptionId,
      'resource-group': info.resourceGroup,
      workspace: ws.name,
      file: a.file,
      name: a.name,
      set: a.overrides.join('\n'),
      wait: 'false',
    },
    { AZURE_TENANT_ID: info.tenantId, AZURE_CLIENT_ID: info.clientId, AZURE_CLIENT_SECRET: info.clientSecret },
    a.cwd,
  );
  try {
    await runStep('submit-job', host);
    return undefined;
  } catch (err) {
    return errorMessage(err).split('\n')[0];
  }
}

/**
 * azure-ai-ml's own version of an anonymous component (hash_dict of its spec without name, id and
 * version: md5 of json.dumps(sort_keys=True) as a uuid), computed by the SDK in one Python process.
 * Specs come from the request log (parsed JSON), so a float written as 1.0 would hash as 1.
 */
export function sdkComponentVersions(specs: unknown[]): Promise<string[]> {
  const script = [
    'import json, sys',
    `sys.path.insert(0, ${JSON.stringify(ORACLE_DIR)})`,
    'from azure.ai.ml._utils.utils import hash_dict',
    "print(json.dumps([hash_dict(s, keys_to_omit=['name', 'id', 'version']) for s in json.load(sys.stdin)]))",
  ].join('\n');
  return new Promise((resolve, reject) => {
    const child = execFile(PYTHON, ['-c', script], { encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`hash_dict failed: ${stderr.trim().split('\n').pop() ?? String(error)}`));
      else resolve(JSON.parse(stdout) as string[]);
    });
    child.stdin?.end(JSON.stringify(specs));
  });
}

/** Runs `fn` over items with at most `n` at a time, keeping the order of results. */
export async function pool<T, R>(items: T[], n: number, fn: (item: T, lane: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async (_, lane) => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i], lane);
      }
    }),
  );
  return out;
}

// ------------------------------------------------------------------------------------------------
// assets the job files refer to by name

const SCHEMA_KIND: [RegExp, AssetReference['kind']][] = [
  [/Component\.schema\.json$/i, 'components'],
  [/data\.schema\.json$/i, 'data'],
  [/environment\.schema\.json$/i, 'environments'],
  [/model\.schema\.json$/i, 'models'],
];
const ORACLE_KIND: Record<AssetReference['kind'], string> = {
  components: 'component',
  data: 'data',
  environments: 'environment',
  models: 'model',
};

/** YAML files in the tree that define an asset of that kind and name (by their $schema and name). */
export function definitionsOf(root: string, ref: AssetReference): string[] {
  return yamlFiles(root).filter((file) => {
    let d: any;
    try {
      d = readYaml(file);
    } catch {
      return false;
    }
    if (!d || typeof d !== 'object' || d.name !== ref.name || typeof d.$schema !== 'string') return false;
    return SCHEMA_KIND.some(([re, kind]) => kind === ref.kind && re.test(d.$schema));
  });
}

export interface Registration {
  ref: AssetReference;
  how: string;
  error?: string;
}

/**
 * Makes a referenced asset exist, as the examples' READMEs do before submitting: with the oracle
 * from the YAML file in the corpus that defines it (same name and kind), else (data, models and
 * environments only) a placeholder version through ARM. Components without a definition are left
 * missing: both clients then fail on the reference alike.
 */
export async function register(ws: Workspace, root: string, ref: AssetReference): Promise<Registration> {
  const version = ref.version ?? '1';
  const files = definitionsOf(root, ref);
  if (files.length) {
    // Prefer a definition beside the job files that use it: the first in a stable order.
    const file = files[0];
    // Only the asset itself stays: the code, anonymous environment and the like made on the way are
    // removed, or a job using the same folder or image would find them and skip its own PUTs.
    const run = await ws.record(
      () =>
        runOracle(ws, {
          file,
          cwd: path.dirname(file),
          kind: ORACLE_KIND[ref.kind],
          overrides: ref.version ? [`version=${ref.version}`] : [],
        }),
      (r) => r.kind !== 'code' && assetNameVersion(r.path)?.name === ref.name,
    );
    return { ref, how: `oracle create ${ORACLE_KIND[ref.kind]} ${path.relative(root, file)}`, error: run.error };
  }
  const below = `${ref.kind}/${encodeURIComponent(ref.name)}/versions/${encodeURIComponent(version)}`;
  const placeholder: Record<AssetReference['kind'], unknown> = {
    data: {
      properties: { dataType: 'uri_folder', dataUri: 'azureml://datastores/workspaceblobstore/paths/placeholder/' },
    },
    models: {
      properties: { modelType: 'custom_model', modelUri: 'azureml://datastores/workspaceblobstore/paths/placeholder/' },
    },
    environments: { properties: { image: 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest' } },
    components: undefined,
  };
  if (!placeholder[ref.kind]) return { ref, how: 'no definition in the corpus', error: 'not registered' };
  const res = await ws.arm('PUT', below, placeholder[ref.kind]);
  return {
    ref,
    how: `placeholder ${below}`,
    error: res.status < 300 ? undefined : `${res.status} ${JSON.stringify(res.json)}`,
  };
}
