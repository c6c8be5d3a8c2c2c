/** Persisted shapes of online endpoints, their deployments and their long-running operations. */

export interface EndpointKeys {
  primaryKey: string;
  secondaryKey: string;
}

export interface OnlineEndpointRecord {
  /** Canonical workspace name. */
  workspace: string;
  /** Name as created. */
  name: string;
  /** The ARM envelope as served; properties.provisioningState is kept current. */
  resource: Record<string, unknown>;
  keys: EndpointKeys;
  /** The operation changing this endpoint, until it ends. */
  pendingOperationId?: string;
}

export interface OnlineDeploymentRecord {
  workspace: string;
  /** Endpoint name as created. */
  endpoint: string;
  name: string;
  resource: Record<string, unknown>;
  /** Counts provisionings; each one gets a fresh work folder. */
  generation: number;
  pendingOperationId?: string;
  /** Why the last provisioning failed (also in the operation's error). */
  failure?: { code: string; message: string };
}

export type OnlineOperationKind = 'create' | 'update' | 'delete' | 'regenerateKeys';

export interface OnlineOperationRecord {
  id: string;
  kind: OnlineOperationKind;
  target: 'endpoint' | 'deployment';
  /** Key into onlineEndpoints or onlineDeployments. */
  resourceKey: string;
  status: 'InProgress' | 'Succeeded' | 'Failed';
  startTime: string;
  endTime?: string;
  error?: { code: string; message: string };
}

/** The collections the online serving keeps in state.json. */
export interface OnlineState {
  /** Keyed `<workspace>/<lower-case endpoint>`. */
  onlineEndpoints: Record<string, OnlineEndpointRecord>;
  /** Keyed `<workspace>/<lower-case endpoint>/<lower-case deployment>`. */
  onlineDeployments: Record<string, OnlineDeploymentRecord>;
  onlineOperations: Record<string, OnlineOperationRecord>;
}
