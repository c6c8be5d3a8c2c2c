import type { BlockBlobClient } from '@azure/storage-blob';
import { promoteModel } from '../declarations/promote-model';
import { UserError } from '../errors';
import type { Host } from '../host';
import { Inputs } from '../inputs';
import { ArmError } from '../aml/arm';
import { explainArmError, resolveContext, type AmlContext } from '../aml/context';
import { openBlobDatastore } from '../aml/datastore';
import { waitForArmOperation } from '../aml/lro';
import { copyModelFiles, locateModelFiles, relativeName, type ModelFiles } from '../aml/models/storage';
import { versionBodyFrom, type ModelVersionResource } from '../aml/models/versions';
import { sameJson } from '../aml/models/same-json';
import type { StepModule } from '.';

/** Lineage the copies carry: where they came from and what their files were. */
export const PROMOTED_FROM = 'amlops.promoted_from';
export const CONTENT_HASH = 'amlops.content_hash';

const PROVIDER = 'Microsoft.MachineLearningServices';

interface ModelRef {
  name: string;
  version: string;
  /** Workspace named by an ARM id reference (must be the source workspace). */
  workspace?: string;
}

function parseModelRef(inputs: Inputs): ModelRef {
  const text = inputs.required('model');
  const arm = new RegExp(
    `^(?:azureml:)?/subscriptions/[^/]+/resourceGroups/[^/]+/providers/${PROVIDER}/workspaces/([^/]+)/models/([^/]+)/versions/([^/]+)$`,
    'i',
  ).exec(text);
  if (arm) return { workspace: arm[1], name: decodeURIComponent(arm[2]), version: decodeURIComponent(arm[3]) };
  const short = /^(?:azureml:)?([A-Za-z0-9][A-Za-z0-9_.-]*):([A-Za-z0-9][A-Za-z0-9_.-]*)$/.exec(text);
  if (short) return { name: short[1], version: short[2] };
  if (/@/.test(text)) {
    inputs.fail(
      'model',
      `must name one version, got '${text}'`,
      'Promote an exact version, e.g. the model-id output of register-model.',
    );
  }
  return inputs.fail('model', `must be name:version, azureml:name:version or a model version ARM id, got '${text}'`);
}

/** The same inputs read under other names: lets resolveContext read the target-* inputs. */
function renamed(host: Host, names: Record<string, string>): Host {
  const view = Object.create(host) as Host;
  return Object.assign(view, {
    getInput: (name: string) => (name in names ? host.getInput(names[name]) : host.getInput(name)),
    describeInput: (name: string) => host.describeInput(names[name] ?? name),
  });
}

interface Target {
  label: string;
  versionPath: string;
  /** Writable blob for a file, by its name relative to the model's parent folder. */
  prepare(files: ModelFiles): Promise<{ blobFor: (relative: string) => BlockBlobClient; modelUri: string }>;
  put(body: unknown): Promise<void>;
}

