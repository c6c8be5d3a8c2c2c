import * as path from 'node:path';
import { registerModel } from '../declarations/register-model';
import { UserError } from '../errors';
import type { Host } from '../host';
import { Inputs } from '../inputs';
import { explainArmError, resolveContext, type AmlContext } from '../aml/context';
import { openBlobDatastore } from '../aml/datastore';
import { snapshotCode } from '../aml/jobs/code-snapshot';
import { uploadFiles } from '../aml/upload';
import { decideGate, parseTag, type Goal } from '../aml/models/gate';
import { pickOutput, readJob, readJobMetrics, MODEL_OUTPUT_TYPES } from '../aml/models/job-facts';
import { loadModelFile, type ModelFile, type ModelType } from '../aml/models/model-file';
import { checkMlflowFolder, parseModelPath, type ModelSource } from '../aml/models/source';
import {
  listModelVersions,
  newestFirst,
  nextVersion,
  versionBodyFrom,
  type ModelVersionResource,
} from '../aml/models/versions';
import type { StepModule } from '.';

/** The version property that records where a version's files came from; re-registrations match on it. */
export const SOURCE_PROPERTY = 'amlops.source';
const UPLOAD_DATASTORE = 'workspaceblobstore';

interface Plan {
  name: string;
  version?: string;
  source: ModelSource;
  /** The input or file key the source came from, for messages. */
  sourceFrom: string;
  type?: ModelType;
  description?: string;
  tags: Record<string, string>;
  properties: Record<string, string>;
  stage?: string;
  gate?: { metric: string; goal: Goal; minImprovement: number; onWorse: 'fail' | 'skip' };
  baselineTag: { key: string; value: string };
  setBaseline: boolean;
}

/** Reads and checks every input and the model file; no network. */
function readPlan(inputs: Inputs, host: Host): Plan {
  const file: ModelFile | undefined = inputs.file('file') ? loadModelFile(inputs.file('file')!, host.cwd) : undefined;
  const name = inputs.string('name') ?? file?.name;
  if (!name) inputs.fail('name', 'is required (or a name in the model file)');
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/.test(name)) {
    inputs.fail(
      'name',
      `'${name}' is not a valid model name: letters, digits, '-', '_' and '.', starting with a letter or digit`,
    );
  }
  const version = inputs.string('model-version') ?? file?.version;
  if (version !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,49}$/.test(version)) {
    inputs.fail('model-version', `'${version}' is not a valid version: letters, digits, '-', '_' and '.'`);
  }

  const pathInput = inputs.string('path');
  const jobName = inputs.string('job-name');
  const jobOutput = inputs.string('job-output');
  if (pathInput && jobName)
    inputs.fail('job-name', `cannot be combined with ${host.describeInput('path')}: give one source`);
  if (jobOutput && !jobName) inputs.fail('job-output', `needs ${host.describeInput('job-name')}`);
  let source: ModelSource;
  let sourceFrom: string;
  if (jobName) {
    if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$/.test(jobName)) inputs.fail('job-name', `'${jobName}' is not a job name`);
    source = { kind: 'job', job: jobName, output: jobOutput };
    sourceFrom = host.describeInput('job-name');
  } else if (pathInput) {
    const parsed = parseModelPath(pathInput, host.cwd);
    if (typeof parsed === 'string') inputs.fail('path', parsed);
    source = parsed;
    sourceFrom = host.describeInput('path');
  } else if (file?.path) {
    const parsed = parseModelPath(file.path, file.baseDir);
    if (typeof parsed === 'string') throw file.error('path', parsed);
    source = parsed;
    sourceFrom = `${path.relative(host.cwd, file.file)} (path)`;
  } else {
    throw new UserError(
      `no model to register: set ${host.describeInput('path')} or ${host.describeInput('job-name')}${file ? ', or path in the model file' : ''}`,
    );
  }

  const type = inputs.choice<ModelType>('type') ?? file?.type;
  if (type === 'mlflow_model') {
    const problem = checkMlflowFolder(source);
    if (problem) throw new UserError(`${sourceFrom}: ${problem}`);
  }

  const tags = { ...(file?.tags ?? {}) };
  for (const line of (inputs.string('tags') ?? '').split(/\r?\n/)) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const tag = parseTag(t);
    if (!tag) inputs.fail('tags', `needs one key=value per line, got '${t}'`);
    tags[tag.key] = tag.value;
  }

  const baselineTag = parseTag(inputs.string('baseline-tag') ?? 'stage=champion');
  if (!baselineTag) inputs.fail('baseline-tag', `must be key=value, got '${inputs.string('baseline-tag')}'`);
  const metric = inputs.string('gate-metric');
  const goal = inputs.choice<Goal>('gate-goal') ?? 'maximize';
  const minText = inputs.string('gate-min-improvement') ?? '0';
  const minImprovement = Number(minText);
  if (!Number.isFinite(minImprovement) || minImprovement < 0) {
    inputs.fail('gate-min-improvement', `must be a number of at least 0, got '${minText}'`);
  }
  const onWorse = inputs.choice<'fail' | 'skip'>('on-worse') ?? 'fail';
  if (metric && source.kind !== 'job') {
    inputs.fail(
      'gate-metric',
      `compares a metric of the source job, but the model comes from ${source.kind === 'local' ? 'a local path' : source.kind === 'url' ? 'a URL' : 'a datastore'}`,
      `Register from a job (${host.describeInput('job-name')} or path azureml://jobs/<job>/outputs/<output>).`,
    );
  }
  return {
    name,
    version,
    source,
    sourceFrom,
    type,
    description: inputs.string('description') ?? file?.description,
    tags,
    properties: file?.properties ?? {},
    stage: file?.stage,
    gate: metric ? { metric, goal, minImprovement, onWorse } : undefined,
    baselineTag,
    setBaseline: inputs.boolean('set-baseline') ?? false,
  };
}

