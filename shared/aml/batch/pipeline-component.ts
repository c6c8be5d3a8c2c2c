import * as path from 'node:path';
import { UserError } from '../../errors';
import type { Host, SourceLocation } from '../../host';
import { explainArmError, type AmlContext } from '../context';
import { parseJob } from '../jobs/load';
import type { PipelineComponent } from '../jobs/model';
import { planJob, type LabelReference } from '../jobs/plan';
import { md5Uuid } from '../jobs/python-compat';
import { labelledId, parseReference, versionedId } from '../jobs/refs';
import { toJsonText, translateJob, type AssetResolver, type ComponentRequest } from '../jobs/translate';
import type { WorkspaceAssets } from '../jobs/workspace-assets';
import type { PipelineComponentSource } from './load';

type Json = Record<string, unknown>;

/** Property of the component versions deploy-batch registers: the content they were made from. */
export const CONTENT_PROPERTY = 'amlops.contentHash';

/**
 * The ARM id of a pipeline component deployment's component, registering what az ml registers:
 * - a local pipeline component file: its child components as anonymous components (exactly as
 *   submit-job registers a pipeline step's components), then the pipeline component itself under its
 *   own name (the next version when the file gives none);
 * - a pipeline job (job_definition): an anonymous pipeline component whose `sourceJobId` names the
 *   job, from which Azure ML builds the component;
 * - a reference: looked up, so a missing component is reported against the deployment file.
 */
export async function resolvePipelineComponent(
  ctx: AmlContext,
  host: Host,
  assets: WorkspaceAssets,
  source: PipelineComponentSource,
): Promise<string> {
  if (source.kind === 'reference') return referencedComponent(ctx, assets, source.ref, source.where);
  if (source.kind === 'job') return componentFromJob(ctx, host, assets, source.job, source.where);
  return componentFromFile(ctx, host, assets, source.path, source.where);
}

async function referencedComponent(
  ctx: AmlContext,
  assets: WorkspaceAssets,
  ref: string,
  where: SourceLocation,
): Promise<string> {
  const parsed = parseReference(ref, 'components', where);
  if (parsed.form === 'label') {
    return resolveLabel(ctx, assets, { key: ref, kind: 'components', name: parsed.name, label: parsed.label, where });
  }
  const id =
    parsed.form === 'id'
      ? parsed.id
      : parsed.form === 'labelled'
        ? labelledId(ctx.workspace, 'components', parsed.name, parsed.label)
        : versionedId(ctx.workspace, 'components', parsed.name, parsed.version);
  // Registry ids and a component's @default are resolved by the service, as azure-ai-ml leaves them.
  if (id.startsWith('azureml://') || parsed.form === 'labelled') return id;
  const found = await ctx.arm.getOrUndefined(id).catch((err: unknown) => {
    throw explainArmError(err, ctx, `component ${ref}`);
  });
  if (!found) {
    throw new UserError(
      `component ${ref.replace(/^azureml:/, '')} not found in workspace '${ctx.workspace.workspace}'`,
      {
        where,
        hint: 'Register it first (az ml component create), or name the pipeline component file here.',
      },
    );
  }
  return id;
}

/** name@label; an asset with no versions at all (ARM answers 404 for its versions) is reported like an empty one. */
async function resolveLabel(ctx: AmlContext, assets: WorkspaceAssets, ref: LabelReference): Promise<string> {
  try {
    return await assets.resolveReference(ref);
  } catch (err) {
    if (!(err instanceof UserError) || !/ResourceNotFound|was not found/i.test(err.message)) throw err;
    throw new UserError(
      `${ref.name}@${ref.label}: no version of ${ref.kind.replace(/s$/, '')} '${ref.name}' in workspace '${ctx.workspace.workspace}'`,
      { where: ref.where, hint: `Register it first, or refer to it by name and version.` },
    );
  }
}

async function componentFromJob(
  ctx: AmlContext,
  host: Host,
  assets: WorkspaceAssets,
  job: string,
  where: SourceLocation,
): Promise<string> {
  const jobId = `${ctx.workspacePath}/jobs/${encodeURIComponent(job)}`;
  const found = await ctx.arm.getOrUndefined<{ properties?: { jobType?: string } }>(jobId).catch((err: unknown) => {
    throw explainArmError(err, ctx, `job ${job}`);
  });
  if (!found) {
    throw new UserError(`pipeline job '${job}' not found in workspace '${ctx.workspace.workspace}'`, {
      where,
      hint: 'Submit the pipeline job first (submit-job) and name it here: job_definition: azureml:<job name>.',
    });
  }
  const jobType = found.properties?.jobType ?? '';
  if (jobType.toLowerCase() !== 'pipeline') {
    throw new UserError(`job '${job}' is a ${jobType || 'non-pipeline'} job; a batch deployment needs a pipeline job`, {
      where,
    });
  }
  // PipelineComponent(source_job_id=...)._to_rest_object() as azure-ai-ml sends it. az ml puts it at
  // azureml_anonymous version 1 whatever the job; the version here is named by the job instead, so
  // deployments of different jobs do not overwrite each other's component.
  const request: ComponentRequest = {
    key: `job:${job}`,
    name: 'azureml_anonymous',
    version: md5Uuid(`sourceJobId:${job}`),
    body: {
      properties: {
        componentSpec: {
          name: 'azureml_anonymous',
          version: '1',
          type: 'pipeline',
          _source: 'CLASS',
          jobs: {},
          sourceJobId: job,
        },
        isAnonymous: true,
        isArchived: false,
        properties: {},
        tags: {},
      },
    },
  };
  host.info(`Making a pipeline component from job '${job}'`);
  return assets.ensureComponent(request);
}

