import * as fs from 'node:fs';
import type { SourceLocation } from '../../host';
import {
  codeConfiguration,
  environmentSpec,
  localModelFields,
  yamlRoot,
  type CodeSpec,
} from '../deployments/yaml-fields';
import { Fields } from '../jobs/fields';
import type { EnvironmentSource } from '../jobs/model';
import { YamlSource } from '../jobs/yaml-source';

/** A batch endpoint as `az ml batch-endpoint create -f` reads it. */
export interface BatchEndpointSpec {
  name: string;
  description?: string;
  tags: Record<string, string>;
  properties: Record<string, string>;
  defaultDeployment?: string;
  where: SourceLocation;
}

export type ModelSource =
  | { kind: 'reference'; ref: string; where: SourceLocation }
  | { kind: 'local'; path: string; type: string; name?: string; version?: string; where: SourceLocation };

export type EnvironmentSpec = EnvironmentSource;

interface DeploymentCommon {
  name: string;
  endpointName?: string;
  description?: string;
  tags: Record<string, string>;
  properties: Record<string, string>;
  where: SourceLocation;
}

/** A model deployment (az ml's batchDeployment / modelBatchDeployment schema). */
export interface ModelDeploymentSpec extends DeploymentCommon {
  type: 'model';
  model: ModelSource;
  code?: CodeSpec;
  environment?: EnvironmentSpec;
  compute: string;
  instanceCount?: number;
  instanceType?: string;
  miniBatchSize?: number;
  outputAction?: 'AppendRow' | 'SummaryOnly';
  outputFileName?: string;
  errorThreshold?: number;
  loggingLevel?: string;
  maxConcurrencyPerInstance?: number;
  retry?: { maxRetries?: number; timeoutSeconds?: number };
  environmentVariables?: Record<string, string>;
}

/**
 * Where a pipeline component deployment's component comes from: a registered component, a local
 * pipeline component file (registered with its child components, as az ml does), or an existing
 * pipeline job (job_definition; Azure ML makes the component from the job).
 */
export type PipelineComponentSource =
  | { kind: 'reference'; ref: string; where: SourceLocation }
  | { kind: 'file'; path: string; where: SourceLocation }
  | { kind: 'job'; job: string; where: SourceLocation };

/** A pipeline component deployment (pipelineComponentBatchDeployment schema). */
export interface PipelineDeploymentSpec extends DeploymentCommon {
  type: 'pipeline';
  component: PipelineComponentSource;
  settings: Record<string, string>;
}

export type DeploymentSpec = ModelDeploymentSpec | PipelineDeploymentSpec;

const NAME = /^[a-zA-Z][a-zA-Z0-9-]{1,30}[a-zA-Z0-9]$/;

function checkName(f: Fields, key: string, what: string): string {
  const name = f.str(key, true)!;
  if (!NAME.test(name)) {
    throw f.error(
      key,
      `'${name}' is not a valid ${what} name: 3 to 32 letters, digits and '-', starting with a letter and ending with a letter or digit`,
    );
  }
  return name;
}

export function loadBatchEndpoint(file: string, cwd: string, nameOverride?: string): BatchEndpointSpec {
  const src = YamlSource.load(file, cwd);
  const f = yamlRoot(src, 'batch endpoint').allowOnly([
    '$schema',
    'name',
    'description',
    'tags',
    'properties',
    'auth_mode',
    'defaults',
    'location',
    'identity',
  ]);
  const auth = f.str('auth_mode');
  if (auth !== undefined && auth.toLowerCase() !== 'aad_token') {
    throw f.error('auth_mode', `batch endpoints support only auth_mode aad_token, got '${auth}'`);
  }
  if (f.has('identity')) {
    throw f.error('identity', 'not supported yet: an identity on a batch endpoint', 'Leave identity out.');
  }
  const defaults = f.sub('defaults', "'defaults'")?.allowOnly(['deployment_name']);
  return {
    name: nameOverride ?? checkName(f, 'name', 'endpoint'),
    description: f.str('description'),
    tags: f.stringMap('tags'),
    properties: f.stringMap('properties'),
    defaultDeployment: defaults?.str('deployment_name'),
    where: f.where,
  };
}

