/**
 * What an online deployment's instance type means on this machine. A real VM size gives a
 * container vCPUs and memory; locally every replica is one python process, so the size becomes:
 *
 * - `workers`: how many run() calls a replica executes at once (the inference server's worker
 *   count; Azure sizes it by vCPUs). Further requests wait for a free worker, so latency under
 *   concurrent load grows sooner on small sizes.
 * - `cpuThrottle`: after each run() the worker stays busy for (cpuThrottle - 1) times the CPU
 *   time run() used, so the same scoring code is measurably slower on slower or smaller sizes
 *   (1 = full speed of this machine).
 * - `memoryGb`: the replica's address-space limit (resource.setrlimit), as a container memory limit.
 *
 * Prices are not here: the profile step ships its own, overridable price table.
 */

export interface InstanceType {
  name: string;
  vCPUs: number;
  memoryGb: number;
  /** Concurrent run() calls per replica. */
  workers: number;
  /** >= 1; busy time per request is multiplied by this factor. */
  cpuThrottle: number;
}

const row = (name: string, vCPUs: number, memoryGb: number, workers: number, cpuThrottle: number): InstanceType => ({
  name,
  vCPUs,
  memoryGb,
  workers,
  cpuThrottle,
});

/** VM sizes managed online deployments accept (a subset of Azure's list, the commonly used CPU sizes). */
export const INSTANCE_TYPES: readonly InstanceType[] = [
  row('Standard_DS1_v2', 1, 3.5, 1, 3),
  row('Standard_DS2_v2', 2, 7, 2, 2),
  row('Standard_DS3_v2', 4, 14, 4, 1.5),
  row('Standard_DS4_v2', 8, 28, 8, 1.25),
  row('Standard_DS5_v2', 16, 56, 16, 1.25),
  row('Standard_F2s_v2', 2, 4, 2, 1.5),
  row('Standard_F4s_v2', 4, 8, 4, 1),
  row('Standard_F8s_v2', 8, 16, 8, 1),
  row('Standard_F16s_v2', 16, 32, 16, 1),
  row('Standard_F32s_v2', 32, 64, 32, 1),
  row('Standard_E2s_v3', 2, 16, 2, 1.5),
  row('Standard_E4s_v3', 4, 32, 4, 1.25),
  row('Standard_E8s_v3', 8, 64, 8, 1.25),
  row('Standard_E16s_v3', 16, 128, 16, 1.25),
];

/** The instance type a Kubernetes compute offers when its attach definition declares none. */
export const KUBERNETES_DEFAULT_INSTANCE_TYPE = row('defaultinstancetype', 2, 2, 2, 1.5);

/** The default of the 2024-10-01 API when a managed deployment names no instance type. */
export const DEFAULT_MANAGED_INSTANCE_TYPE = 'Standard_F4s_v2';

/** Azure compares VM size names ignoring case. */
export function findInstanceType(name: string): InstanceType | undefined {
  const lower = name.toLowerCase();
  if (lower === KUBERNETES_DEFAULT_INSTANCE_TYPE.name) return KUBERNETES_DEFAULT_INSTANCE_TYPE;
  return INSTANCE_TYPES.find((t) => t.name.toLowerCase() === lower);
}

/** The smallest replica memory limit: below it python and its imports cannot start at all. */
export const MIN_MEMORY_MB = 256;

/**
 * Kubernetes deployments may set container limits (cpu "0.2", memory "200Mi"); they override the
 * instance type the way a pod's limits do: fewer workers and a slower CPU below one core.
 */
export function applyContainerLimits(
  base: InstanceType,
  limits: { cpu?: string | null; memory?: string | null } | undefined,
): InstanceType {
  if (!limits) return base;
  const out = { ...base };
  const cpu = parseCpu(limits.cpu);
  if (cpu !== undefined && cpu > 0) {
    out.vCPUs = cpu;
    out.workers = Math.max(1, Math.floor(cpu));
    out.cpuThrottle = Math.max(base.cpuThrottle, cpu < 1 ? 1 / cpu : 1);
  }
  const memoryGb = parseMemoryGb(limits.memory);
  if (memoryGb !== undefined && memoryGb > 0) out.memoryGb = memoryGb;
  return out;
}

/** Kubernetes CPU quantities: "2", "0.5", "500m". */
export function parseCpu(value: string | null | undefined): number | undefined {
  if (typeof value !== 'string' || !value.trim()) return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)(m?)\s*$/.exec(value);
  if (!m) return undefined;
  return m[2] ? Number(m[1]) / 1000 : Number(m[1]);
}

/** Kubernetes memory quantities: "2Gi", "200Mi", "1G", "512M", bytes. */
export function parseMemoryGb(value: string | null | undefined): number | undefined {
  if (typeof value !== 'string' || !value.trim()) return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(Ki|Mi|Gi|Ti|K|M|G|T)?\s*$/.exec(value);
  if (!m) return undefined;
  const factor: Record<string, number> = {
    '': 1,
    K: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    Ki: 1024,
    Mi: 1024 ** 2,
    Gi: 1024 ** 3,
    Ti: 1024 ** 4,
  };
  return (Number(m[1]) * factor[m[2] ?? '']) / 1024 ** 3;
}
