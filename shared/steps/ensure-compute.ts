import { ensureCompute } from '../declarations/ensure-compute';
import { UserError } from '../errors';
import type { Host } from '../host';
import { Inputs } from '../inputs';
import { sleep } from '../sleep';
import { YamlFile } from '../yaml-file';
import type { ArmResponse } from '../aml/arm';
import {
  checkSpec,
  computeBody,
  isoDurationSeconds,
  scaleSettings,
  specFromYaml,
  type ComputeSpec,
} from '../aml/compute-spec';
import { explainArmError, getWorkspace, resolveContext, type AmlContext } from '../aml/context';
import { waitForArmOperation } from '../aml/lro';
import type { StepModule } from '.';

interface ComputeResource {
  id?: string;
  name?: string;
  location?: string;
  properties?: {
    computeType?: string;
    provisioningState?: string;
    provisioningErrors?: { error?: { code?: string; message?: string } }[];
    properties?: {
      vmSize?: string;
      vmPriority?: string;
      scaleSettings?: { minNodeCount?: number; maxNodeCount?: number; nodeIdleTimeBeforeScaleDown?: string };
    };
  };
}

const BUSY = new Set(['creating', 'updating', 'deleting']);
const REST_TYPE = { amlcompute: 'AmlCompute', computeinstance: 'ComputeInstance' } as const;

export const ensureComputeStep: StepModule = {
  declaration: ensureCompute,
  async run(host) {
    const inputs = new Inputs(ensureCompute, host);
    const spec = readSpec(inputs, host);
    const wait = inputs.boolean('wait') ?? true;
    const timeoutMs = inputs.duration('timeout') ?? 30 * 60_000;
    const ctx = resolveContext(inputs, host);
    const what = `compute '${spec.name}'`;
    const path = `${ctx.workspacePath}/computes/${encodeURIComponent(spec.name)}`;

    let existing: ComputeResource | undefined;
    try {
      existing = await ctx.arm.getOrUndefined<ComputeResource>(path);
    } catch (err) {
      throw explainArmError(err, ctx, what);
    }

    let action: 'created' | 'updated' | 'unchanged';
    let final: ComputeResource | undefined;
    if (!existing) {
      const workspace = await getWorkspace<{ location?: string }>(ctx);
      host.info(`Creating ${spec.type} ${what} in workspace '${ctx.workspace.workspace}'`);
      const body = computeBody(spec, workspace.location ?? '');
      const response = await send(ctx, 'PUT', path, body, what);
      action = 'created';
      final = await settle(ctx, host, response, path, what, wait, timeoutMs);
    } else {
      checkType(existing, spec, what);
      const { updatable, fixed } = drift(existing, spec);
      for (const d of fixed) {
        host.warning(
          `${what}: ${d}; Azure ML cannot change this in place and ensure-compute never recreates a compute, so it is left as it is`,
          asLocation(spec, d),
        );
      }
      if (BUSY.has(state(existing)) && wait) {
        host.info(`${what} is ${existing.properties?.provisioningState}; waiting`);
        existing = await pollUntilSettled(ctx, host, path, what, timeoutMs);
      }
      if (updatable.length) {
        host.info(`Updating ${what}: ${updatable.join(', ')}`);
        const response = await send(
          ctx,
          'PATCH',
          path,
          { properties: { properties: { scaleSettings: scaleSettings(withCurrent(spec, existing)) } } },
          what,
        );
        action = 'updated';
        final = await settle(ctx, host, response, path, what, wait, timeoutMs);
      } else {
        host.info(`${what} is up to date; nothing to change`);
        action = 'unchanged';
        final = existing;
      }
    }

    const provisioningState = final?.properties?.provisioningState ?? 'Unknown';
    if (provisioningState.toLowerCase() === 'failed') {
      const reasons = (final?.properties?.provisioningErrors ?? []).map((e) => e.error?.message).filter(Boolean);
      throw new UserError(`${what} failed to provision${reasons.length ? `: ${reasons.join('; ')}` : ''}`, {
        hint: 'Fix the cause (quota, VM size availability, subnet), delete the failed compute, then re-run.',
      });
    }
    const outputs = {
      name: spec.name,
      'compute-id': final?.id ?? path,
      'provisioning-state': provisioningState,
      action,
    };
    await host.appendSummary(
      [
        `### Compute \`${spec.name}\` ${action}`,
        '',
        '| | |',
        '|---|---|',
        `| type | ${spec.type} |`,
        `| size | ${final?.properties?.properties?.vmSize ?? spec.size ?? ''} |`,
        `| provisioning state | ${provisioningState} |`,
        `| workspace | ${ctx.workspace.workspace} |`,
        '',
      ].join('\n'),
    );
    return outputs;
  },
};