async function componentFromFile(
  ctx: AmlContext,
  host: Host,
  assets: WorkspaceAssets,
  file: string,
  where: SourceLocation,
): Promise<string> {
  // A pipeline with one step running the file's component gives the same plan submit-job makes for
  // it: uploads, look-ups, anonymous child components in dependency order, the component last.
  const carrier = parseJob(
    `type: pipeline\njobs:\n  deployment:\n    type: pipeline\n    component: ${JSON.stringify(path.basename(file))}\n`,
    file,
    { cwd: host.cwd },
  );
  const step = carrier.type === 'pipeline' ? carrier.jobs.deployment : undefined;
  if (step?.type !== 'pipeline' || step.component.kind !== 'anonymous') {
    throw new UserError(`${path.relative(host.cwd, file)} is not a pipeline component`, { where });
  }
  const component: PipelineComponent = step.component.component;
  const plan = planJob(carrier);
  // Look-ups before uploads: a missing asset fails the step before anything is uploaded or created.
  for (const label of plan.labels) await resolveLabel(ctx, assets, label);
  const topKey = plan.components[plan.components.length - 1]?.key;
  let topId: string | undefined;
  const resolver: AssetResolver = {
    uploadCode: (c) => assets.uploadCode(c),
    uploadInput: (i) => assets.uploadInput(i),
    ensureEnvironment: (e) => assets.ensureEnvironment(e),
    resolveReference: (r) => resolveLabel(ctx, assets, r),
    ensureComponent: async (request) => {
      if (request.key !== topKey) return assets.ensureComponent(request);
      topId = await namedComponent(ctx, host, component, request, where);
      return topId;
    },
  };
  await translateJob(plan, resolver, {
    scope: ctx.workspace,
    jobName: 'deployment',
    defaultExperimentName: 'deployment',
  });
  if (!topId) throw new UserError(`${path.relative(host.cwd, file)} is not a pipeline component`, { where });
  return topId;
}

interface VersionResource {
  id?: string;
  name?: string;
  properties?: { properties?: Record<string, string> };
}

/**
 * Registers the pipeline component under its own name as az ml does (the next version when the file
 * gives none). Its content hash, kept in the version's properties, finds the version an earlier run
 * registered, so a re-run of an unchanged file registers nothing.
 */
async function namedComponent(
  ctx: AmlContext,
  host: Host,
  component: PipelineComponent,
  anonymous: ComponentRequest,
  where: SourceLocation,
): Promise<string> {
  const name = component.name;
  // Without a name az ml registers the pipeline component anonymously too.
  if (!name) return putVersion(ctx, anonymous.name, anonymous.version, anonymous.body);
  const hash = anonymous.version;
  const base = `${ctx.workspacePath}/components/${encodeURIComponent(name)}/versions`;
  if (component.version) {
    const existing = await ctx.arm.getOrUndefined<VersionResource>(`${base}/${component.version}`).catch((err) => {
      throw explainArmError(err, ctx, `component ${name}:${component.version}`);
    });
    if (existing) {
      const theirs = existing.properties?.properties?.[CONTENT_PROPERTY];
      if (theirs !== hash) {
        host.warning(
          `Component ${name}:${component.version} is already registered with other content; the deployment uses the registered version. Change 'version' in the component file to deploy the change.`,
          where,
        );
      } else host.info(`Component ${name}:${component.version} is unchanged`);
      return `${base}/${component.version}`;
    }
    return putVersion(ctx, name, component.version, namedBody(anonymous.body, name, component.version, hash));
  }
  const page = await ctx.arm
    .getOrUndefined<{ value?: VersionResource[] }>(`${base}?$orderBy=createdtime%20desc`)
    .catch((err: unknown) => {
      throw explainArmError(err, ctx, `component ${name}`);
    });
  const versions = page?.value ?? [];
  const same = versions.find((v) => v.properties?.properties?.[CONTENT_PROPERTY] === hash);
  if (same?.name) {
    host.info(`Component ${name}:${same.name} is unchanged`);
    return `${base}/${same.name}`;
  }
  const next = String(Math.max(0, ...versions.map((v) => Number(v.name)).filter(Number.isInteger)) + 1);
  host.info(`Registering component ${name}:${next}`);
  return putVersion(ctx, name, next, namedBody(anonymous.body, name, next, hash));
}

/** The anonymous body with the component's own name and version, as az ml sends a named component. */
function namedBody(body: Json, name: string, version: string, hash: string): Json {
  const props = body.properties as Json;
  return {
    properties: {
      ...props,
      componentSpec: { ...(props.componentSpec as Json), name, version },
      isAnonymous: false,
      properties: { ...((props.properties as Record<string, string>) ?? {}), [CONTENT_PROPERTY]: hash },
    },
  };
}

async function putVersion(ctx: AmlContext, name: string, version: string, body: Json): Promise<string> {
  const id = `${ctx.workspacePath}/components/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}`;
  if (name === 'azureml_anonymous' && (await ctx.arm.getOrUndefined(id))) return id;
  try {
    await ctx.arm.request('PUT', id, toJsonText(body));
  } catch (err) {
    throw explainArmError(err, ctx, `component ${name}:${version}`);
  }
  return id;
}