const SETTING_KEYS = [
  'mini_batch_size',
  'output_action',
  'output_file_name',
  'error_threshold',
  'logging_level',
  'max_concurrency_per_instance',
  'retry_settings',
  'environment_variables',
];
const MODEL_KEYS = [
  '$schema',
  'name',
  'endpoint_name',
  'type',
  'description',
  'tags',
  'properties',
  'model',
  'code_configuration',
  'environment',
  'compute',
  'resources',
  'settings',
  // The older schema puts the settings at the top level.
  ...SETTING_KEYS,
];

export function loadBatchDeployment(file: string, cwd: string): DeploymentSpec {
  const src = YamlSource.load(file, cwd);
  const top = yamlRoot(src, 'batch deployment');
  const type =
    top.enumStr('type', ['model', 'pipeline'] as const) ??
    (top.has('component') || top.has('job_definition') ? 'pipeline' : 'model');
  if (type === 'pipeline') return pipelineDeployment(top);
  top.allowOnly(MODEL_KEYS);
  const common = deploymentCommon(top);
  const settings = top.sub('settings', "'settings'")?.allowOnly(SETTING_KEYS);
  for (const key of SETTING_KEYS) {
    if (settings && top.has(key)) throw top.error(key, `'${key}' is given both here and under 'settings'; keep one`);
  }
  const s = settings ?? top;
  const retry = s.sub('retry_settings', "'retry_settings'")?.allowOnly(['max_retries', 'timeout']);
  const resources = top.sub('resources', "'resources'")?.allowOnly(['instance_count', 'instance_type', 'properties']);
  const code = codeConfiguration(top);
  const compute = top.str('compute');
  if (!compute)
    throw top.error(undefined, "missing 'compute' in batch deployment (a compute cluster, e.g. azureml:cpu-cluster)");
  const model = modelSource(top);
  const environment = environmentSpec(top);
  if (code && !environment)
    throw top.error('code_configuration', "a deployment with a scoring script needs an 'environment'");
  if (!code && model.kind === 'local' && model.type !== 'mlflow_model') {
    throw top.error('model', "only MLflow models deploy without a scoring script: add 'code_configuration'");
  }
  const outputAction = s.enumStr('output_action', ['append_row', 'summary_only'] as const);
  return {
    ...common,
    type: 'model',
    model,
    code,
    environment,
    compute,
    instanceCount: resources?.num('instance_count', { integer: true, min: 1 }),
    instanceType: resources?.str('instance_type'),
    miniBatchSize: s.num('mini_batch_size', { integer: true, min: 1 }),
    outputAction: outputAction === undefined ? undefined : outputAction === 'append_row' ? 'AppendRow' : 'SummaryOnly',
    outputFileName: s.str('output_file_name'),
    errorThreshold: s.num('error_threshold', { integer: true, min: -1 }),
    loggingLevel: s.enumStr('logging_level', ['info', 'warning', 'debug'] as const),
    maxConcurrencyPerInstance: s.num('max_concurrency_per_instance', { integer: true, min: 1 }),
    retry: retry
      ? {
          maxRetries: retry.num('max_retries', { integer: true, min: 0 }),
          timeoutSeconds: retry.num('timeout', { integer: true, min: 1 }),
        }
      : undefined,
    environmentVariables: s.has('environment_variables') ? s.stringMap('environment_variables') : undefined,
  };
}

function deploymentCommon(f: Fields): DeploymentCommon {
  return {
    name: checkName(f, 'name', 'deployment'),
    endpointName: f.str('endpoint_name'),
    description: f.str('description'),
    tags: f.stringMap('tags'),
    properties: f.stringMap('properties'),
    where: f.where,
  };
}

