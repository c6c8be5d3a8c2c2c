import * as crypto from 'node:crypto';
import { ArmError, armErrors } from '../arm-errors';
import { isRecord } from '../http';
import type { OperationKind } from '../state';

/**
 * What Azure ML does with a compute definition: the naming rules, the checks it makes before
 * accepting a PUT, and the read-only fields it fills in. The rules come from the Azure ML
 * documentation ("Create an Azure Machine Learning compute cluster / compute instance").
 */

export const MANAGED_TYPES = ['AmlCompute', 'ComputeInstance'] as const;
export const SUPPORTED_TYPES = ['AmlCompute', 'ComputeInstance', 'Kubernetes'] as const;
const ALL_TYPES = [
  'AKS',
  'Kubernetes',
  'AmlCompute',
  'ComputeInstance',
  'DataFactory',
  'VirtualMachine',
  'HDInsight',
  'Databricks',
  'DataLakeAnalytics',
  'SynapseSpark',
];
export type SupportedType = (typeof SUPPORTED_TYPES)[number];

const ISO_DURATION = /^P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/;
const DEFAULT_VM_SIZE = 'STANDARD_DS3_V2';

/** Returns an error message when the name breaks Azure ML's rules for the compute type. */
export function computeNameProblem(name: string, computeType: string): string | undefined {
  if (computeType === 'ComputeInstance') {
    const ok =
      /^[a-zA-Z][a-zA-Z0-9-]{2,23}$/.test(name) &&
      (!name.includes('-') || /[a-zA-Z]/.test(name.slice(name.lastIndexOf('-') + 1)));
    return ok
      ? undefined
      : `Compute name '${name}' is not available. Reason: Invalid. Message: A name for an Azure ML Compute Instance must be between 3 and 24 characters in length and must use only numbers, letters and minus symbol (-), must start with a letter. Numbers cannot be the ending of the name if the previous character is a minus symbol (-).`;
  }
  const ok = /^[a-zA-Z][a-zA-Z0-9-]{1,15}$/.test(name);
  return ok
    ? undefined
    : `Compute name '${name}' is invalid. It must be between 2 and 16 characters long, start with a letter, and contain only letters, digits and minus symbols (-).`;
}

export interface ComputeEnv {
  armId: string;
  name: string;
  workspaceLocation: string;
  tenantId: string;
  creatorObjectId: string;
  now: string;
}

const bad = (message: string): ArmError => armErrors.badRequest(message, 'ValidationError');

function canonicalType(value: unknown): string {
  if (typeof value !== 'string' || !value) throw bad("The compute definition must specify 'properties.computeType'.");
  const match = ALL_TYPES.find((t) => t.toLowerCase() === value.toLowerCase());
  if (!match)
    throw bad(`The value '${value}' of properties.computeType is not valid. Allowed values: ${ALL_TYPES.join(', ')}.`);
  return match;
}

/**
 * Builds the stored resource for a PUT body; `existing` is the current resource when the PUT updates.
 * Throws ArmError (400/409) for definitions Azure ML would refuse.
 */