function readSpec(inputs: Inputs, host: Host): ComputeSpec {
  const file = inputs.file('file');
  let spec: ComputeSpec;
  if (file) {
    spec = specFromYaml(YamlFile.load(file, host.cwd));
    const givenType = host.getInput('type')?.trim();
    if (givenType && inputs.choice('type') !== spec.type) {
      inputs.fail('type', `is '${givenType}' but ${host.describeInput('file')} describes a ${spec.type}`);
    }
  } else {
    const name = inputs.required('name', `Or give ${host.describeInput('file')} with an az ml compute YAML.`);
    spec = { name, type: inputs.choice<'amlcompute' | 'computeinstance'>('type') ?? 'amlcompute', where: {} };
  }
  const override = <K extends keyof ComputeSpec>(key: K, value: ComputeSpec[K] | undefined, input: string) => {
    if (value !== undefined) {
      spec[key] = value;
      spec.where[String(key)] = host.describeInput(input);
    }
  };
  const name = inputs.string('name');
  if (name) {
    spec.name = name;
    spec.where.name = host.describeInput('name');
  }
  override('size', inputs.string('size'), 'size');
  const tier = inputs.string('tier')?.toLowerCase();
  if (tier !== undefined && tier !== 'dedicated' && tier !== 'low_priority') {
    inputs.fail('tier', `must be dedicated or low_priority, got '${tier}'`);
  }
  override('tier', tier as ComputeSpec['tier'], 'tier');
  override('minInstances', inputs.number('min-instances', { min: 0 }), 'min-instances');
  override('maxInstances', inputs.number('max-instances', { min: 1 }), 'max-instances');
  override(
    'idleSecondsBeforeScaleDown',
    inputs.number('idle-time-before-scale-down', { min: 0 }),
    'idle-time-before-scale-down',
  );
  if (spec.ssh?.adminPassword) host.mask(spec.ssh.adminPassword);
  if (spec.type === 'computeinstance' && (spec.minInstances !== undefined || spec.maxInstances !== undefined)) {
    throw new UserError(
      'min-instances and max-instances apply to compute clusters (amlcompute), not compute instances',
    );
  }
  checkSpec(spec);
  return spec;
}

async function send(ctx: AmlContext, method: string, path: string, body: unknown, what: string): Promise<ArmResponse> {
  try {
    return await ctx.arm.request(method, path, body);
  } catch (err) {
    throw explainArmError(err, ctx, what);
  }
}

/** Waits (when asked) for the operation, then reads the compute once more for its final state. */
async function settle(
  ctx: AmlContext,
  host: Host,
  response: ArmResponse,
  path: string,
  what: string,
  wait: boolean,
  timeoutMs: number,
): Promise<ComputeResource> {
  if (!wait) return response.body as ComputeResource;
  await waitForArmOperation(ctx.arm, response, {
    what,
    timeoutMs,
    signal: host.signal,
    onProgress: (status, ms) => host.info(`${what}: ${status} (${Math.round(ms / 1000)}s)`),
  });
  return pollUntilSettled(ctx, host, path, what, timeoutMs);
}