/** The resolved source: what the version will point at and the key re-registrations match on. */
interface ResolvedSource {
  modelUri: string;
  sourceKey: string;
  type: ModelType;
  jobName?: string;
  /** A local folder or file still to upload (when the version is created). */
  upload?: { root: string; files: string[]; prefix: string };
}

async function resolveSource(ctx: AmlContext, host: Host, plan: Plan): Promise<ResolvedSource> {
  const s = plan.source;
  if (s.kind === 'job') {
    const job = await readJob(ctx, s.job);
    if (job.status !== 'Completed') {
      throw new UserError(
        `job '${s.job}' is ${job.status}; only a Completed job's outputs can be registered`,
        job.status === 'Failed' || job.status === 'Canceled'
          ? {}
          : { hint: 'Wait for it (submit-job waits by default) and run this step again.' },
      );
    }
    const output = pickOutput(job, s.output, host.describeInput('job-output'));
    const outputType = MODEL_OUTPUT_TYPES.includes(output.type ?? '') ? (output.type as ModelType) : undefined;
    const modelUri = `azureml://jobs/${s.job}/outputs/${output.name}${s.subPath ? `/paths/${s.subPath}` : ''}`;
    return { modelUri, sourceKey: modelUri, type: plan.type ?? outputType ?? 'custom_model', jobName: s.job };
  }
  if (s.kind === 'local') {
    const snapshot = snapshotCode(s.localPath);
    const w = ctx.workspace;
    const prefix = s.isFile ? path.posix.dirname(snapshot.blobPrefix) : snapshot.blobPrefix;
    const blobPath = s.isFile ? `${prefix}/${snapshot.files[0]}` : snapshot.blobPrefix;
    // The long form az ml writes for uploads; the folder name is the content's hash, so the same files give the same URI.
    const modelUri = `azureml://subscriptions/${w.subscriptionId}/resourcegroups/${w.resourceGroup}/workspaces/${w.workspace}/datastores/${UPLOAD_DATASTORE}/paths/${blobPath}`;
    return {
      modelUri,
      sourceKey: modelUri,
      type: plan.type ?? 'custom_model',
      upload: { root: s.isFile ? path.dirname(snapshot.root) : snapshot.root, files: snapshot.files, prefix },
    };
  }
  return { modelUri: s.uri, sourceKey: s.uri, type: plan.type ?? 'custom_model' };
}

const sameSource = (v: ModelVersionResource, src: ResolvedSource): boolean =>
  (v.properties?.modelType ?? 'custom_model') === src.type &&
  (v.properties?.properties?.[SOURCE_PROPERTY] === src.sourceKey || v.properties?.modelUri === src.modelUri);

const tagged = (v: ModelVersionResource, tag: { key: string; value: string }): boolean =>
  v.properties?.tags?.[tag.key] === tag.value;