export function buildCompute(
  body: unknown,
  env: ComputeEnv,
  existing?: Record<string, unknown>,
): Record<string, unknown> {
  if (!isRecord(body)) throw armErrors.invalidRequestContent('the body must be a JSON object.');
  const props = body.properties;
  if (!isRecord(props)) throw bad("The compute definition must have a 'properties' object.");
  const computeType = canonicalType(props.computeType);
  if (!(SUPPORTED_TYPES as readonly string[]).includes(computeType)) {
    throw armErrors.badRequest(
      `The computeType '${computeType}' is not supported by the local Azure ML emulator (supported: ${SUPPORTED_TYPES.join(', ')}). Attach it to a real workspace instead.`,
      'ComputeTypeNotSupportedByEmulator',
    );
  }
  const nameProblem = computeNameProblem(env.name, computeType);
  if (nameProblem) throw bad(nameProblem);

  const oldProps = existing && isRecord(existing.properties) ? existing.properties : undefined;
  if (oldProps && oldProps.computeType !== computeType) {
    throw armErrors.conflict(
      `Compute '${env.name}' already exists with computeType '${String(oldProps.computeType)}'; it cannot be changed to '${computeType}'. Delete it first or choose another name.`,
    );
  }

  const isManaged = computeType !== 'Kubernetes';
  const location =
    computeType === 'AmlCompute' && typeof body.location === 'string' && body.location
      ? body.location
      : env.workspaceLocation;
  const inner = isRecord(props.properties) ? props.properties : {};
  const properties: Record<string, unknown> = {
    computeType,
    computeLocation: typeof props.computeLocation === 'string' ? props.computeLocation : location,
    provisioningState: 'Creating',
    description: typeof props.description === 'string' ? props.description : null,
    createdOn: (oldProps?.createdOn as string | undefined) ?? env.now,
    modifiedOn: env.now,
    resourceId: isManaged ? null : checkAttachTarget(props.resourceId),
    provisioningErrors: null,
    isAttachedCompute: !isManaged,
    disableLocalAuth: props.disableLocalAuth === true,
  };

  const oldInner = oldProps && isRecord(oldProps.properties) ? oldProps.properties : undefined;
  if (computeType === 'AmlCompute') properties.properties = amlComputeProperties(inner, env, oldInner);
  else if (computeType === 'ComputeInstance') properties.properties = computeInstanceProperties(inner, env, oldInner);
  else properties.properties = { namespace: 'default', ...inner };

  const resource: Record<string, unknown> = {
    id: env.armId,
    name: (existing?.name as string | undefined) ?? env.name,
    type: 'Microsoft.MachineLearningServices/workspaces/computes',
    location,
    tags: isRecord(body.tags) ? body.tags : {},
    properties,
  };
  const identity = buildIdentity(body.identity, env.tenantId, existing?.identity);
  if (identity) resource.identity = identity;
  if (isRecord(body.sku)) resource.sku = body.sku;
  if (existing && existing.location !== resource.location) {
    throw bad(
      `The location of compute '${env.name}' is '${String(existing.location)}' and cannot be changed to '${String(resource.location)}'.`,
    );
  }
  return resource;
}

function checkAttachTarget(resourceId: unknown): string {
  const ok =
    typeof resourceId === 'string' &&
    /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/(Microsoft\.Kubernetes\/connectedClusters|Microsoft\.ContainerService\/managedClusters)\/[^/]+$/i.test(
      resourceId,
    );
  if (!ok) {
    throw bad(
      "A Kubernetes compute needs 'properties.resourceId', the ARM id of an AKS cluster (Microsoft.ContainerService/managedClusters) or an Arc-connected cluster (Microsoft.Kubernetes/connectedClusters).",
    );
  }
  return resourceId as string;
}

function scaleSettings(value: unknown, current?: Record<string, unknown>): Record<string, unknown> {
  if (!isRecord(value)) {
    if (current) return current;
    throw bad("An AmlCompute needs 'properties.properties.scaleSettings' with at least maxNodeCount.");
  }
  const max = value.maxNodeCount;
  const min = value.minNodeCount ?? 0;
  if (!Number.isInteger(max) || (max as number) < 0)
    throw bad('scaleSettings.maxNodeCount must be a non-negative integer.');
  if (!Number.isInteger(min) || (min as number) < 0)
    throw bad('scaleSettings.minNodeCount must be a non-negative integer.');
  if ((min as number) > (max as number)) {
    throw bad(
      `scaleSettings.minNodeCount (${String(min)}) must be less than or equal to maxNodeCount (${String(max)}).`,
    );
  }
  const idle = value.nodeIdleTimeBeforeScaleDown ?? current?.nodeIdleTimeBeforeScaleDown ?? 'PT120S';
  if (typeof idle !== 'string' || !ISO_DURATION.test(idle)) {
    throw bad(
      `scaleSettings.nodeIdleTimeBeforeScaleDown '${String(idle)}' is not an ISO-8601 duration such as 'PT120S'.`,
    );
  }
  return { maxNodeCount: max, minNodeCount: min, nodeIdleTimeBeforeScaleDown: idle };
}

function vmSizeOf(value: unknown): string {
  if (value === undefined || value === null) return DEFAULT_VM_SIZE;
  if (typeof value !== 'string' || !/^(standard|basic)_[a-z0-9_-]+$/i.test(value)) {
    throw bad(`The VM size '${String(value)}' is not supported in this region. Use a size such as 'Standard_DS3_v2'.`);
  }
  return value;
}

