import * as fs from 'node:fs';
import * as path from 'node:path';
import { isRecord } from '../http';
import { machinePython, pythonAliasDir } from '../jobs/python-env';
import { findWorkspace, type World } from '../world';
import type { EndpointAuth } from './endpoint-auth';
import { applyContainerLimits, findInstanceType, MIN_MEMORY_MB, type InstanceType } from './instance-types';
import { materializeDeployment, ProvisioningError } from './materialize';
import type { OnlineDeploymentRecord, OnlineOperationRecord } from './model';
import { ReplicaStartError, ScoringReplica } from './replica';
import { deploymentsOf, finishOnlineOperation, onlineState } from './store';

/**
 * The running side of online deployments: each provisioning downloads code and model, starts
 * instance_count replicas of the inference server and swaps them in once all are ready (a failed
 * update keeps the previous replicas serving, as a rolling update would). Provisioning states and
 * operations in state.json follow the real work, never shorter than the configured delay.
 */

export interface ServingOptions {
  world: World;
  /** Deployment folders and logs live below it. */
  rootDir: string;
  /** Minimum time an endpoint or deployment stays Creating/Updating/Deleting. */
  provisioningMs: number;
  auth: EndpointAuth;
}

interface Runtime {
  replicas: ScoringReplica[];
  next: number;
  generation: number;
}

export const STORAGE_INITIALIZER_LOG = 'storage-initializer.log';
export const INFERENCE_SERVER_LOG = 'inference-server.log';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Variables that name credentials of the emulator's own process are not passed on to scoring code. */
const PRIVATE_VARIABLE = /(SECRET|PASSWORD|TOKEN|CREDENTIAL|_KEY$|^AZURE_CLIENT_|^AMLOPS_)/i;

export function serverScriptPath(): string {
  const candidates: string[] = [];
  for (let dir = __dirname, i = 0; i < 6; i++, dir = path.dirname(dir)) {
    candidates.push(path.join(dir, 'python'), path.join(dir, 'emulator', 'python'));
  }
  candidates.push(path.join(process.cwd(), 'emulator', 'python'));
  const found = candidates.find((c) => fs.existsSync(path.join(c, 'inference_server.py')));
  return path.join(found ?? candidates[0], 'inference_server.py');
}

/** The local limits of a deployment: its instance type, narrowed by Kubernetes container limits. */
export function deploymentLimits(props: Record<string, unknown>): InstanceType {
  const name = typeof props.instanceType === 'string' && props.instanceType ? props.instanceType : '';
  const base = findInstanceType(name) ?? findInstanceType('defaultinstancetype')!;
  const req = isRecord(props.containerResourceRequirements) ? props.containerResourceRequirements : undefined;
  const limits = req && isRecord(req.containerResourceLimits) ? req.containerResourceLimits : undefined;
  return applyContainerLimits(base, limits as { cpu?: string; memory?: string } | undefined);
}