async function pollUntilSettled(
  ctx: AmlContext,
  host: Host,
  path: string,
  what: string,
  timeoutMs: number,
): Promise<ComputeResource> {
  const started = Date.now();
  let pause = 1000;
  for (;;) {
    let current: ComputeResource;
    try {
      current = (await ctx.arm.request<ComputeResource>('GET', path)).body;
    } catch (err) {
      throw explainArmError(err, ctx, what);
    }
    if (!BUSY.has(state(current))) return current;
    const elapsed = Date.now() - started;
    if (elapsed + pause > timeoutMs) {
      throw new UserError(
        `${what} is still ${current.properties?.provisioningState} after ${Math.round(elapsed / 1000)}s`,
        {
          hint: 'It goes on in Azure; re-run the step to wait again, or raise the timeout input.',
        },
      );
    }
    host.info(`${what}: ${current.properties?.provisioningState} (${Math.round(elapsed / 1000)}s)`);
    await sleep(pause, host.signal);
    pause = Math.min(pause * 1.5, 15000);
  }
}

const state = (c: ComputeResource): string => (c.properties?.provisioningState ?? '').toLowerCase();

function checkType(existing: ComputeResource, spec: ComputeSpec, what: string): void {
  const actual = existing.properties?.computeType;
  if (actual && actual !== REST_TYPE[spec.type]) {
    throw new UserError(`${what} already exists as a ${actual}, not a ${REST_TYPE[spec.type]}`, {
      where: spec.where.type ?? spec.where.name,
      hint: 'ensure-compute never deletes or recreates a compute: choose another name, or delete the existing one yourself.',
    });
  }
}

/** What differs between the compute and the spec: scale settings can be updated, the rest cannot. */
export function drift(existing: ComputeResource, spec: ComputeSpec): { updatable: string[]; fixed: string[] } {
  const p = existing.properties?.properties ?? {};
  const updatable: string[] = [];
  const fixed: string[] = [];
  if (spec.size && p.vmSize && spec.size.toLowerCase() !== p.vmSize.toLowerCase()) {
    fixed.push(`size is ${p.vmSize}, wanted ${spec.size}`);
  }
  if (spec.type === 'amlcompute') {
    const wantPriority =
      spec.tier === undefined ? undefined : spec.tier === 'low_priority' ? 'LowPriority' : 'Dedicated';
    if (wantPriority && p.vmPriority && wantPriority !== p.vmPriority)
      fixed.push(`tier is ${p.vmPriority}, wanted ${wantPriority}`);
    const s = p.scaleSettings ?? {};
    if (spec.minInstances !== undefined && spec.minInstances !== (s.minNodeCount ?? 0)) {
      updatable.push(`min_instances ${s.minNodeCount ?? 0} -> ${spec.minInstances}`);
    }
    if (spec.maxInstances !== undefined && spec.maxInstances !== s.maxNodeCount) {
      updatable.push(`max_instances ${s.maxNodeCount} -> ${spec.maxInstances}`);
    }
    const idle = isoDurationSeconds(s.nodeIdleTimeBeforeScaleDown);
    if (spec.idleSecondsBeforeScaleDown !== undefined && spec.idleSecondsBeforeScaleDown !== idle) {
      updatable.push(`idle_time_before_scale_down ${idle ?? '?'}s -> ${spec.idleSecondsBeforeScaleDown}s`);
    }
  }
  return { updatable, fixed };
}

/** Scale settings to send: what the user set, and the compute's current values for the rest. */
function withCurrent(spec: ComputeSpec, existing: ComputeResource): ComputeSpec {
  const s = existing.properties?.properties?.scaleSettings ?? {};
  return {
    ...spec,
    minInstances: spec.minInstances ?? s.minNodeCount,
    maxInstances: spec.maxInstances ?? s.maxNodeCount,
    idleSecondsBeforeScaleDown: spec.idleSecondsBeforeScaleDown ?? isoDurationSeconds(s.nodeIdleTimeBeforeScaleDown),
  };
}

function asLocation(spec: ComputeSpec, message: string) {
  const key = message.startsWith('size') ? 'size' : message.startsWith('tier') ? 'tier' : 'name';
  const where = spec.where[key];
  return typeof where === 'object' ? where : undefined;
}