function amlComputeProperties(
  p: Record<string, unknown>,
  env: ComputeEnv,
  old?: Record<string, unknown>,
): Record<string, unknown> {
  const vmSize = vmSizeOf(p.vmSize ?? old?.vmSize);
  if (old && typeof old.vmSize === 'string' && old.vmSize.toLowerCase() !== vmSize.toLowerCase()) {
    throw bad(
      `The vmSize of an existing AmlCompute cannot be changed (from '${old.vmSize}' to '${vmSize}'). Delete the compute and create it again.`,
    );
  }
  const priority = p.vmPriority ?? old?.vmPriority ?? 'Dedicated';
  if (priority !== 'Dedicated' && priority !== 'LowPriority')
    throw bad(`vmPriority must be 'Dedicated' or 'LowPriority', not '${String(priority)}'.`);
  const osType = p.osType ?? 'Linux';
  if (osType !== 'Linux' && osType !== 'Windows')
    throw bad(`osType must be 'Linux' or 'Windows', not '${String(osType)}'.`);
  const subnet = isRecord(p.subnet) ? p.subnet : null;
  const remote = p.remoteLoginPortPublicAccess ?? 'NotSpecified';
  if (!['Enabled', 'Disabled', 'NotSpecified'].includes(remote as string)) {
    throw bad(`remoteLoginPortPublicAccess must be Enabled, Disabled or NotSpecified, not '${String(remote)}'.`);
  }
  const scale = scaleSettings(p.scaleSettings, isRecord(old?.scaleSettings) ? old.scaleSettings : undefined);
  const creds = isRecord(p.userAccountCredentials) ? p.userAccountCredentials : undefined;
  if (creds && typeof creds.adminUserName !== 'string') throw bad('userAccountCredentials.adminUserName is required.');
  return {
    osType,
    vmSize,
    vmPriority: priority,
    virtualMachineImage: isRecord(p.virtualMachineImage) ? p.virtualMachineImage : null,
    isolatedNetwork: p.isolatedNetwork === true,
    scaleSettings: scale,
    // Secrets (password) are write-only, as in Azure.
    userAccountCredentials: creds
      ? {
          adminUserName: creds.adminUserName,
          ...(typeof creds.adminUserSshPublicKey === 'string'
            ? { adminUserSshPublicKey: creds.adminUserSshPublicKey }
            : {}),
        }
      : null,
    subnet,
    // "NotSpecified" resolves at creation: open without a VNet, closed inside one.
    remoteLoginPortPublicAccess: remote === 'NotSpecified' ? (subnet ? 'Disabled' : 'Enabled') : remote,
    allocationState: 'Steady',
    allocationStateTransitionTime: env.now,
    errors: null,
    currentNodeCount: 0,
    targetNodeCount: scale.minNodeCount,
    nodeStateCounts: nodeCounts(0),
    enableNodePublicIp: p.enableNodePublicIp !== false,
    propertyBag: isRecord(p.propertyBag) ? p.propertyBag : null,
  };
}

function nodeCounts(idle: number): Record<string, number> {
  return {
    idleNodeCount: idle,
    runningNodeCount: 0,
    preparingNodeCount: 0,
    unusableNodeCount: 0,
    leavingNodeCount: 0,
    preemptedNodeCount: 0,
  };
}

function computeInstanceProperties(
  p: Record<string, unknown>,
  env: ComputeEnv,
  old?: Record<string, unknown>,
): Record<string, unknown> {
  const vmSize = vmSizeOf(p.vmSize ?? old?.vmSize);
  if (old && typeof old.vmSize === 'string' && old.vmSize.toLowerCase() !== vmSize.toLowerCase()) {
    throw bad(
      `The vmSize of an existing ComputeInstance cannot be changed with PUT (from '${old.vmSize}' to '${vmSize}').`,
    );
  }
  const sharing = p.applicationSharingPolicy ?? 'Shared';
  if (sharing !== 'Shared' && sharing !== 'Personal')
    throw bad(`applicationSharingPolicy must be 'Shared' or 'Personal'.`);
  const ssh = isRecord(p.sshSettings) ? p.sshSettings : {};
  const sshAccess = ssh.sshPublicAccess ?? 'Disabled';
  if (sshAccess !== 'Enabled' && sshAccess !== 'Disabled')
    throw bad(`sshSettings.sshPublicAccess must be 'Enabled' or 'Disabled'.`);
  if (sshAccess === 'Enabled' && typeof ssh.adminPublicKey !== 'string') {
    throw bad('sshSettings.adminPublicKey is required when sshPublicAccess is Enabled.');
  }
  const host = `${env.name.toLowerCase()}.${env.workspaceLocation}.instances.azureml.ms`;
  return {
    vmSize,
    subnet: isRecord(p.subnet) ? p.subnet : null,
    applicationSharingPolicy: sharing,
    sshSettings: {
      sshPublicAccess: sshAccess,
      adminUserName: 'azureuser',
      ...(sshAccess === 'Enabled' ? { sshPort: 50000 } : {}),
      ...(typeof ssh.adminPublicKey === 'string' ? { adminPublicKey: ssh.adminPublicKey } : {}),
    },
    customServices: Array.isArray(p.customServices) ? p.customServices : null,
    osImageMetadata: { currentImageVersion: '24.09.23', latestImageVersion: '24.09.23', isLatestOsImageVersion: true },
    connectivityEndpoints: { publicIpAddress: '127.0.0.1', privateIpAddress: '10.0.0.4' },
    applications: [
      { displayName: 'Jupyter', endpointUri: `https://${host}/tree/` },
      { displayName: 'Jupyter Lab', endpointUri: `https://${host}/lab` },
    ],
    createdBy: (old?.createdBy as Record<string, unknown> | undefined) ?? {
      userName: 'amlops-emulator',
      userOrgId: env.tenantId,
      userId: env.creatorObjectId,
    },
    errors: [],
    state: 'Creating',
    computeInstanceAuthorizationType: 'personal',
    personalComputeInstanceSettings: isRecord(p.personalComputeInstanceSettings)
      ? p.personalComputeInstanceSettings
      : null,
    setupScripts: isRecord(p.setupScripts) ? p.setupScripts : null,
    // Azure has no 'Update' operation name for instances; an update keeps the last real operation.
    lastOperation: (old?.lastOperation as Record<string, unknown> | undefined) ?? {
      operationName: 'Create',
      operationTime: env.now,
      operationStatus: 'InProgress',
      operationTrigger: 'User',
    },
    schedules: schedules(p.schedules),
    enableNodePublicIp: p.enableNodePublicIp !== false,
    containers: [],
    dataDisks: [],
    dataMounts: [],
    versions: { runtime: 'local-emulator' },
  };
}