export class OnlineServing {
  private readonly runtimes = new Map<string, Runtime>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly opts: ServingOptions) {}

  get auth(): EndpointAuth {
    return this.opts.auth;
  }

  get provisioningMs(): number {
    return this.opts.provisioningMs;
  }

  private get w(): World {
    return this.opts.world;
  }

  folder(key: string): string {
    return path.join(this.opts.rootDir, ...key.split('/'));
  }

  appendLog(key: string, file: string, line: string): void {
    const dir = this.folder(key);
    fs.mkdirSync(dir, { recursive: true });
    fs.appendFileSync(path.join(dir, file), line.endsWith('\n') ? line : `${line}\n`);
  }

  /** The last `tail` lines (all when undefined) of a deployment's container log. */
  readLog(key: string, file: string, tail?: number): string {
    const full = path.join(this.folder(key), file);
    if (!fs.existsSync(full)) return '';
    const lines = fs.readFileSync(full, 'utf8').split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    return (tail === undefined ? lines : tail <= 0 ? [] : lines.slice(-tail)).join('\n');
  }

  /** Runs `fn` after the provisioning delay, unless the emulator stops first. */
  afterDelay(fn: () => void): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopped) fn();
    }, this.opts.provisioningMs);
    timer.unref();
    this.timers.add(timer);
  }

  /** Ready replicas of a deployment, round robin. */
  pickReplica(key: string): ScoringReplica | undefined {
    const rt = this.runtimes.get(key);
    if (!rt || rt.replicas.length === 0) return undefined;
    rt.next = (rt.next + 1) % rt.replicas.length;
    return rt.replicas[rt.next];
  }

  replicaCount(key: string): number {
    return this.runtimes.get(key)?.replicas.length ?? 0;
  }

  /** Process ids of every running scoring server (tests check that none outlive the emulator). */
  pids(): number[] {
    return [...this.runtimes.values()].flatMap((rt) => rt.replicas.map((r) => r.pid ?? 0)).filter((p) => p > 0);
  }

  /** Runs one provisioning of a deployment and settles its record and operation. */
  async provision(key: string, op: OnlineOperationRecord, injected?: { code: string; message: string }): Promise<void> {
    const started = Date.now();
    let error: { code: string; message: string } | undefined;
    let replicas: ScoringReplica[] = [];
    const rec = onlineState(this.w).onlineDeployments[key];
    if (!rec) return;
    const generation = rec.generation;
    try {
      if (injected) throw new ProvisioningError(injected.code, injected.message);
      replicas = await this.startReplicas(key, rec);
    } catch (e) {
      error =
        e instanceof ProvisioningError
          ? { code: e.code, message: e.message }
          : e instanceof ReplicaStartError
            ? {
                code: 'ResourceNotReady',
                message: `User container has crashed or terminated: ${e.message}. The scoring script's init() failed; see the deployment logs (az ml online-deployment get-logs) for the traceback.`,
              }
            : {
                code: 'InternalServerError',
                message: `The emulator could not provision the deployment: ${(e as Error).message}`,
              };
    }
    const rest = this.opts.provisioningMs - (Date.now() - started);
    if (rest > 0) await sleep(rest);
    if (this.stopped) {
      for (const r of replicas) r.kill();
      return;
    }
    const current = onlineState(this.w).onlineDeployments[key];
    // Deleted or superseded meanwhile: these replicas are not wanted any more.
    if (!current || current.generation !== generation || current.pendingOperationId !== op.id) {
      for (const r of replicas) r.kill();
      if (op.status === 'InProgress') finishOnlineOperation(this.w, op, error);
      return;
    }
    if (error) {
      this.appendLog(
        key,
        INFERENCE_SERVER_LOG,
        `[amlops emulator] Deployment provisioning failed: ${error.code}: ${error.message}`,
      );
    } else {
      const old = this.runtimes.get(key);
      this.runtimes.set(key, { replicas, next: -1, generation });
      for (const r of old?.replicas ?? []) r.kill();
    }
    setDeploymentState(current, error ? 'Failed' : 'Succeeded');
    current.failure = error;
    delete current.pendingOperationId;
    finishOnlineOperation(this.w, op, error);
  }

  private async startReplicas(key: string, rec: OnlineDeploymentRecord): Promise<ScoringReplica[]> {
    const props = rec.resource.properties as Record<string, unknown>;
    const ws = findWorkspace(this.w, rec.workspace);
    const dir = path.join(this.folder(key), `g${rec.generation}`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const init = (line: string): void => this.appendLog(key, STORAGE_INITIALIZER_LOG, line);
    init(`[amlops emulator] Storage initializer for deployment '${rec.name}' of endpoint '${rec.endpoint}'`);
    const files = await materializeDeployment(this.w, ws, props, dir, init);

    const python = await machinePython();
    if (!python.python)
      throw new ProvisioningError('BadArgument', 'There is no python3 on PATH to run the scoring script.');
    const limits = deploymentLimits(props);
    const count = instanceCount(rec.resource);
    const serverLog = (line: string): void => this.appendLog(key, INFERENCE_SERVER_LOG, line);
    const environmentId = typeof props.environmentId === 'string' ? props.environmentId : '(none)';
    serverLog(
      `[amlops emulator] Environments are not built locally: environment ${environmentId.split('/environments/').pop()} is ignored and the scoring script runs with this machine's python3 ${python.version ?? ''} at ${python.python}. ` +
        `Instance type ${String(props.instanceType ?? limits.name)} -> ${count} replica(s), ${limits.workers} worker(s) each, CPU throttle ${limits.cpuThrottle}, memory limit ${memoryLimitMb(limits)} MB.`,
    );
    const env = this.environment(
      props,
      files,
      limits,
      python.hasPlainPython ? undefined : pythonAliasDir(python.python),
    );
    const probe = isRecord(props.readinessProbe) ? props.readinessProbe : {};
    const readyTimeoutMs = Math.min(600_000, Math.max(30_000, Number(probe.failureThreshold ?? 30) * 10_000));
    const started: ScoringReplica[] = [];
    try {
      for (let i = 0; i < count; i++) {
        started.push(
          await ScoringReplica.start({
            python: python.python,
            serverScript: serverScriptPath(),
            cwd: files.codeDir,
            env,
            onLine: serverLog,
            onExit: (why) => this.replicaEnded(key, why),
            readyTimeoutMs,
          }),
        );
      }
    } catch (e) {
      for (const r of started) r.kill();
      throw e;
    }
    return started;
  }

  private environment(
    props: Record<string, unknown>,
    files: { codeDir: string; scoringScript: string; modelDir?: string },
    limits: InstanceType,
    aliasDir: string | undefined,
  ): NodeJS.ProcessEnv {
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !PRIVATE_VARIABLE.test(k)));
    const threads = String(Math.max(1, Math.floor(limits.vCPUs)));
    const env: NodeJS.ProcessEnv = {
      ...inherited,
      PYTHONUNBUFFERED: '1',
      // The server exits when this process is gone, even when nothing could stop it (SIGKILL).
      AMLOPS_PARENT_PID: String(process.pid),
      AML_APP_ROOT: files.codeDir,
      AZUREML_ENTRY_SCRIPT: files.scoringScript,
      WORKER_COUNT: String(limits.workers),
      AMLOPS_CPU_THROTTLE: String(limits.cpuThrottle),
      AMLOPS_MEMORY_LIMIT_MB: String(memoryLimitMb(limits)),
      OMP_NUM_THREADS: threads,
      OPENBLAS_NUM_THREADS: threads,
      MKL_NUM_THREADS: threads,
    };
    if (files.modelDir) env.AZUREML_MODEL_DIR = files.modelDir;
    if (aliasDir) env.PATH = [aliasDir, env.PATH].filter(Boolean).join(path.delimiter);
    const own = isRecord(props.environmentVariables) ? props.environmentVariables : {};
    for (const [k, v] of Object.entries(own)) if (v !== null && v !== undefined) env[k] = String(v);
    return env;
  }

  private replicaEnded(key: string, why: string): void {
    this.appendLog(key, INFERENCE_SERVER_LOG, `[amlops emulator] ${why}`);
    const rt = this.runtimes.get(key);
    if (!rt) return;
    rt.replicas = rt.replicas.filter((r) => r.alive);
  }

  /** Stops a deployment's replicas (deleted deployment or endpoint). */
  stopDeployment(key: string): void {
    const rt = this.runtimes.get(key);
    this.runtimes.delete(key);
    for (const r of rt?.replicas ?? []) r.kill();
  }

  stopEndpoint(workspace: string, endpoint: string): void {
    for (const d of deploymentsOf(this.w, workspace, endpoint))
      this.stopDeployment(`${workspace}/${endpoint.toLowerCase()}/${d.name.toLowerCase()}`);
  }

  /** After a restart with the same state: finish what was interrupted and serve what had succeeded. */
  recover(): void {
    const s = onlineState(this.w);
    for (const op of Object.values(s.onlineOperations)) {
      if (op.status !== 'InProgress') continue;
      if (op.target === 'deployment' && op.kind !== 'delete' && s.onlineDeployments[op.resourceKey]) continue;
      if (op.kind === 'delete') {
        if (op.target === 'endpoint') {
          for (const k of Object.keys(s.onlineDeployments))
            if (k.startsWith(`${op.resourceKey}/`)) delete s.onlineDeployments[k];
          delete s.onlineEndpoints[op.resourceKey];
        } else delete s.onlineDeployments[op.resourceKey];
      } else if (op.target === 'endpoint') {
        const rec = s.onlineEndpoints[op.resourceKey];
        if (rec) {
          (rec.resource.properties as Record<string, unknown>).provisioningState = 'Succeeded';
          delete rec.pendingOperationId;
        }
      }
      finishOnlineOperation(this.w, op);
    }
    for (const [key, rec] of Object.entries(s.onlineDeployments)) {
      const state = String((rec.resource.properties as Record<string, unknown>).provisioningState);
      const op = rec.pendingOperationId ? s.onlineOperations[rec.pendingOperationId] : undefined;
      if (op && op.status === 'InProgress') void this.provision(key, op);
      else if (state === 'Succeeded') {
        const resume = {
          id: 'recover',
          kind: 'update',
          target: 'deployment',
          resourceKey: key,
          status: 'InProgress',
          startTime: new Date().toISOString(),
        } as OnlineOperationRecord;
        rec.pendingOperationId = resume.id;
        void this.provision(key, resume);
      }
    }
    this.w.state.save();
  }

  /** Kills every scoring process; the emulator is stopping. */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const key of [...this.runtimes.keys()]) this.stopDeployment(key);
  }
}

export function setDeploymentState(rec: OnlineDeploymentRecord, state: string): void {
  (rec.resource.properties as Record<string, unknown>).provisioningState = state;
}

export function instanceCount(resource: Record<string, unknown>): number {
  const sku = isRecord(resource.sku) ? resource.sku : {};
  const n = Number(sku.capacity ?? 1);
  return Number.isInteger(n) && n > 0 ? n : 1;
}

function memoryLimitMb(limits: InstanceType): number {
  return Math.max(MIN_MEMORY_MB, Math.round(limits.memoryGb * 1024));
}
