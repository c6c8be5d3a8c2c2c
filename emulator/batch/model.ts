/** Batch endpoints and deployments as the emulator keeps them (persisted in state.json). */

/** A create, update or delete in progress; it settles lazily once `completeAt` has passed. */
export interface BatchOperation {
  id: string;
  kind: 'create' | 'update' | 'delete';
  /** Key into batchEndpoints or batchDeployments. */
  resourceKey: string;
  target: 'endpoint' | 'deployment';
  startTime: string;
  /** Epoch ms. */
  completeAt: number;
  failure?: { code: string; message: string };
}

export interface BatchResourceRecord {
  /** Canonical workspace name. */
  workspace: string;
  /** Name as created (ARM keeps the creator's casing). */
  name: string;
  /** For deployments: the endpoint's name. */
  endpoint?: string;
  /** The ARM envelope as served once settled. */
  resource: Record<string, unknown>;
  pendingOperationId?: string;
}

/** What a batch scoring job needs beyond its ARM job record. */
export interface BatchJobRecord {
  workspace: string;
  endpoint: string;
  deployment: string;
  kind: 'model' | 'pipeline';
  /** For model deployments: the properties of the scoring step's command job. */
  scoringStep?: Record<string, unknown>;
}

export interface BatchState {
  batchEndpoints?: Record<string, BatchResourceRecord>;
  batchDeployments?: Record<string, BatchResourceRecord>;
  batchOperations?: Record<string, BatchOperation>;
  /** Keyed like jobs: `<workspace>/<lower-case job name>`. */
  batchJobs?: Record<string, BatchJobRecord>;
}
