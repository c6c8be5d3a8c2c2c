import { UserError } from '../errors';
import type { SourceLocation } from '../host';
import type { YamlFile } from '../yaml-file';

/**
 * What the user wants a compute to be, from an `az ml` compute YAML and/or step inputs. Only the
 * fields the user actually set are compared against an existing compute, so server-side defaults
 * never count as drift.
 */
export interface ComputeSpec {
  name: string;
  type: 'amlcompute' | 'computeinstance';
  description?: string;
  location?: string;
  tags?: Record<string, string>;
  size?: string;
  tier?: 'dedicated' | 'low_priority';
  minInstances?: number;
  maxInstances?: number;
  idleSecondsBeforeScaleDown?: number;
  identity?: { type: string; userAssigned: string[] };
  subnet?: string;
  sshPublicAccessEnabled?: boolean;
  ssh?: { adminUsername?: string; adminPassword?: string; sshKeyValue?: string };
  enableNodePublicIp?: boolean;
  idleMinutesBeforeShutdown?: number;
  assignedUser?: { objectId: string; tenantId: string };
  schedules?: unknown[];
  /** Where each field came from, for messages about it. */
  where: Partial<Record<string, SourceLocation | string>>;
}

/** Defaults `az ml` applies when a cluster is created without them. */
export const CLUSTER_DEFAULTS = {
  size: 'Standard_DS3_v2',
  minInstances: 0,
  maxInstances: 4,
  idleSecondsBeforeScaleDown: 120,
};
export const INSTANCE_DEFAULT_SIZE = 'Standard_DS3_v2';

const COMMON_KEYS = [
  '$schema',
  'name',
  'type',
  'description',
  'location',
  'tags',
  'size',
  'identity',
  'network_settings',
  'ssh_public_access_enabled',
  'ssh_settings',
  'enable_node_public_ip',
];
const KEYS: Record<ComputeSpec['type'], Set<string>> = {
  amlcompute: new Set([...COMMON_KEYS, 'tier', 'min_instances', 'max_instances', 'idle_time_before_scale_down']),
  computeinstance: new Set([
    ...COMMON_KEYS,
    'create_on_behalf_of',
    'schedules',
    'idle_time_before_shutdown',
    'idle_time_before_shutdown_minutes',
    'setup_scripts',
    'enable_sso',
    'enable_root_access',
  ]),
};
const OTHER_TYPES = new Set(['kubernetes', 'virtualmachine', 'synapsespark', 'aks', 'hdinsight', 'databricks']);

/** Validates an Azure ML compute name the way the service does, before anything is sent. */
export function computeNameProblem(name: string, type: ComputeSpec['type']): string | undefined {
  const [min, max] = type === 'amlcompute' ? [2, 16] : [3, 24];
  if (name.length < min || name.length > max) {
    return `must be ${min} to ${max} characters long for a ${type === 'amlcompute' ? 'compute cluster' : 'compute instance'} (it has ${name.length})`;
  }
  if (!/^[A-Za-z]/.test(name)) return 'must start with a letter';
  if (!/^[A-Za-z0-9-]+$/.test(name)) return 'may contain only letters, digits and hyphens';
  if (/-\d+$/.test(name)) return 'must not end with a hyphen followed only by digits';
  return undefined;
}

