import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AssetContainerRecord } from './assets/model';
import type { JobRecord } from './jobs/model';
import type { BatchState } from './batch/model';
import type { OnlineState } from './serving/model';

export interface WorkspaceSeed {
  name: string;
  workspaceId: string;
  /** Blob container in Azurite that backs the workspace's default datastore. */
  containerName: string;
  /** Object id of the workspace's system-assigned identity. */
  principalId: string;
  createdAt: string;
}

/** Names and ids that must survive a restart with the same --state (users keep them in config). */
export interface Identities {
  tenantId: string;
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  clientId: string;
  clientObjectId: string;
  forbiddenClientId: string;
  forbiddenObjectId: string;
  registryName: string;
  registryPrincipalId: string;
  workspaces: WorkspaceSeed[];
  createdAt: string;
}

export interface ComputeRecord {
  /** Canonical workspace name. */
  workspace: string;
  /** Name as first created (ARM keeps the creator's casing). */
  name: string;
  /** The ARM envelope as served once settled; provisioningState reflects the last settled state. */
  resource: Record<string, unknown>;
  /** The operation that is changing this compute, until it settles. */
  pendingOperationId?: string;
}

export type OperationKind = 'create' | 'update' | 'delete' | 'start' | 'stop' | 'restart';

export interface OperationRecord {
  id: string;
  kind: OperationKind;
  /** Key into PersistedState.computes. */
  resourceKey: string;
  startTime: string;
  /** Epoch ms at which the operation finishes. */
  completeAt: number;
  /** Present when the operation is to end Failed (fault injection). */
  failure?: { code: string; message: string };
}

/** Batch endpoints, deployments and their scoring jobs live in the optional collections of BatchState. */
export interface PersistedState extends BatchState {
  version: 1;
  identities: Identities;
  computes: Record<string, ComputeRecord>;
  operations: Record<string, OperationRecord>;
  /** Code, environment, component, data and model assets, keyed `<workspace>/<kind>/<lower-case name>`. */
  assets: Record<string, AssetContainerRecord>;
  /** Jobs (children of pipelines and sweeps too), keyed `<workspace>/<lower-case name>`. */
  jobs: Record<string, JobRecord>;
  /** Models of the registry, keyed by lower-case name (created on first use). */
  registryModels?: Record<string, AssetContainerRecord>;
  /** Components and environments of the registry, keyed `<kind>/<lower-case name>` (created on first use). */
  registryComponentAssets?: Record<string, AssetContainerRecord>;
  /** Online endpoints, deployments and their operations (absent in files written before they existed). */
  onlineEndpoints?: OnlineState['onlineEndpoints'];
  onlineDeployments?: OnlineState['onlineDeployments'];
  onlineOperations?: OnlineState['onlineOperations'];
}

const OPERATION_RETENTION_MS = 24 * 3600_000;

/**
 * In-memory state, written through to state.json after every change. Writes are synchronous and
 * atomic (temp file + rename) so a killed emulator never leaves half a file behind.
 */
export class StateStore {
  readonly data: PersistedState;

  private constructor(
    private readonly file: string,
    data: PersistedState,
  ) {
    this.data = data;
  }

  static open(stateDir: string, seed: () => Identities): StateStore {
    const file = path.join(stateDir, 'state.json');
    let data: PersistedState | undefined;
    if (fs.existsSync(file)) {
      const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as PersistedState;
      if (parsed.version !== 1 || !parsed.identities)
        throw new Error(`${file} is not an emulator state file (version 1)`);
      // Files written before assets and jobs existed simply have none yet.
      data = { ...parsed, assets: parsed.assets ?? {}, jobs: parsed.jobs ?? {} };
    }
    const store = new StateStore(
      file,
      data ?? { version: 1, identities: seed(), computes: {}, operations: {}, assets: {}, jobs: {} },
    );
    store.pruneOperations();
    store.save();
    return store;
  }

  save(): void {
    const tmp = `${this.file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.data, null, 1));
    fs.renameSync(tmp, this.file);
  }

  private pruneOperations(): void {
    const cutoff = Date.now() - OPERATION_RETENTION_MS;
    for (const [id, op] of Object.entries(this.data.operations)) {
      if (op.completeAt < cutoff) delete this.data.operations[id];
    }
  }
}

export function newIdentities(): Identities {
  const now = new Date().toISOString();
  const workspace = (name: string): WorkspaceSeed => {
    const workspaceId = crypto.randomUUID();
    return {
      name,
      workspaceId,
      containerName: `azureml-blobstore-${workspaceId}`,
      principalId: crypto.randomUUID(),
      createdAt: now,
    };
  };
  return {
    tenantId: crypto.randomUUID(),
    subscriptionId: crypto.randomUUID(),
    resourceGroup: 'amlops-rg',
    location: 'westeurope',
    clientId: crypto.randomUUID(),
    clientObjectId: crypto.randomUUID(),
    forbiddenClientId: crypto.randomUUID(),
    forbiddenObjectId: crypto.randomUUID(),
    registryName: 'amlops-registry',
    registryPrincipalId: crypto.randomUUID(),
    workspaces: [workspace('dev'), workspace('prod')],
    createdAt: now,
  };
}