export const promoteModelStep: StepModule = {
  declaration: promoteModel,
  async run(host) {
    const inputs = new Inputs(promoteModel, host);
    const ref = parseModelRef(inputs);
    const registry = inputs.string('registry');
    if (registry !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_-]{1,62}$/.test(registry)) {
      inputs.fail('registry', `'${registry}' is not a registry name`);
    }
    const registryGroup = inputs.string('registry-resource-group');
    if (registryGroup && !registry) inputs.fail('registry-resource-group', `needs ${host.describeInput('registry')}`);
    const wantsTarget = !!(inputs.string('target-environment') || inputs.string('target-workspace'));
    for (const name of ['target-resource-group', 'target-subscription-id']) {
      if (inputs.string(name) && !wantsTarget) {
        inputs.fail(
          name,
          `needs ${host.describeInput('target-workspace')} or ${host.describeInput('target-environment')}`,
        );
      }
    }
    if (!registry && !wantsTarget) {
      throw new UserError(
        `nowhere to promote to: set ${host.describeInput('registry')}, ${host.describeInput('target-environment')} or ${host.describeInput('target-workspace')}`,
      );
    }
    const timeoutMs = inputs.duration('timeout') ?? 20 * 60_000;
    const ctx = resolveContext(inputs, host);
    if (ref.workspace && ref.workspace.toLowerCase() !== ctx.workspace.workspace.toLowerCase()) {
      inputs.fail(
        'model',
        `names a version in workspace '${ref.workspace}', but the source workspace is '${ctx.workspace.workspace}'`,
      );
    }
    let target: AmlContext | undefined;
    if (wantsTarget) {
      const targetHost = renamed(host, {
        environment: 'target-environment',
        workspace: 'target-workspace',
        'resource-group': 'target-resource-group',
        'subscription-id': 'target-subscription-id',
      });
      // The target defaults to the source's subscription and group, not to what connect exported.
      const env = {
        ...host.env,
        AMLOPS_WORKSPACE: undefined,
        AMLOPS_RESOURCE_GROUP: ctx.workspace.resourceGroup,
        AMLOPS_SUBSCRIPTION_ID: ctx.workspace.subscriptionId,
      };
      target = resolveContext(
        new Inputs(promoteModel, Object.assign(targetHost, { env })),
        Object.assign(targetHost, { env }),
      );
      if (target.workspacePath.toLowerCase() === ctx.workspacePath.toLowerCase()) {
        inputs.fail(
          wantsTarget && inputs.string('target-workspace') ? 'target-workspace' : 'target-environment',
          'is the source workspace itself',
        );
      }
    }

    const label = `model ${ref.name}:${ref.version}`;
    const sourcePath = `${ctx.workspacePath}/models/${encodeURIComponent(ref.name)}/versions/${encodeURIComponent(ref.version)}`;
    let source: ModelVersionResource | undefined;
    try {
      source = await ctx.arm.getOrUndefined<ModelVersionResource>(sourcePath);
    } catch (err) {
      throw explainArmError(err, ctx, label);
    }
    if (!source) throw new UserError(`${label} not found in workspace '${ctx.workspace.workspace}'`);
    const files = await locateModelFiles(ctx, host, source.properties?.modelUri ?? '', label);
    host.info(`${label}: ${files.blobs.length} file(s) in ${files.datastore.name}/${files.path}`);

    const outputs: Record<string, string> = {
      'model-name': ref.name,
      'model-version': ref.version,
      'model-id': '',
      'registry-model-id': '',
      'workspace-model-id': '',
      action: 'unchanged',
    };
    const actions: string[] = [];
    const body = promotedBody(source, sourcePath, files);

    if (registry) {
      const registryPath = `/subscriptions/${encodeURIComponent(ctx.workspace.subscriptionId)}/resourceGroups/${encodeURIComponent(registryGroup ?? ctx.workspace.resourceGroup)}/providers/${PROVIDER}/registries/${encodeURIComponent(registry)}`;
      const versionPath = `${registryPath}/models/${encodeURIComponent(ref.name)}/versions/${encodeURIComponent(ref.version)}`;
      await requireRegistry(ctx, registryPath, registry);
      actions.push(
        await promoteTo(ctx, host, files, body, {
          label: `registry '${registry}'`,
          versionPath,
          async prepare() {
            const pending = await startPendingUpload(ctx, versionPath, registry);
            const { BlockBlobClient } = await import('@azure/storage-blob');
            const sas = new URL(pending.sasUri).search;
            const base = pending.blobUri.replace(/\/+$/, '');
            host.mask(sas.slice(1));
            const leaf = relativeName(files, files.path);
            return {
              blobFor: (rel) =>
                new BlockBlobClient(`${base}/${rel.split('/').map(encodeURIComponent).join('/')}${sas}`),
              modelUri: `${base}/${leaf}`,
            };
          },
          async put(b) {
            const res = await ctx.arm.request('PUT', versionPath, b);
            await waitForArmOperation(ctx.arm, res, {
              what: `${label} in registry '${registry}'`,
              timeoutMs,
              signal: host.signal,
              minPollMs: 200,
            });
          },
        }),
      );
      outputs['registry-model-id'] = `azureml://registries/${registry}/models/${ref.name}/versions/${ref.version}`;
      outputs['model-id'] = outputs['registry-model-id'];
    }

    if (target) {
      const t = target;
      const versionPath = `${t.workspacePath}/models/${encodeURIComponent(ref.name)}/versions/${encodeURIComponent(ref.version)}`;
      actions.push(
        await promoteTo(t, host, files, body, {
          label: `workspace '${t.workspace.workspace}'`,
          versionPath,
          async prepare() {
            const ds = await openBlobDatastore(t, host, 'workspaceblobstore');
            // The same blob path as in the source, so the model keeps its folder and file names.
            const parent = files.path.includes('/') ? files.path.slice(0, files.path.lastIndexOf('/')) : '';
            const w = t.workspace;
            return {
              blobFor: (rel) => ds.container.getBlockBlobClient(parent ? `${parent}/${rel}` : rel),
              modelUri: `azureml://subscriptions/${w.subscriptionId}/resourcegroups/${w.resourceGroup}/workspaces/${w.workspace}/datastores/workspaceblobstore/paths/${files.path}`,
            };
          },
          async put(b) {
            await t.arm.request('PUT', versionPath, b);
          },
        }),
      );
      outputs['workspace-model-id'] = versionPath;
      if (!registry) outputs['model-id'] = `azureml:${ref.name}:${ref.version}`;
    }
    outputs.action = actions.includes('created') ? 'created' : actions.includes('updated') ? 'updated' : 'unchanged';
    await host.appendSummary(
      [
        `### ✅ Model \`${ref.name}:${ref.version}\` promoted (${outputs.action})`,
        '',
        `\`${outputs['model-id']}\``,
        '',
      ].join('\n'),
    );
    return outputs;
  },
};