/** Azure matches enum values ignoring case and answers with the canonical spelling. */
function canonicalEnum(value: unknown, allowed: string[], field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  const match = allowed.find((a) => typeof value === 'string' && a.toLowerCase() === value.toLowerCase());
  if (!match) throw bad(`${field} must be one of ${allowed.join(', ')}, not '${String(value)}'.`);
  return match;
}

/** Schedules come back with canonical enum values and the read-only id and provisioning status Azure adds. */
function schedules(value: unknown): unknown {
  if (!isRecord(value)) return null;
  const list = Array.isArray(value.computeStartStop) ? value.computeStartStop : [];
  return {
    computeStartStop: list.map((s, i) => {
      if (!isRecord(s)) throw bad(`schedules.computeStartStop[${i}] must be an object.`);
      const field = (name: string): string => `schedules.computeStartStop[${i}].${name}`;
      return {
        ...s,
        id: crypto.randomUUID(),
        provisioningStatus: 'Completed',
        status: canonicalEnum(s.status, ['Enabled', 'Disabled'], field('status')) ?? 'Enabled',
        action: canonicalEnum(s.action, ['Start', 'Stop'], field('action')),
        triggerType: canonicalEnum(s.triggerType, ['Recurrence', 'Cron'], field('triggerType')),
      };
    }),
  };
}

function buildIdentity(value: unknown, tenantId: string, existing: unknown): Record<string, unknown> | undefined {
  if (!isRecord(value)) return isRecord(existing) ? existing : undefined;
  const type = typeof value.type === 'string' ? value.type : 'None';
  const normalized = type.replace(/\s+/g, '').toLowerCase();
  const types: Record<string, string> = {
    none: 'None',
    systemassigned: 'SystemAssigned',
    userassigned: 'UserAssigned',
    'systemassigned,userassigned': 'SystemAssigned,UserAssigned',
  };
  const canonical = types[normalized];
  if (!canonical)
    throw bad(
      `identity.type '${type}' is not valid (None, SystemAssigned, UserAssigned, 'SystemAssigned,UserAssigned').`,
    );
  const identity: Record<string, unknown> = { type: canonical };
  if (canonical.includes('SystemAssigned')) {
    const old = isRecord(existing) ? existing : {};
    identity.principalId = typeof old.principalId === 'string' ? old.principalId : crypto.randomUUID();
    identity.tenantId = tenantId;
  }
  if (canonical.includes('UserAssigned')) {
    const uais = isRecord(value.userAssignedIdentities) ? value.userAssignedIdentities : {};
    if (Object.keys(uais).length === 0)
      throw bad('identity.userAssignedIdentities must list at least one identity when the type includes UserAssigned.');
    identity.userAssignedIdentities = Object.fromEntries(
      Object.keys(uais).map((id) => [id, { principalId: stableGuid(`p:${id}`), clientId: stableGuid(`c:${id}`) }]),
    );
  }
  return identity;
}