export const registerModelStep: StepModule = {
  declaration: registerModel,
  async run(host) {
    const inputs = new Inputs(registerModel, host);
    const plan = readPlan(inputs, host);
    const ctx = resolveContext(inputs, host);
    const modelPath = `${ctx.workspacePath}/models/${encodeURIComponent(plan.name)}`;
    const what = `model '${plan.name}'`;

    const source = await resolveSource(ctx, host, plan);
    const versions = await listModelVersions(ctx, modelPath, what);

    // Which version this run is about: an explicit one, else the one already holding this source, else the next.
    let existing: ModelVersionResource | undefined;
    let version: string;
    if (plan.version) {
      version = plan.version;
      existing = versions.find((v) => v.name === version);
      if (existing && !sameSource(existing, source)) {
        throw new UserError(
          `model ${plan.name} version ${version} already exists with other content (${existing.properties?.modelType}, ${existing.properties?.modelUri}); versions cannot change`,
          { hint: `Leave ${host.describeInput('model-version')} empty to register the next version.` },
        );
      }
    } else {
      existing = newestFirst(versions).find((v) => sameSource(v, source));
      version = existing?.name ?? nextVersion(versions);
    }

    const metrics = source.jobName ? await readJobMetrics(ctx, source.jobName) : {};
    const outputs: Record<string, string> = {
      'model-name': plan.name,
      'model-version': '',
      'model-id': '',
      'model-arm-id': '',
      action: '',
      'metric-value': '',
      'baseline-version': '',
      'baseline-value': '',
      metrics: JSON.stringify(metrics),
    };

    let gateLine: string | undefined;
    if (plan.gate) {
      const g = plan.gate;
      const candidate = metrics[g.metric];
      if (candidate === undefined) {
        const logged = Object.keys(metrics);
        throw new UserError(
          `${host.describeInput('gate-metric')}: job '${source.jobName}' logged no metric '${g.metric}'${logged.length ? ` (it logged: ${logged.join(', ')})` : ' (it logged no metrics)'}`,
        );
      }
      outputs['metric-value'] = String(candidate);
      const baseline = newestFirst(versions.filter((v) => tagged(v, plan.baselineTag)))[0];
      const tagText = `${plan.baselineTag.key}=${plan.baselineTag.value}`;
      if (!baseline) {
        gateLine = `Gate: no version of ${plan.name} is tagged ${tagText}; nothing to compare ${g.metric} ${candidate} with, so it passes`;
      } else if (existing && baseline.name === existing.name) {
        outputs['baseline-version'] = baseline.name ?? '';
        gateLine = `Gate: version ${baseline.name} is already the baseline (${tagText})`;
      } else {
        outputs['baseline-version'] = baseline.name ?? '';
        const baselineValue = await baselineMetric(ctx, baseline, g.metric);
        if (baselineValue === undefined) {
          host.warning(
            `the baseline ${plan.name}:${baseline.name} has no value for ${g.metric} (no tag metric.${g.metric}, and its job logged none); the gate passes`,
          );
          gateLine = `Gate: baseline ${plan.name}:${baseline.name} has no ${g.metric}; passes`;
        } else {
          outputs['baseline-value'] = String(baselineValue);
          const decision = decideGate({
            metric: g.metric,
            goal: g.goal,
            minImprovement: g.minImprovement,
            candidate,
            baseline: baselineValue,
            baselineLabel: `baseline ${plan.name}:${baseline.name}`,
          });
          gateLine = `Gate: ${decision.message}`;
          if (!decision.pass) {
            if (g.onWorse === 'fail') {
              throw new UserError(`model rejected by the gate: ${decision.message}`, {
                hint: `Nothing was registered. Set ${host.describeInput('on-worse')} to skip to let the pipeline go on without it.`,
              });
            }
            host.warning(`model not registered: ${decision.message}`);
            outputs.action = 'skipped';
            await summary(host, plan, outputs, gateLine);
            return outputs;
          }
        }
      }
      host.info(gateLine);
    }

    const versionPath = `${modelPath}/versions/${encodeURIComponent(version)}`;
    let resource: ModelVersionResource;
    if (existing) {
      host.info(`${plan.name}:${version} already holds this model (${source.sourceKey}); nothing registered`);
      resource = existing;
      outputs.action = 'existing';
    } else {
      if (source.upload) await uploadModel(ctx, host, source.upload);
      const body = versionBody(host, plan, source, metrics);
      try {
        resource = (await ctx.arm.request<ModelVersionResource>('PUT', versionPath, body)).body;
      } catch (err) {
        throw explainArmError(err, ctx, `${what} version ${version}`);
      }
      host.info(`Registered ${plan.name}:${version} (${source.type}) from ${source.sourceKey}`);
      outputs.action = 'created';
    }
    if (plan.setBaseline) await moveBaseline(ctx, host, plan, modelPath, versions, resource, version);

    outputs['model-version'] = version;
    outputs['model-id'] = `azureml:${plan.name}:${version}`;
    outputs['model-arm-id'] = resource.id ?? versionPath;
    await summary(host, plan, outputs, gateLine);
    return outputs;
  },
};