/** The copy's body: everything the source says, its own files, and where it came from. */
function promotedBody(
  source: ModelVersionResource,
  sourcePath: string,
  files: ModelFiles,
): { properties: Record<string, unknown> } {
  const body = versionBodyFrom(source);
  const p = body.properties;
  // The job and any source-side flags belong to the source workspace; the tag source_job keeps the lineage.
  delete p.jobName;
  delete p.isAnonymous;
  p.isArchived = false;
  p.properties = {
    ...((p.properties as Record<string, string>) ?? {}),
    [PROMOTED_FROM]: sourcePath,
    [CONTENT_HASH]: files.contentHash,
  };
  return body;
}

const MUTABLE = ['description', 'tags', 'properties', 'stage'] as const;

/** Creates the version at the target, or finds it identical, or refreshes its metadata. */
async function promoteTo(
  ctx: AmlContext,
  host: Host,
  files: ModelFiles,
  body: { properties: Record<string, unknown> },
  target: Target,
): Promise<'created' | 'updated' | 'unchanged'> {
  const name = target.versionPath.split('/models/')[1].replace('/versions/', ':');
  let existing: ModelVersionResource | undefined;
  try {
    existing = await ctx.arm.getOrUndefined<ModelVersionResource>(target.versionPath);
  } catch (err) {
    throw explainArmError(err, ctx, `${decodeURIComponent(name)} in ${target.label}`);
  }
  if (existing) {
    const props = existing.properties ?? {};
    const theirHash = props.properties?.[CONTENT_HASH];
    if (
      theirHash !== files.contentHash ||
      (props.modelType ?? 'custom_model') !== (body.properties.modelType ?? 'custom_model')
    ) {
      throw new UserError(
        `${decodeURIComponent(name)} already exists in ${target.label} with different content${theirHash ? '' : ' (not copied by promote-model)'}; a version cannot change`,
        { hint: 'Register the model under a new version in the source workspace and promote that one.' },
      );
    }
    const changed = MUTABLE.filter((k) => !sameJson(props[k], body.properties[k]));
    if (changed.length === 0) {
      host.info(`${decodeURIComponent(name)} is already in ${target.label}: unchanged`);
      return 'unchanged';
    }
    const update = versionBodyFrom(existing);
    for (const k of MUTABLE) if (body.properties[k] !== undefined) update.properties[k] = body.properties[k];
    await put(ctx, target, update, name);
    host.info(`${decodeURIComponent(name)} in ${target.label}: updated ${changed.join(', ')}`);
    return 'updated';
  }
  const prepared = await target.prepare(files);
  host.info(`Copying ${files.blobs.length} file(s) to ${target.label}`);
  try {
    await copyModelFiles(files, prepared.blobFor, host.signal);
  } catch (err) {
    if (host.signal.aborted) throw err;
    throw new Error(
      `copying ${decodeURIComponent(name)} to ${target.label} failed: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
  await put(ctx, target, { properties: { ...body.properties, modelUri: prepared.modelUri } }, name);
  host.info(`Created ${decodeURIComponent(name)} in ${target.label}`);
  return 'created';
}

async function put(ctx: AmlContext, target: Target, body: unknown, name: string): Promise<void> {
  try {
    await target.put(body);
  } catch (err) {
    throw explainArmError(err, ctx, `${decodeURIComponent(name)} in ${target.label}`);
  }
}

async function requireRegistry(ctx: AmlContext, registryPath: string, registry: string): Promise<void> {
  let found: unknown;
  try {
    found = await ctx.arm.getOrUndefined(registryPath);
  } catch (err) {
    throw explainArmError(err, ctx, `registry '${registry}'`);
  }
  if (!found) {
    throw new UserError(`registry '${registry}' not found in resource group '${registryPath.split('/')[4]}'`, {
      hint: 'Check the registry input (and registry-resource-group).',
    });
  }
}

interface PendingUpload {
  blobReferenceForConsumption?: { blobUri?: string; credential?: { sasUri?: string } };
}

async function startPendingUpload(
  ctx: AmlContext,
  versionPath: string,
  registry: string,
): Promise<{ blobUri: string; sasUri: string }> {
  let res: PendingUpload | undefined;
  try {
    res = (
      await ctx.arm.request<PendingUpload>('POST', `${versionPath}/startPendingUpload`, {
        pendingUploadType: 'TemporaryBlobReference',
      })
    ).body;
  } catch (err) {
    if (err instanceof ArmError && err.status === 404 && /registr/i.test(err.message)) {
      throw new UserError(`registry '${registry}' not found: ${err.message}`, {
        hint: 'Check the registry input (and registry-resource-group).',
      });
    }
    throw explainArmError(err, ctx, `registry '${registry}'`);
  }
  const ref = res?.blobReferenceForConsumption;
  if (!ref?.blobUri || !ref.credential?.sasUri) {
    throw new Error(`registry '${registry}' gave no storage location for the model's files`);
  }
  return { blobUri: ref.blobUri, sasUri: ref.credential.sasUri };
}