function pipelineDeployment(f: Fields): PipelineDeploymentSpec {
  f.allowOnly([
    '$schema',
    'name',
    'endpoint_name',
    'type',
    'description',
    'tags',
    'component',
    'settings',
    'job_definition',
  ]);
  const component = pipelineComponentSource(f);
  const settings = f.sub('settings', "'settings'");
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(settings?.data ?? {})) {
    if (v === null) continue;
    if (typeof v === 'object' && !(v && 'value' in (v as object)))
      throw settings!.error(k, `'settings.${k}' must be a plain value`);
    out[k] = String(typeof v === 'object' ? (v as { value: number }).value : v);
  }
  return {
    ...deploymentCommon(f),
    type: 'pipeline',
    component,
    settings: out,
  };
}

function pipelineComponentSource(f: Fields): PipelineComponentSource {
  const hasComponent = f.has('component');
  const hasJob = f.has('job_definition');
  if (hasComponent && hasJob) {
    throw f.error('job_definition', "give either 'component' or 'job_definition', not both");
  }
  if (hasJob) {
    const raw = f.raw('job_definition');
    const where = f.src.locate(f.path('job_definition'));
    if (typeof raw !== 'string') {
      throw f.error(
        'job_definition',
        'not supported yet: a pipeline job written here or read from a file',
        "Submit the job first (submit-job) and use 'job_definition: azureml:<job name>'.",
      );
    }
    const job = raw.replace(/^azureml:/, '').replace(/^.*\/jobs\//, '');
    if (!/^[\w.-]+$/.test(job))
      throw f.error('job_definition', `'${raw}' is not a job reference: use azureml:<job name>`);
    return { kind: 'job', job, where };
  }
  const raw = f.raw('component');
  if (raw === undefined) {
    throw f.error(
      undefined,
      "missing 'component' in pipeline component deployment",
      "Name a pipeline component file, azureml:<name>@latest, azureml:<name>:<version>, or an existing job with 'job_definition'.",
    );
  }
  const where = f.src.locate(f.path('component'));
  if (typeof raw !== 'string') {
    throw f.error(
      'component',
      'not supported yet: a pipeline component written inline',
      'Put it in its own file and name the file here (component: pipeline.yml).',
    );
  }
  if (/^(azureml:|\/subscriptions\/)/.test(raw)) return { kind: 'reference', ref: raw, where };
  if (/^[a-z][\w+.-]*:\/\//i.test(raw)) {
    throw f.error(
      'component',
      `'${raw}' is not a component: use a local file, azureml:<name>@latest or azureml:<name>:<version>`,
    );
  }
  const file = f.src.resolvePath(raw.replace(/^file:/, ''));
  let isFile = false;
  try {
    isFile = fs.statSync(file).isFile();
  } catch {
    // reported below
  }
  if (!isFile) {
    throw f.error(
      'component',
      `pipeline component file '${raw}' not found`,
      'Give the path of the pipeline component YAML relative to this file, or azureml:<name>@latest for a registered one.',
    );
  }
  return { kind: 'file', path: file, where };
}

function modelSource(f: Fields): ModelSource {
  const raw = f.raw('model');
  if (raw === undefined) throw f.error(undefined, "missing 'model' in batch deployment");
  const where = f.src.locate(f.path('model'));
  if (typeof raw === 'string') {
    if (/^(azureml:|\/subscriptions\/)/.test(raw)) return { kind: 'reference', ref: raw, where };
    throw f.error(
      'model',
      `'${raw}' is not a model reference: use azureml:<name>:<version>, azureml:<name>@latest, or a mapping with 'path'`,
    );
  }
  const {
    fields: m,
    path,
    type,
  } = localModelFields(f, ['$schema', 'name', 'version', 'type', 'path', 'description', 'tags', 'properties']);
  const name = m.str('name');
  const version = m.raw('version');
  return {
    kind: 'local',
    path,
    type,
    name,
    version: version === undefined || version === null ? undefined : String(version),
    where,
  };
}