function versionBody(
  host: Host,
  plan: Plan,
  source: ResolvedSource,
  metrics: Record<string, number>,
): { properties: Record<string, unknown> } {
  const run = host.ciRun?.() ?? {};
  const lineage: Record<string, string | undefined> = {
    source_job: source.jobName,
    git_commit: run.commit,
    ci_run_url: run.runUrl,
  };
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries(lineage)) if (v) tags[k] = v;
  if (plan.gate && metrics[plan.gate.metric] !== undefined) {
    tags[`metric.${plan.gate.metric}`] = String(metrics[plan.gate.metric]);
  }
  Object.assign(tags, plan.tags);
  const properties: Record<string, unknown> = {
    description: plan.description,
    tags,
    properties: { ...plan.properties, [SOURCE_PROPERTY]: source.sourceKey },
    isAnonymous: false,
    isArchived: false,
    modelType: source.type,
    modelUri: source.modelUri,
  };
  if (source.jobName) properties.jobName = source.jobName;
  if (plan.stage) properties.stage = plan.stage;
  for (const [k, v] of Object.entries(properties)) if (v === undefined) delete properties[k];
  return { properties };
}

async function uploadModel(ctx: AmlContext, host: Host, upload: NonNullable<ResolvedSource['upload']>): Promise<void> {
  const ds = await openBlobDatastore(ctx, host, UPLOAD_DATASTORE);
  // Content-named: files already there (an earlier run that stopped before registering) are not sent again.
  const first = await ds.container.listBlobsFlat({ prefix: `${upload.prefix}/` }).next();
  if (!first.done) return;
  host.info(`Uploading ${upload.files.length} file(s) to ${UPLOAD_DATASTORE}/${upload.prefix}`);
  await uploadFiles(ds.container, upload.root, upload.files, upload.prefix, { signal: host.signal });
}

/** The baseline's value: the tag this step wrote when it registered it, else its job's metrics. */
async function baselineMetric(
  ctx: AmlContext,
  baseline: ModelVersionResource,
  metric: string,
): Promise<number | undefined> {
  const tag = baseline.properties?.tags?.[`metric.${metric}`];
  if (tag !== undefined && tag !== '' && Number.isFinite(Number(tag))) return Number(tag);
  const job = baseline.properties?.jobName ?? baseline.properties?.tags?.source_job;
  if (!job) return undefined;
  try {
    return (await readJobMetrics(ctx, job))[metric];
  } catch {
    return undefined;
  }
}

/** Puts the baseline tag on this version and takes it off every other version. */
async function moveBaseline(
  ctx: AmlContext,
  host: Host,
  plan: Plan,
  modelPath: string,
  versions: ModelVersionResource[],
  resource: ModelVersionResource,
  version: string,
): Promise<void> {
  const tag = plan.baselineTag;
  const put = async (v: ModelVersionResource, tags: Record<string, string>) => {
    const body = versionBodyFrom(v);
    body.properties.tags = tags;
    try {
      await ctx.arm.request('PUT', `${modelPath}/versions/${encodeURIComponent(v.name ?? '')}`, body);
    } catch (err) {
      throw explainArmError(err, ctx, `model ${plan.name}:${v.name}`);
    }
  };
  for (const v of versions) {
    if (v.name === version || !tagged(v, tag)) continue;
    const tags = { ...(v.properties?.tags ?? {}) };
    delete tags[tag.key];
    await put(v, tags);
    host.info(`Removed ${tag.key}=${tag.value} from ${plan.name}:${v.name}`);
  }
  if (!tagged(resource, tag)) {
    await put({ ...resource, name: version }, { ...(resource.properties?.tags ?? {}), [tag.key]: tag.value });
    host.info(`Tagged ${plan.name}:${version} ${tag.key}=${tag.value}`);
  }
}

async function summary(host: Host, plan: Plan, outputs: Record<string, string>, gateLine?: string): Promise<void> {
  const icon = outputs.action === 'skipped' ? '⏭️' : '✅';
  const title =
    outputs.action === 'skipped'
      ? `### ${icon} Model \`${plan.name}\` not registered (gate)`
      : `### ${icon} Model \`${plan.name}:${outputs['model-version']}\` ${outputs.action}`;
  const lines = [title, ''];
  if (gateLine) lines.push(gateLine, '');
  await host.appendSummary(lines.join('\n'));
}