export function specFromYaml(yaml: YamlFile): ComputeSpec {
  const data = yaml.toJS();
  if (!data || typeof data !== 'object' || Array.isArray(data))
    throw yaml.error([], 'a compute YAML must be a mapping');
  const y = data as Record<string, unknown>;
  const type = String(y.type ?? '').toLowerCase();
  if (!y.type) throw yaml.error([], "missing 'type': amlcompute or computeinstance");
  if (OTHER_TYPES.has(type)) {
    throw yaml.error(
      ['type'],
      `not supported yet: compute type '${type}'`,
      'ensure-compute manages amlcompute clusters and compute instances.',
    );
  }
  if (type !== 'amlcompute' && type !== 'computeinstance') {
    throw yaml.error(['type'], `unknown compute type '${String(y.type)}'`, 'Use amlcompute or computeinstance.');
  }
  const t = type as ComputeSpec['type'];
  for (const key of Object.keys(y)) {
    if (!KEYS[t].has(key)) {
      throw yaml.error(
        [key],
        `unknown field '${key}' for a ${t}`,
        `Known fields: ${[...KEYS[t]].filter((k) => k !== '$schema').join(', ')}.`,
      );
    }
  }
  const where: ComputeSpec['where'] = {};
  const str = (key: string, path: (string | number)[] = [key]): string | undefined => {
    const v = dig(y, path);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' && typeof v !== 'number') throw yaml.error(path, `'${path.join('.')}' must be a string`);
    where[key] = yaml.locate(path);
    return String(v);
  };
  const int = (key: string, min = 0): number | undefined => {
    const v = y[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      throw yaml.error([key], `'${key}' must be a whole number of at least ${min}, got ${JSON.stringify(v)}`);
    }
    where[key] = yaml.locate([key]);
    return v;
  };
  const bool = (key: string): boolean | undefined => {
    const v = y[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') throw yaml.error([key], `'${key}' must be true or false`);
    return v;
  };

  const name = str('name');
  if (!name) throw yaml.error([], "missing 'name'");
  const spec: ComputeSpec = { name, type: t, where };
  spec.description = str('description');
  spec.location = str('location');
  spec.size = str('size');
  spec.sshPublicAccessEnabled = bool('ssh_public_access_enabled');
  spec.enableNodePublicIp = bool('enable_node_public_ip');
  if (y.tags !== undefined) {
    if (!isRecord(y.tags)) throw yaml.error(['tags'], "'tags' must be a mapping of names to values");
    spec.tags = Object.fromEntries(Object.entries(y.tags).map(([k, v]) => [k, String(v)]));
  }
  if (y.ssh_settings !== undefined) {
    if (!isRecord(y.ssh_settings)) throw yaml.error(['ssh_settings'], "'ssh_settings' must be a mapping");
    spec.ssh = {
      adminUsername: str('ssh_settings.admin_username', ['ssh_settings', 'admin_username']),
      adminPassword: str('ssh_settings.admin_password', ['ssh_settings', 'admin_password']),
      sshKeyValue: str('ssh_settings.ssh_key_value', ['ssh_settings', 'ssh_key_value']),
    };
  }
  if (y.network_settings !== undefined) {
    spec.subnet = str('subnet', ['network_settings', 'subnet']);
  }
  if (y.identity !== undefined) spec.identity = identityFromYaml(yaml, y.identity);
  if (t === 'amlcompute') {
    const tier = str('tier')?.toLowerCase();
    if (tier !== undefined && tier !== 'dedicated' && tier !== 'low_priority') {
      throw yaml.error(['tier'], `'tier' must be dedicated or low_priority, got '${tier}'`);
    }
    spec.tier = tier as ComputeSpec['tier'];
    spec.minInstances = int('min_instances');
    spec.maxInstances = int('max_instances', 1);
    spec.idleSecondsBeforeScaleDown = int('idle_time_before_scale_down');
  } else {
    spec.idleMinutesBeforeShutdown = int('idle_time_before_shutdown_minutes', 15);
    const owner = y.create_on_behalf_of;
    if (owner !== undefined) {
      if (!isRecord(owner) || typeof owner.user_object_id !== 'string' || typeof owner.user_tenant_id !== 'string') {
        throw yaml.error(['create_on_behalf_of'], "'create_on_behalf_of' needs user_object_id and user_tenant_id");
      }
      spec.assignedUser = { objectId: owner.user_object_id, tenantId: owner.user_tenant_id };
    }
    if (y.schedules !== undefined) spec.schedules = schedulesFromYaml(yaml, y.schedules);
  }
  return spec;
}

function identityFromYaml(yaml: YamlFile, raw: unknown): ComputeSpec['identity'] {
  if (!isRecord(raw)) throw yaml.error(['identity'], "'identity' must be a mapping with 'type'");
  const types: Record<string, string> = {
    system_assigned: 'SystemAssigned',
    user_assigned: 'UserAssigned',
    'system_assigned,user_assigned': 'SystemAssigned,UserAssigned',
    none: 'None',
  };
  const type =
    types[
      String(raw.type ?? '')
        .toLowerCase()
        .replace(/\s/g, '')
    ];
  if (!type) throw yaml.error(['identity', 'type'], `'identity.type' must be one of ${Object.keys(types).join(', ')}`);
  const list = raw.user_assigned_identities ?? [];
  if (!Array.isArray(list))
    throw yaml.error(['identity', 'user_assigned_identities'], "'user_assigned_identities' must be a list");
  const userAssigned = list.map((item, i) => {
    const id = isRecord(item) ? item.resource_id : undefined;
    if (typeof id !== 'string' || !id)
      throw yaml.error(['identity', 'user_assigned_identities', i], 'each user-assigned identity needs a resource_id');
    return id;
  });
  if (type.includes('UserAssigned') && userAssigned.length === 0) {
    throw yaml.error(['identity'], "identity type user_assigned needs 'user_assigned_identities'");
  }
  return { type, userAssigned };
}

function schedulesFromYaml(yaml: YamlFile, raw: unknown): unknown[] {
  const list = isRecord(raw) ? raw.compute_start_stop : undefined;
  if (!Array.isArray(list)) throw yaml.error(['schedules'], "'schedules' needs a 'compute_start_stop' list");
  return list.map((s, i) => {
    const at = ['schedules', 'compute_start_stop', i];
    if (!isRecord(s) || !isRecord(s.trigger)) throw yaml.error(at, "each schedule needs 'action' and 'trigger'");
    const action = String(s.action ?? '').toLowerCase();
    if (action !== 'start' && action !== 'stop')
      throw yaml.error([...at, 'action'], "schedule 'action' must be start or stop");
    const trigger = s.trigger;
    const kind = String(trigger.type ?? '').toLowerCase();
    const base = {
      action: action === 'start' ? 'Start' : 'Stop',
      status: s.state === 'disabled' ? 'Disabled' : 'Enabled',
    };
    if (kind === 'cron') {
      return {
        ...base,
        triggerType: 'Cron',
        cron: { startTime: trigger.start_time, timeZone: trigger.time_zone ?? 'UTC', expression: trigger.expression },
      };
    }
    if (kind === 'recurrence') {
      const sched = isRecord(trigger.schedule) ? trigger.schedule : {};
      const cap = (x: unknown) => (typeof x === 'string' ? x.charAt(0).toUpperCase() + x.slice(1).toLowerCase() : x);
      return {
        ...base,
        triggerType: 'Recurrence',
        recurrence: {
          frequency: cap(trigger.frequency),
          interval: trigger.interval,
          startTime: trigger.start_time,
          timeZone: trigger.time_zone ?? 'UTC',
          schedule: {
            hours: sched.hours ?? [],
            minutes: sched.minutes ?? [],
            weekDays: Array.isArray(sched.week_days) ? sched.week_days.map(cap) : undefined,
          },
        },
      };
    }
    throw yaml.error([...at, 'trigger', 'type'], "schedule trigger 'type' must be cron or recurrence");
  });
}

const isRecord = (x: unknown): x is Record<string, unknown> => !!x && typeof x === 'object' && !Array.isArray(x);
const dig = (o: Record<string, unknown>, path: (string | number)[]): unknown =>
  path.reduce<unknown>((acc, k) => (isRecord(acc) ? acc[k as string] : undefined), o);

/** The ARM body (api-version 2024-10-01) for creating the compute. */
export function computeBody(spec: ComputeSpec, workspaceLocation: string): Record<string, unknown> {
  const body: Record<string, unknown> = { location: spec.location ?? workspaceLocation };
  if (spec.tags) body.tags = spec.tags;
  if (spec.identity) {
    body.identity = {
      type: spec.identity.type,
      ...(spec.identity.userAssigned.length
        ? { userAssignedIdentities: Object.fromEntries(spec.identity.userAssigned.map((id) => [id, {}])) }
        : {}),
    };
  }
  const inner: Record<string, unknown> = {};
  const props: Record<string, unknown> = { properties: inner };
  if (spec.description) props.description = spec.description;
  if (spec.subnet) inner.subnet = { id: spec.subnet };
  if (spec.enableNodePublicIp !== undefined) inner.enableNodePublicIp = spec.enableNodePublicIp;
  if (spec.type === 'amlcompute') {
    props.computeType = 'AmlCompute';
    inner.vmSize = spec.size ?? CLUSTER_DEFAULTS.size;
    inner.vmPriority = spec.tier === 'low_priority' ? 'LowPriority' : 'Dedicated';
    inner.scaleSettings = scaleSettings(spec);
    if (spec.sshPublicAccessEnabled !== undefined) {
      inner.remoteLoginPortPublicAccess = spec.sshPublicAccessEnabled ? 'Enabled' : 'Disabled';
    }
    if (spec.ssh?.adminUsername) {
      inner.userAccountCredentials = {
        adminUserName: spec.ssh.adminUsername,
        ...(spec.ssh.adminPassword ? { adminUserPassword: spec.ssh.adminPassword } : {}),
        ...(spec.ssh.sshKeyValue ? { adminUserSshPublicKey: spec.ssh.sshKeyValue } : {}),
      };
    }
  } else {
    props.computeType = 'ComputeInstance';
    inner.vmSize = spec.size ?? INSTANCE_DEFAULT_SIZE;
    if (spec.sshPublicAccessEnabled !== undefined || spec.ssh?.sshKeyValue) {
      inner.sshSettings = {
        sshPublicAccess: spec.sshPublicAccessEnabled ? 'Enabled' : 'Disabled',
        ...(spec.ssh?.sshKeyValue ? { adminPublicKey: spec.ssh.sshKeyValue } : {}),
      };
    }
    if (spec.assignedUser) inner.personalComputeInstanceSettings = { assignedUser: spec.assignedUser };
    if (spec.schedules) inner.schedules = { computeStartStop: spec.schedules };
    if (spec.idleMinutesBeforeShutdown !== undefined)
      inner.idleTimeBeforeShutdown = `PT${spec.idleMinutesBeforeShutdown}M`;
  }
  body.properties = props;
  return body;
}

export function scaleSettings(spec: ComputeSpec): Record<string, unknown> {
  return {
    minNodeCount: spec.minInstances ?? CLUSTER_DEFAULTS.minInstances,
    maxNodeCount: spec.maxInstances ?? CLUSTER_DEFAULTS.maxInstances,
    nodeIdleTimeBeforeScaleDown: `PT${spec.idleSecondsBeforeScaleDown ?? CLUSTER_DEFAULTS.idleSecondsBeforeScaleDown}S`,
  };
}

export function checkSpec(spec: ComputeSpec): void {
  const problem = computeNameProblem(spec.name, spec.type);
  if (problem) throw new UserError(`compute name '${spec.name}' ${problem}`, { where: spec.where.name });
  if (spec.minInstances !== undefined && spec.maxInstances !== undefined && spec.minInstances > spec.maxInstances) {
    throw new UserError(`min_instances (${spec.minInstances}) is larger than max_instances (${spec.maxInstances})`, {
      where: spec.where.min_instances,
    });
  }
}

/** ISO 8601 duration (PT120S, PT2M, PT1H30M) to seconds; undefined when unreadable. */
export function isoDurationSeconds(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(text);
  if (!m) return undefined;
  const [d, h, min, s] = m.slice(1).map((x) => Number(x ?? 0));
  return ((d * 24 + h) * 60 + min) * 60 + s;
}