function stableGuid(seed: string): string {
  const h = crypto.createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Applies a PATCH (ClusterUpdateParameters) to an AmlCompute. */
export function applyClusterUpdate(resource: Record<string, unknown>, body: unknown, now: string): void {
  const props = resource.properties as Record<string, unknown>;
  if (props.computeType !== 'AmlCompute') {
    throw bad(
      `Compute '${String(resource.name)}' is a ${String(props.computeType)}; only AmlCompute clusters can be updated with PATCH.`,
    );
  }
  const wanted =
    isRecord(body) && isRecord(body.properties) && isRecord(body.properties.properties)
      ? body.properties.properties.scaleSettings
      : undefined;
  if (!isRecord(wanted)) throw bad("The update must specify 'properties.properties.scaleSettings'.");
  const inner = props.properties as Record<string, unknown>;
  const current = inner.scaleSettings as Record<string, unknown>;
  inner.scaleSettings = scaleSettings({ ...current, ...wanted }, current);
  inner.targetNodeCount = (inner.scaleSettings as Record<string, number>).minNodeCount;
  props.modifiedOn = now;
}

/** The resource state while an operation runs. */
export function markInProgress(resource: Record<string, unknown>, kind: OperationKind): void {
  const props = resource.properties as Record<string, unknown>;
  const inner = props.properties as Record<string, unknown> | undefined;
  const provisioning: Partial<Record<OperationKind, string>> = {
    create: 'Creating',
    update: 'Updating',
    delete: 'Deleting',
  };
  if (provisioning[kind]) props.provisioningState = provisioning[kind];
  if (props.computeType === 'AmlCompute' && inner && (kind === 'create' || kind === 'update')) {
    inner.allocationState = 'Resizing';
  }
  if (props.computeType === 'ComputeInstance' && inner) {
    const states: Record<OperationKind, string> = {
      create: 'Creating',
      update: String(inner.state ?? 'Running'),
      delete: 'Deleting',
      start: 'Starting',
      stop: 'Stopping',
      restart: 'Restarting',
    };
    inner.state = states[kind];
    if (kind !== 'create' && kind !== 'update') {
      const name = { delete: 'Delete', start: 'Start', stop: 'Stop', restart: 'Restart' }[kind];
      inner.lastOperation = {
        operationName: name,
        operationTime: new Date().toISOString(),
        operationStatus: 'InProgress',
        operationTrigger: 'User',
      };
    }
  }
}

/** The resource state once an operation has finished; false means the compute is gone (deleted). */
export function settle(
  resource: Record<string, unknown>,
  kind: OperationKind,
  failure: { code: string; message: string } | undefined,
  at: string,
): boolean {
  const props = resource.properties as Record<string, unknown>;
  const inner = props.properties as Record<string, unknown> | undefined;
  if (kind === 'delete' && !failure) return false;
  if (failure) {
    if (kind === 'create' || kind === 'update') {
      props.provisioningState = 'Failed';
      props.provisioningErrors = [{ error: { code: failure.code, message: failure.message } }];
    } else {
      props.provisioningState = 'Succeeded';
    }
  } else {
    props.provisioningState = 'Succeeded';
    props.provisioningErrors = null;
  }
  if (props.computeType === 'AmlCompute' && inner) {
    const min = (inner.scaleSettings as Record<string, number>).minNodeCount;
    inner.allocationState = 'Steady';
    inner.allocationStateTransitionTime = at;
    if (!failure) {
      inner.currentNodeCount = min;
      inner.targetNodeCount = min;
      inner.nodeStateCounts = nodeCounts(min);
    }
  }
  if (props.computeType === 'ComputeInstance' && inner) {
    const before = inner.state;
    const ok: Partial<Record<OperationKind, string>> = {
      create: 'Running',
      update: 'Running',
      start: 'Running',
      restart: 'Running',
      stop: 'Stopped',
    };
    const failed: Partial<Record<OperationKind, string>> = {
      create: 'CreateFailed',
      start: 'Stopped',
      stop: 'Running',
      restart: 'Running',
      update: 'Running',
      delete: 'Running',
    };
    inner.state = (failure ? failed[kind] : ok[kind]) ?? before;
    const last = inner.lastOperation as Record<string, unknown> | undefined;
    if (last && kind !== 'update') last.operationStatus = failure ? `${String(last.operationName)}Failed` : 'Succeeded';
    if (failure) inner.errors = [{ error: { code: failure.code, message: failure.message } }];
  }
  return true;
}
