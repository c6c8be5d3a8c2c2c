import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadAutoMLTask } from './automl';
import { Fields, seconds } from './fields';
import {
  DATA_TYPES,
  INPUT_MODES,
  LITERAL_TYPES,
  OUTPUT_MODES,
  type CodeSource,
  type AnyComponent,
  type ComponentHeader,
  type AutoMLJob,
  type AutoMLStep,
  type CommandComponent,
  type CommandJob,
  type CommandSpec,
  type CommandStep,
  type ComponentSource,
  type DataType,
  type Distribution,
  type EarlyTermination,
  type EnvironmentSource,
  type Identity,
  type JobCommon,
  type JobDefinition,
  type JobInput,
  type OutputValue,
  type ParallelComponent,
  type ParallelSettings,
  type ParallelStep,
  type ParallelTask,
  type PipelineComponent,
  type PipelineComponentStep,
  type PipelineJob,
  type PipelineSettings,
  type PipelineStep,
  type PortDefinition,
  type PyNumber,
  type QueueSettings,
  type Resources,
  type SamplingAlgorithm,
  type SearchDistribution,
  type Service,
  type SparkEntry,
  type SparkJob,
  type SparkComponent,
  type SparkSpec,
  type SparkStep,
  type SweepJob,
  type SweepSettings,
  type SweepStep,
} from './model';
import { PyFloat, type PyValue } from './python-compat';
import { isPyMap, YamlSource, type KeyPath } from './yaml-source';

export interface LoadOptions {
  /** az ml `--set key.sub=value` overrides, applied before validation. */
  overrides?: readonly string[];
  /** Top-level fields taken as literal text (after the overrides), and how messages name their origin. */
  literals?: { fields: Record<string, string | undefined>; origin: (key: string) => string };
  /** Folder that file names in messages are relative to. */
  cwd?: string;
}

/** Job types az ml knows that this translation does not cover (yet). */
const OTHER_JOB_TYPES = ['parallel', 'import', 'data_transfer', 'finetuning', 'distillation'];
const BINDING = /^\$\{\{.+\}\}$/s;
export const isBinding = (v: unknown): v is string => typeof v === 'string' && BINDING.test(v.trim());

const BASE_JOB_KEYS = [
  '$schema',
  'name',
  'type',
  'display_name',
  'description',
  'tags',
  'properties',
  'experiment_name',
  'compute',
  'services',
  'identity',
  'queue_settings',
];
const IO_KEYS = ['inputs', 'outputs'];
const COMMAND_KEYS = ['command', 'code', 'environment', 'environment_variables', 'distribution', 'resources'];
const SWEEP_KEYS = ['trial', 'sampling_algorithm', 'search_space', 'objective', 'limits', 'early_termination'];
const KEYS = {
  command: [...BASE_JOB_KEYS, ...IO_KEYS, ...COMMAND_KEYS, 'limits'],
  sweep: [...BASE_JOB_KEYS, ...IO_KEYS, ...SWEEP_KEYS, 'resources'],
  pipeline: [...BASE_JOB_KEYS, ...IO_KEYS, 'jobs', 'settings'],
};
const STEP_COMMON_KEYS = [
  'type',
  'name',
  'display_name',
  'description',
  'tags',
  'properties',
  'compute',
  'identity',
  'queue_settings',
  'inputs',
  'outputs',
  'experiment_name',
  'comment',
];
const COMMAND_STEP_KEYS = [
  ...STEP_COMMON_KEYS,
  '$schema',
  'component',
  'environment_variables',
  'resources',
  'distribution',
  'limits',
  'services',
  'command',
  'code',
  'environment',
];
const SWEEP_STEP_KEYS = [...STEP_COMMON_KEYS, ...SWEEP_KEYS, 'resources'];
const COMPONENT_KEYS = [
  '$schema',
  'name',
  'version',
  'display_name',
  'description',
  'tags',
  'type',
  'is_deterministic',
  'inputs',
  'outputs',
  ...COMMAND_KEYS.filter((k) => k !== 'environment_variables'),
  'properties',
];

/** Reads, overrides and validates a job YAML file. */
export function loadJob(file: string, options: LoadOptions = {}): JobDefinition {
  const src = YamlSource.load(file, options.cwd);
  return jobFromSource(src, options);
}

/** Same as loadJob for YAML text; `file` names the file in messages and anchors relative paths. */
export function parseJob(text: string, file: string, options: LoadOptions = {}): JobDefinition {
  return jobFromSource(YamlSource.parse(text, file, file), options);
}

function jobFromSource(src: YamlSource, options: LoadOptions): JobDefinition {
  if (!isPyMap(src.data)) throw src.error([], 'a job YAML must be a mapping');
  src.applyOverrides(options.overrides ?? []);
  if (options.literals) src.applyLiterals(options.literals.fields, options.literals.origin);
  const f = Fields.of(src, [], 'the job');
  const type = (f.str('type') ?? 'command').toLowerCase();
  if (OTHER_JOB_TYPES.includes(type)) {
    throw f.error(
      'type',
      `not supported yet: ${type} jobs`,
      'submit-job translates command, sweep, pipeline, spark and automl jobs; submit this one with az ml for now.',
    );
  }
  if (type === 'command') return commandJob(f);
  if (type === 'sweep') return sweepJob(f);
  if (type === 'pipeline') return pipelineJob(f);
  if (type === 'spark') return sparkJob(f);
  if (type === 'automl') return automlJob(f);
  throw f.error('type', `unknown job type '${type}'`, 'Use command, sweep, pipeline, spark or automl.');
}

// ---------------------------------------------------------------------------------------------

function common(f: Fields): JobCommon {
  return {
    name: f.str('name'),
    displayName: f.str('display_name'),
    description: f.str('description'),
    tags: f.stringMap('tags'),
    properties: f.stringMap('properties'),
    experimentName: f.str('experiment_name'),
    compute: compute(f, 'compute'),
    identity: identity(f),
    services: services(f),
    queueSettings: queueSettings(f),
    baseDir: f.src.dir,
    where: f.where,
  };
}

function commandJob(f: Fields): CommandJob {
  f.allowOnly(KEYS.command);
  const limits = f.sub('limits', "'limits'")?.allowOnly(['timeout']);
  return {
    type: 'command',
    ...common(f),
    ...commandSpec(f, true),
    inputs: inputs(f),
    outputs: outputs(f),
    timeoutSeconds: limits ? seconds(limits, 'timeout') : undefined,
  };
}

function sweepJob(f: Fields): SweepJob {
  f.allowOnly(KEYS.sweep);
  return {
    type: 'sweep',
    ...common(f),
    ...sweepSettings(f),
    inputs: inputs(f),
    outputs: outputs(f),
    trial: trial(f),
    resources: resources(f),
  };
}

function pipelineJob(f: Fields): PipelineJob {
  f.allowOnly(KEYS.pipeline);
  const jobsMap = f.map('jobs');
  if (!jobsMap || Object.keys(jobsMap).length === 0) throw f.error(undefined, "a pipeline job needs 'jobs'");
  const jobs: Record<string, PipelineStep> = {};
  for (const name of Object.keys(jobsMap)) jobs[name] = step(Fields.of(f.src, ['jobs', name], `step '${name}'`));
  return {
    type: 'pipeline',
    ...common(f),
    inputs: inputs(f, true),
    outputs: outputs(f),
    settings: settings(f),
    jobs,
  };
}

function settings(f: Fields): PipelineSettings {
  const s = f.sub('settings', "'settings'");
  if (!s) return {};
  // az ml keeps settings it does not know (its schema includes unknown keys) and sends them as given.
  const known = [
    'default_compute',
    'default_datastore',
    'continue_on_step_failure',
    'force_rerun',
    'default_environment',
    'on_init',
    'on_finalize',
  ];
  const extra = Object.fromEntries(Object.entries(s.data).filter(([k, v]) => !known.includes(k) && v !== null));
  const datastore = s.str('default_datastore');
  return {
    extra,
    defaultCompute: compute(s, 'default_compute'),
    defaultDatastore: datastore?.replace(/^azureml:/, ''),
    continueOnStepFailure: s.bool('continue_on_step_failure'),
    forceRerun: s.bool('force_rerun'),
    defaultEnvironment: s.str('default_environment'),
    onInit: s.str('on_init'),
    onFinalize: s.str('on_finalize'),
  };
}

function step(f: Fields): PipelineStep {
  const type = (f.str('type') ?? 'command').toLowerCase();
  if (type === 'command') return commandStep(f);
  if (type === 'sweep') return sweepStep(f);
  if (type === 'parallel') return parallelStep(f);
  if (type === 'pipeline') return pipelineComponentStep(f);
  if (type === 'automl') return automlStep(f);
  if (type === 'spark') return sparkStep(f);
  const known = ['import', 'data_transfer', 'flow_parallel'];
  if (known.includes(type)) {
    throw f.error(
      'type',
      `not supported yet: ${type} steps in pipeline jobs`,
      'submit-job translates command, sweep, parallel, pipeline, automl and spark steps; submit this pipeline with az ml for now.',
    );
  }
  throw f.error('type', `unknown step type '${type}'`, 'Use command, sweep, parallel, pipeline, automl or spark.');
}

function stepCommon(f: Fields) {
  return {
    displayName: f.str('display_name'),
    description: f.str('description'),
    tags: f.stringMap('tags'),
    properties: f.stringMap('properties'),
    compute: compute(f, 'compute'),
    identity: identity(f),
    queueSettings: queueSettings(f),
    inputs: inputs(f),
    outputs: outputs(f),
    where: f.where,
  };
}

function commandStep(f: Fields): CommandStep {
  f.allowOnly(COMMAND_STEP_KEYS);
  const limits = f.sub('limits', "'limits'")?.allowOnly(['timeout']);
  let component: ComponentSource;
  let source: CommandStep['source'];
  if (f.has('component')) {
    for (const key of ['command', 'code', 'environment']) {
      if (f.has(key)) throw f.error(key, `'${key}' cannot be combined with 'component' in ${f.what}`);
    }
    component = componentSource(f, 'component');
    source = component.kind === 'anonymous' ? component.component.source : 'YAML.COMPONENT';
  } else {
    // An inline command step: azure-ai-ml turns it into an anonymous component named by the step.
    const spec = commandSpec(f, true);
    const stepName = String(f.at[f.at.length - 1]);
    component = {
      kind: 'anonymous',
      where: f.where,
      component: {
        ...spec,
        environmentVariables: {},
        displayName: stepName,
        tags: {},
        inputs: {},
        outputs: {},
        source: 'YAML.JOB',
        where: f.where,
      },
    };
    source = 'YAML.JOB';
  }
  return {
    type: 'command',
    ...stepCommon(f),
    component,
    source,
    environmentVariables: f.stringMap('environment_variables'),
    distribution: distribution(f),
    resources: resources(f),
    timeoutSeconds: limits ? seconds(limits, 'timeout') : undefined,
    services: services(f),
  };
}

function sweepStep(f: Fields): SweepStep {
  f.allowOnly(SWEEP_STEP_KEYS);
  return { type: 'sweep', ...stepCommon(f), ...sweepSettings(f), trial: trial(f), resources: resources(f) };
}

// ---------------------------------------------------------------------------------------------
// command parts

function commandSpec(f: Fields, needsEnvironment: boolean): CommandSpec {
  const command = f.str('command');
  if (!command) throw f.error(undefined, `missing 'command' in ${f.what}`);
  const environment = environmentSource(f);
  if (!environment && needsEnvironment) throw f.error(undefined, `missing 'environment' in ${f.what}`);
  return {
    command,
    code: codeSource(f),
    environment,
    environmentVariables: f.stringMap('environment_variables'),
    distribution: distribution(f),
    resources: resources(f),
  };
}

function codeSource(f: Fields): CodeSource | undefined {
  const code = f.str('code');
  if (code === undefined) return undefined;
  const where = f.src.locate(f.path('code'));
  if (/^azureml:/.test(code) && !code.startsWith('azureml://datastores/')) {
    return { kind: 'reference', ref: code, where };
  }
  if (/^(https?|wasbs?|abfss?|adl|git\+\w+):/.test(code) || code.startsWith('azureml://')) {
    return { kind: 'remote', uri: code, where };
  }
  return { kind: 'local', path: f.src.resolvePath(code), where };
}

function environmentSource(f: Fields): EnvironmentSource | undefined {
  const raw = f.raw('environment');
  if (raw === undefined) return undefined;
  const where = f.src.locate(f.path('environment'));
  let e: Fields;
  if (typeof raw === 'string' && raw.startsWith('file:')) {
    // az ml reads the environment file and sends it as an inline (anonymous) environment; its
    // name and version are not used, its paths are relative to that file.
    let file: YamlSource;
    try {
      file = YamlSource.load(f.src.resolvePath(raw.slice('file:'.length)));
    } catch (err) {
      throw f.error(
        'environment',
        `cannot read environment file '${raw}'`,
        err instanceof Error ? err.message : undefined,
      );
    }
    e = Fields.of(file, [], `environment file '${raw}'`);
  } else if (typeof raw === 'string') {
    return { kind: 'reference', ref: raw, where };
  } else {
    e = Fields.of(f.src, f.path('environment'), "'environment'", raw);
  }
  e.allowOnly([
    '$schema',
    'name',
    'version',
    'description',
    'tags',
    'properties',
    'image',
    'conda_file',
    'build',
    'os_type',
    'inference_config',
    'datastore',
  ]);
  const build = e.sub('build', "'environment.build'")?.allowOnly(['path', 'dockerfile_path']);
  const image = e.str('image');
  if (!image && !build) throw e.error(undefined, "an inline environment needs 'image' or 'build'");
  if (image && build) throw e.error('build', "an inline environment takes 'image' or 'build', not both");
  let conda: PyValue | undefined = e.raw('conda_file');
  if (typeof conda === 'string') conda = readConda(e, conda);
  else if (conda !== undefined && !isPyMap(conda))
    throw e.error('conda_file', "'conda_file' must be a file or a mapping");
  let buildSpec: { path: string; dockerfilePath?: string; local: boolean } | undefined;
  if (build) {
    const p = build.str('path', true) as string;
    const remote = /^(https?|wasbs?|abfss?|azureml):/.test(p);
    buildSpec = {
      path: remote ? p : e.src.resolvePath(p),
      dockerfilePath: build.str('dockerfile_path'),
      local: !remote,
    };
  }
  return {
    kind: 'inline',
    image,
    conda,
    build: buildSpec,
    description: e.str('description'),
    tags: e.has('tags') ? e.stringMap('tags') : undefined,
    osType: e.str('os_type'),
    inferenceConfig: inferenceConfigOf(e),
    where,
  };
}

/** az ml's schema: all three routes, each with a whole-number port and a path. */
function inferenceConfigOf(e: Fields): PyValue | undefined {
  const config = e.sub('inference_config', "'environment.inference_config'");
  if (!config) return undefined;
  const routes = ['liveness_route', 'readiness_route', 'scoring_route'];
  config.allowOnly(routes);
  for (const route of routes) {
    if (!config.has(route)) throw config.error(undefined, `missing '${route}' in 'environment.inference_config'`);
    const r = config.sub(route, `'environment.inference_config.${route}'`)!.allowOnly(['port', 'path']);
    r.require('port');
    r.num('port', { integer: true, min: 0 });
    r.str('path', true);
  }
  return config.data;
}

function readConda(e: Fields, file: string): PyValue {
  let conda: YamlSource;
  try {
    conda = YamlSource.load(e.src.resolvePath(file));
  } catch (err) {
    throw e.error('conda_file', `cannot read conda file '${file}'`, err instanceof Error ? err.message : undefined);
  }
  if (!isPyMap(conda.data)) throw e.error('conda_file', `conda file '${file}' must be a YAML mapping`);
  return conda.data;
}

function distribution(f: Fields): Distribution | undefined {
  const d = f.sub('distribution', "'distribution'");
  if (!d) return undefined;
  const type = d.enumStr('type', ['pytorch', 'mpi', 'tensorflow'] as const, true) as Distribution['type'];
  if (type === 'tensorflow') {
    d.allowOnly(['type', 'parameter_server_count', 'worker_count']);
    return {
      type,
      parameterServerCount: d.num('parameter_server_count', { integer: true, min: 0 }) ?? 0,
      workerCount: d.num('worker_count', { integer: true, min: 0 }),
    };
  }
  d.allowOnly(['type', 'process_count_per_instance']);
  return { type, processCountPerInstance: d.num('process_count_per_instance', { integer: true, min: 1 }) };
}

function resources(f: Fields): Resources | undefined {
  const r = f.sub('resources', "'resources'");
  if (!r) return undefined;
  r.allowOnly(['instance_count', 'instance_type', 'shm_size', 'docker_args', 'properties', 'locations']);
  const locations = r.raw('locations');
  if (locations !== undefined && !(Array.isArray(locations) && locations.every((l) => typeof l === 'string'))) {
    throw r.error('locations', "'locations' must be a list of region names");
  }
  return {
    instanceCount: r.num('instance_count', { integer: true, min: 1 }),
    instanceType: r.str('instance_type'),
    shmSize: r.str('shm_size'),
    dockerArgs: r.str('docker_args'),
    properties: r.map('properties'),
    locations: locations as string[] | undefined,
  };
}

function compute(f: Fields, key: string): string | undefined {
  const c = f.str(key);
  if (c === undefined) return undefined;
  const name = c.replace(/^azureml:/, '');
  if (!name.trim())
    throw f.error(key, `'${key}' names no compute`, 'Name a compute target, or leave it out for serverless.');
  return name;
}

function identity(f: Fields): Identity | undefined {
  const i = f.sub('identity', "'identity'");
  if (!i) return undefined;
  const type = i.enumStr('type', ['user_identity', 'managed', 'managed_identity', 'aml_token'] as const, true);
  if (type === 'managed' || type === 'managed_identity') {
    i.allowOnly(['type', 'client_id', 'object_id', 'msi_resource_id', 'resource_id']);
    return {
      type: 'managed',
      clientId: i.str('client_id'),
      objectId: i.str('object_id'),
      resourceId: i.str('msi_resource_id') ?? i.str('resource_id'),
    };
  }
  i.allowOnly(['type']);
  return { type: type as 'user_identity' | 'aml_token' };
}

function services(f: Fields): Record<string, Service> | undefined {
  const m = f.map('services');
  if (!m) return undefined;
  const out: Record<string, Service> = {};
  for (const name of Object.keys(m)) {
    const s = Fields.of(f.src, f.path('services').concat(name), `service '${name}'`);
    s.allowOnly(['type', 'job_service_type', 'nodes', 'port', 'ssh_public_keys', 'log_dir', 'properties']);
    const typeKey = s.has('type') ? 'type' : 'job_service_type';
    const type = s.enumStr(
      typeKey,
      ['jupyter_lab', 'ssh', 'tensor_board', 'vs_code'] as const,
      true,
    ) as Service['type'];
    out[name] = {
      type,
      nodes: s.str('nodes'),
      port: s.num('port', { integer: true, min: 1 }),
      sshPublicKeys: s.str('ssh_public_keys'),
      logDir: s.str('log_dir'),
      properties: s.has('properties') ? s.stringMap('properties') : undefined,
    };
  }
  return out;
}

function queueSettings(f: Fields): QueueSettings | undefined {
  const q = f.sub('queue_settings', "'queue_settings'");
  if (!q) return undefined;
  q.allowOnly(['job_tier', 'priority']);
  return {
    jobTier: q.enumStr('job_tier', ['null', 'spot', 'basic', 'standard', 'premium'] as const),
    priority: q.enumStr('priority', ['low', 'medium', 'high'] as const),
  };
}

// ---------------------------------------------------------------------------------------------
// inputs and outputs

function inputs(f: Fields, pipelineLevel = false): Record<string, JobInput> {
  const m = f.map('inputs');
  const out: Record<string, JobInput> = {};
  if (!m) return out;
  for (const [name, raw] of Object.entries(m)) {
    const at = [...f.path('inputs'), name];
    const keyPattern = pipelineLevel ? /^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$/ : /^[A-Za-z_]\w*$/;
    if (!keyPattern.test(name)) {
      throw f.src.keyError(at, `input name '${name}' may contain only letters, digits and underscores`);
    }
    out[name] = input(f.src, at, raw);
  }
  return out;
}

function input(src: YamlSource, at: KeyPath, raw: PyValue): JobInput {
  const where = src.locate(at);
  if (isBinding(raw)) return { kind: 'binding', expr: raw.trim(), where };
  if (!isPyMap(raw)) return { kind: 'literal', value: raw, where };
  const f = Fields.of(src, at, `input '${at[at.length - 1]}'`, raw);
  f.allowOnly(['type', 'path', 'mode', 'datastore', 'description', 'value', 'default', 'optional']);
  const type = f.str('type')?.toLowerCase();
  const mode = f.enumStr('mode', INPUT_MODES);
  const path = f.str('path');
  if (path !== undefined && isBinding(path)) return { kind: 'binding', expr: path.trim(), mode, type, where };
  if (type && (LITERAL_TYPES as readonly string[]).includes(type)) {
    const value = f.raw('value') ?? f.raw('default') ?? null;
    if (isBinding(value)) return { kind: 'binding', expr: value.trim(), mode, where };
    return { kind: 'literal', value, where };
  }
  if (!type) {
    if (f.has('value') && isBinding(f.raw('value'))) {
      return { kind: 'binding', expr: String(f.raw('value')).trim(), mode, where };
    }
    if (path === undefined) throw f.error(undefined, `input '${at[at.length - 1]}' needs 'type' and 'path'`);
  }
  const dataType = (type ?? 'uri_folder') as DataType;
  if (!(DATA_TYPES as readonly string[]).includes(dataType)) {
    throw f.error(
      'type',
      `unknown input type '${type}'`,
      `Use one of ${[...DATA_TYPES, ...LITERAL_TYPES].join(', ')}.`,
    );
  }
  if (path === undefined) throw f.error(undefined, `input '${at[at.length - 1]}' of type ${dataType} needs 'path'`);
  return { kind: 'data', type: dataType, path, mode, datastore: f.str('datastore'), where };
}

function outputs(f: Fields): Record<string, OutputValue> {
  const m = f.map('outputs');
  const out: Record<string, OutputValue> = {};
  if (!m) return out;
  for (const [name, raw] of Object.entries(m)) {
    const at = [...f.path('outputs'), name];
    if (!/^[A-Za-z_]\w*$/.test(name)) {
      throw f.src.keyError(at, `output name '${name}' may contain only letters, digits and underscores`);
    }
    const where = f.src.locate(at);
    if (raw === null || raw === undefined) {
      out[name] = { kind: 'output', unset: true, where };
      continue;
    }
    if (isBinding(raw)) {
      out[name] = { kind: 'binding', expr: raw.trim(), where };
      continue;
    }
    const o = Fields.of(f.src, at, `output '${name}'`, raw);
    o.allowOnly(['type', 'path', 'mode', 'name', 'version', 'description']);
    const mode = o.enumStr('mode', OUTPUT_MODES);
    const path = o.str('path');
    if (path !== undefined && isBinding(path)) {
      out[name] = { kind: 'binding', expr: path.trim(), mode, where };
      continue;
    }
    const type = o.enumStr('type', DATA_TYPES);
    out[name] = {
      kind: 'output',
      type,
      path,
      mode,
      name: o.str('name'),
      version: o.str('version'),
      description: o.str('description'),
      where,
    };
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// components

function componentSource(f: Fields, key: string): ComponentSource {
  return typedComponentSource(f, key, 'command') as ComponentSource;
}

/** A step's `component`: a reference, a component file or an inline mapping of the type the step has. */
function typedComponentSource<C extends AnyComponent>(
  f: Fields,
  key: string,
  type: NonNullable<AnyComponent['componentType']>,
): ComponentSource<C> {
  const raw = f.raw(key);
  const where = f.src.locate(f.path(key));
  if (typeof raw === 'string') {
    if (raw.startsWith('azureml:')) return { kind: 'reference', ref: raw, where };
    if (raw.startsWith('/subscriptions/')) return { kind: 'reference', ref: raw, where };
    let file: YamlSource;
    try {
      file = YamlSource.load(f.src.resolvePath(raw.replace(/^file:/, '')));
    } catch (err) {
      throw f.error(key, `cannot read component file '${raw}'`, err instanceof Error ? err.message : undefined);
    }
    if (isPyMap(file.data) && file.data.nodes !== undefined && file.data.type === undefined) {
      throw f.error(
        key,
        `not supported yet: a prompt flow as a component (${raw})`,
        'Submit this pipeline with az ml for now, or wrap the flow in a command or parallel component.',
      );
    }
    // azure-ai-ml marks a component named with the file: prefix as defined in the job (YAML.JOB).
    const source = raw.startsWith('file:') ? 'YAML.JOB' : 'YAML.COMPONENT';
    const component = anyComponentFrom(Fields.of(file, [], 'the component'), source, type);
    return { kind: 'anonymous', where, component: component as C };
  }
  if (isPyMap(raw)) {
    const component = anyComponentFrom(Fields.of(f.src, f.path(key), 'the inline component', raw), 'YAML.JOB', type);
    return { kind: 'anonymous', where, component: component as C };
  }
  throw f.error(key, `'${key}' must be a component file, azureml:name:version, azureml:name@label or a mapping`);
}

function anyComponentFrom(
  f: Fields,
  source: CommandComponent['source'],
  expected: NonNullable<AnyComponent['componentType']>,
): AnyComponent {
  const type = (f.str('type') ?? 'command').toLowerCase();
  if (type !== expected) {
    throw f.error('type', `a ${expected} step needs a ${expected} component; this one is a ${type} component`);
  }
  if (type === 'parallel') return parallelComponentFrom(f, source);
  if (type === 'spark') return sparkComponentFrom(f, source);
  if (type === 'pipeline') return pipelineComponentFrom(f, source);
  return componentFrom(f, source);
}

function componentFrom(f: Fields, source: CommandComponent['source']): CommandComponent {
  const type = (f.str('type') ?? 'command').toLowerCase();
  if (type !== 'command') {
    throw f.error(
      'type',
      `not supported yet: ${type} components`,
      'submit-job translates command components; submit this job with az ml for now.',
    );
  }
  f.allowOnly(COMPONENT_KEYS);
  const spec = commandSpec(f, true);
  return {
    ...spec,
    environmentVariables: {},
    ...componentHeader(f, source),
  };
}

/** The fields every kind of component file shares, read the same way for each. */
function componentHeader(f: Fields, source: ComponentHeader['source']): ComponentHeader {
  return {
    name: f.str('name'),
    version: f.str('version'),
    displayName: f.str('display_name'),
    description: f.str('description'),
    tags: f.stringMap('tags'),
    isDeterministic: f.bool('is_deterministic'),
    schema: f.str('$schema'),
    inputs: ports(f, 'inputs'),
    outputs: ports(f, 'outputs'),
    source,
    where: f.where,
  };
}

function ports(f: Fields, key: 'inputs' | 'outputs'): Record<string, PortDefinition> {
  const m = f.map(key);
  const out: Record<string, PortDefinition> = {};
  if (!m) return out;
  for (const [name, raw] of Object.entries(m)) {
    const p = Fields.of(f.src, [...f.path(key), name], `${key === 'inputs' ? 'input' : 'output'} '${name}'`, raw);
    p.allowOnly(['type', 'description', 'default', 'optional', 'min', 'max', 'enum', 'mode', 'path', 'is_control']);
    const enumValues = p.raw('enum');
    if (enumValues !== undefined && !Array.isArray(enumValues)) throw p.error('enum', "'enum' must be a list");
    out[name] = {
      type: (p.str('type', true) as string).toLowerCase(),
      description: p.str('description'),
      default: p.raw('default'),
      optional: p.bool('optional'),
      min: p.num('min'),
      max: p.num('max'),
      enum: enumValues as PyValue[] | undefined,
      mode: p.str('mode'),
    };
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// parallel, pipeline component and automl steps

const PARALLEL_KEYS = [
  'resources',
  'logging_level',
  'mini_batch_size',
  'input_data',
  'retry_settings',
  'max_concurrency_per_instance',
  'error_threshold',
  'mini_batch_error_threshold',
  'partition_keys',
];
const PARALLEL_COMPONENT_KEYS = [
  '$schema',
  'name',
  'version',
  'display_name',
  'description',
  'tags',
  'type',
  'is_deterministic',
  'inputs',
  'outputs',
  'task',
  ...PARALLEL_KEYS,
];
const PARALLEL_STEP_KEYS = [
  ...STEP_COMMON_KEYS,
  '$schema',
  'component',
  'task',
  'environment_variables',
  ...PARALLEL_KEYS,
];

function parallelSettings(f: Fields): ParallelSettings {
  const mbs = f.raw('mini_batch_size');
  if (mbs !== undefined && !/^\d+([kmg]b)?$/i.test(String(mbs))) {
    throw f.error(
      'mini_batch_size',
      `'mini_batch_size' must be a number, optionally with kb, mb or gb (got '${String(mbs)}')`,
    );
  }
  const retry = f.sub('retry_settings', "'retry_settings'")?.allowOnly(['timeout', 'max_retries']);
  const keys = f.raw('partition_keys');
  if (keys !== undefined && !Array.isArray(keys)) throw f.error('partition_keys', "'partition_keys' must be a list");
  return {
    resources: resources(f),
    loggingLevel: f.str('logging_level'),
    miniBatchSize: mbs === undefined ? undefined : miniBatchBytes(String(mbs)),
    inputData: f.str('input_data'),
    retrySettings: retry ? { timeout: retry.raw('timeout'), maxRetries: retry.raw('max_retries') } : undefined,
    maxConcurrencyPerInstance: f.num('max_concurrency_per_instance', { integer: true, min: 1 }),
    errorThreshold: f.num('error_threshold', { integer: true }),
    miniBatchErrorThreshold: f.num('mini_batch_error_threshold', { integer: true }),
    partitionKeys: keys as PyValue[] | undefined,
  };
}

/** azure-ai-ml's reading of "10kb": a count of bytes (kb, mb, gb are powers of 1024); a bare number stays. */
function miniBatchBytes(v: string): string {
  const m = /^(\d+)([kmg]b)?$/i.exec(v) as RegExpExecArray;
  const unit = m[2]?.toLowerCase();
  const factor = unit === 'kb' ? 1024 : unit === 'mb' ? 1024 ** 2 : unit === 'gb' ? 1024 ** 3 : 1;
  return String(Number(m[1]) * factor);
}

function parallelTask(f: Fields): ParallelTask | undefined {
  const t = f.sub('task', "'task'");
  if (!t) return undefined;
  t.allowOnly(['type', 'code', 'entry_script', 'program_arguments', 'append_row_to', 'environment']);
  const type = (t.str('type') ?? 'run_function').toLowerCase();
  if (type !== 'run_function') throw t.error('type', `unknown parallel task type '${type}'`, 'Use run_function.');
  return {
    type,
    code: codeSource(t),
    entryScript: t.str('entry_script', true),
    programArguments: t.str('program_arguments'),
    appendRowTo: t.str('append_row_to'),
    environment: environmentSource(t),
  };
}

function parallelComponentFrom(f: Fields, source: ParallelComponent['source']): ParallelComponent {
  f.allowOnly(PARALLEL_COMPONENT_KEYS);
  const task = parallelTask(f);
  if (!task) throw f.error(undefined, `missing 'task' in ${f.what}`);
  return {
    componentType: 'parallel',
    ...parallelSettings(f),
    ...componentHeader(f, source),
    task,
  };
}

function parallelStep(f: Fields): ParallelStep {
  f.allowOnly(PARALLEL_STEP_KEYS);
  const settings = parallelSettings(f);
  const task = parallelTask(f);
  if (f.has('component')) {
    const component = typedComponentSource<ParallelComponent>(f, 'component', 'parallel');
    return {
      type: 'parallel',
      ...stepCommon(f),
      ...settings,
      task,
      component,
      environmentVariables: f.stringMap('environment_variables'),
      source: component.kind === 'anonymous' ? component.component.source : 'YAML.COMPONENT',
    };
  }
  if (!task)
    throw f.error(undefined, `missing 'task' in ${f.what}`, "Write the step's task or name a parallel component.");
  // An inline parallel step: azure-ai-ml turns it into an anonymous component named by the step.
  const component: ParallelComponent = {
    componentType: 'parallel',
    ...settings,
    displayName: String(f.at[f.at.length - 1]),
    tags: {},
    inputs: {},
    outputs: {},
    task,
    source: 'YAML.JOB',
    where: f.where,
  };
  return {
    type: 'parallel',
    ...stepCommon(f),
    ...settings,
    task,
    component: { kind: 'anonymous', component, where: f.where },
    environmentVariables: f.stringMap('environment_variables'),
    source: 'YAML.JOB',
  };
}

function pipelineComponentFrom(f: Fields, source: PipelineComponent['source']): PipelineComponent {
  f.allowOnly([
    '$schema',
    'name',
    'version',
    'display_name',
    'description',
    'tags',
    'type',
    'inputs',
    'outputs',
    'jobs',
  ]);
  const jobsMap = f.map('jobs');
  if (!jobsMap || Object.keys(jobsMap).length === 0) throw f.error(undefined, `a pipeline component needs 'jobs'`);
  const jobs: Record<string, PipelineStep> = {};
  for (const name of Object.keys(jobsMap))
    jobs[name] = step(Fields.of(f.src, [...f.path('jobs'), name], `step '${name}'`));
  return {
    componentType: 'pipeline',
    name: f.str('name'),
    version: f.str('version'),
    displayName: f.str('display_name'),
    description: f.str('description'),
    tags: f.stringMap('tags'),
    schema: f.str('$schema'),
    inputs: ports(f, 'inputs'),
    outputs: ports(f, 'outputs'),
    jobs,
    source,
    where: f.where,
  };
}

function pipelineComponentStep(f: Fields): PipelineComponentStep {
  f.allowOnly([...STEP_COMMON_KEYS, '$schema', 'component', 'settings']);
  if (!f.has('component'))
    throw f.error(
      undefined,
      `missing 'component' in ${f.what}`,
      'A pipeline step runs a pipeline component: name its file or azureml:name:version.',
    );
  const component = typedComponentSource<PipelineComponent>(f, 'component', 'pipeline');
  return {
    type: 'pipeline',
    ...stepCommon(f),
    component,
    source: component.kind === 'anonymous' ? component.component.source : 'YAML.COMPONENT',
  };
}

const AUTOML_TASKS = [
  'classification',
  'regression',
  'forecasting',
  'image_classification',
  'image_classification_multilabel',
  'image_object_detection',
  'image_instance_segmentation',
  'text_classification',
  'text_classification_multilabel',
  'text_ner',
];
const AUTOML_DATA = ['training_data', 'validation_data', 'test_data'];

function automlStep(f: Fields): AutoMLStep {
  const task = f.enumStr('task', AUTOML_TASKS, true) as string;
  for (const key of AUTOML_DATA) {
    const v = f.raw(key);
    if (v === undefined || isBinding(v)) continue;
    const d = isPyMap(v) ? Fields.of(f.src, f.path(key), `'${key}'`, v) : undefined;
    const p = d?.str('path');
    if (!d || !p || !/^(azureml:|https?:|wasbs?:|abfss?:|adl:)/.test(p)) {
      throw f.error(
        key,
        `not supported yet: '${key}' of an automl step must be a binding (\${{parent.inputs.x}}) or a registered or remote asset`,
        'Declare the data as a pipeline input and bind the step to it.',
      );
    }
  }
  const common = new Set([...STEP_COMMON_KEYS, '$schema']);
  const fields = Object.fromEntries(Object.entries(f.data).filter(([k, v]) => !common.has(k) && v !== null));
  return { type: 'automl', ...stepCommon(f), task, fields };
}

// ---------------------------------------------------------------------------------------------
// sweep parts

function trial(f: Fields): ComponentSource {
  const raw = f.raw('trial');
  if (raw === undefined) throw f.error(undefined, `missing 'trial' in ${f.what}`);
  if (typeof raw === 'string') return componentSource(f, 'trial');
  const t = Fields.of(f.src, f.path('trial'), "'trial'", raw);
  if (t.has('type') && String(t.raw('type')).toLowerCase() !== 'command') {
    throw t.error('type', `not supported yet: ${String(t.raw('type'))} trials`);
  }
  t.allowOnly(['type', '$schema', ...COMMAND_KEYS, 'inputs', 'outputs', 'name', 'version', 'display_name']);
  const spec = commandSpec(t, true);
  return {
    kind: 'anonymous',
    where: t.where,
    component: { ...spec, tags: {}, inputs: {}, outputs: {}, source: 'YAML.JOB', where: t.where },
  };
}

function sweepSettings(f: Fields): SweepSettings {
  return {
    samplingAlgorithm: samplingAlgorithm(f),
    searchSpace: searchSpace(f),
    objective: objective(f),
    limits: sweepLimits(f),
    earlyTermination: earlyTermination(f),
  };
}

function samplingAlgorithm(f: Fields): SamplingAlgorithm {
  const raw = f.raw('sampling_algorithm');
  if (raw === undefined) throw f.error(undefined, `missing 'sampling_algorithm' in ${f.what}`);
  const types = ['random', 'grid', 'bayesian'] as const;
  if (typeof raw === 'string') return { type: f.enumStr('sampling_algorithm', types) as SamplingAlgorithm['type'] };
  const s = Fields.of(f.src, f.path('sampling_algorithm'), "'sampling_algorithm'", raw);
  const type = s.enumStr('type', types, true) as SamplingAlgorithm['type'];
  s.allowOnly(type === 'random' ? ['type', 'seed', 'rule', 'logbase'] : ['type']);
  return { type, seed: s.num('seed', { integer: true }), rule: s.str('rule'), logbase: s.str('logbase') };
}

const SEARCH_SHAPES: Record<SearchDistribution['type'], string[]> = {
  choice: ['values'],
  randint: ['upper'],
  uniform: ['min_value', 'max_value'],
  loguniform: ['min_value', 'max_value'],
  quniform: ['min_value', 'max_value', 'q'],
  qloguniform: ['min_value', 'max_value', 'q'],
  normal: ['mu', 'sigma'],
  lognormal: ['mu', 'sigma'],
  qnormal: ['mu', 'sigma', 'q'],
  qlognormal: ['mu', 'sigma', 'q'],
};

function searchSpace(f: Fields): Record<string, SearchDistribution> {
  const m = f.map('search_space');
  if (!m || Object.keys(m).length === 0) throw f.error(undefined, `missing 'search_space' in ${f.what}`);
  const out: Record<string, SearchDistribution> = {};
  for (const [name, raw] of Object.entries(m)) {
    const d = Fields.of(f.src, [...f.path('search_space'), name], `search space '${name}'`, raw);
    const type = d.enumStr('type', Object.keys(SEARCH_SHAPES) as SearchDistribution['type'][], true)!;
    d.allowOnly(['type', ...SEARCH_SHAPES[type]]);
    if (type === 'choice') {
      const values = d.require('values');
      if (!Array.isArray(values)) throw d.error('values', "'values' must be a list");
      out[name] = { type, values };
      continue;
    }
    const n = (key: string): PyNumber => {
      if (d.num(key) === undefined) throw d.error(undefined, `missing '${key}' in search space '${name}'`);
      return d.raw(key) as PyNumber;
    };
    if (type === 'randint') out[name] = { type, upper: n('upper') };
    else if (type === 'uniform' || type === 'loguniform')
      out[name] = { type, minValue: n('min_value'), maxValue: n('max_value') };
    else if (type === 'quniform' || type === 'qloguniform')
      out[name] = { type, minValue: n('min_value'), maxValue: n('max_value'), q: n('q') };
    else if (type === 'normal' || type === 'lognormal') out[name] = { type, mu: n('mu'), sigma: n('sigma') };
    else out[name] = { type, mu: n('mu'), sigma: n('sigma'), q: n('q') };
  }
  return out;
}

function objective(f: Fields): SweepSettings['objective'] {
  const o = f.sub('objective', "'objective'");
  if (!o) throw f.error(undefined, `missing 'objective' in ${f.what}`);
  o.allowOnly(['goal', 'primary_metric']);
  return {
    goal: o.enumStr('goal', ['minimize', 'maximize'] as const, true) as string,
    primaryMetric: o.str('primary_metric', true) as string,
  };
}

function sweepLimits(f: Fields): SweepSettings['limits'] {
  const l = f.sub('limits', "'limits'");
  if (!l) return undefined;
  l.allowOnly(['max_total_trials', 'max_concurrent_trials', 'timeout', 'trial_timeout']);
  return {
    maxTotalTrials: l.num('max_total_trials', { integer: true, min: 1 }),
    maxConcurrentTrials: l.num('max_concurrent_trials', { integer: true, min: 1 }),
    timeoutSeconds: seconds(l, 'timeout'),
    trialTimeoutSeconds: seconds(l, 'trial_timeout'),
  };
}

function earlyTermination(f: Fields): EarlyTermination | undefined {
  const e = f.sub('early_termination', "'early_termination'");
  if (!e) return undefined;
  const type = e.enumStr('type', ['bandit', 'median_stopping', 'truncation_selection'] as const, true)!;
  const common = ['type', 'delay_evaluation', 'evaluation_interval'];
  const int = (key: string) => e.num(key, { integer: true, min: 0 });
  if (type === 'bandit') {
    e.allowOnly([...common, 'slack_factor', 'slack_amount']);
    return {
      type,
      delayEvaluation: int('delay_evaluation'),
      evaluationInterval: int('evaluation_interval'),
      slackFactor: e.num('slack_factor', { min: 0 }),
      slackAmount: e.num('slack_amount', { min: 0 }),
    };
  }
  if (type === 'truncation_selection') {
    e.allowOnly([...common, 'truncation_percentage']);
    return {
      type,
      delayEvaluation: int('delay_evaluation'),
      evaluationInterval: int('evaluation_interval'),
      truncationPercentage: int('truncation_percentage'),
    };
  }
  e.allowOnly(common);
  return { type, delayEvaluation: int('delay_evaluation'), evaluationInterval: int('evaluation_interval') };
}

// ---------------------------------------------------------------------------------------------
// spark and automl jobs

/** The conf keys azure-ai-ml reads as typed settings (SparkConfSchema), with their types. */
const SPARK_CONF: Record<string, 'int' | 'memory' | 'bool'> = {
  'spark.driver.cores': 'int',
  'spark.driver.memory': 'memory',
  'spark.executor.cores': 'int',
  'spark.executor.memory': 'memory',
  'spark.executor.instances': 'int',
  'spark.dynamicAllocation.enabled': 'bool',
  'spark.dynamicAllocation.minExecutors': 'int',
  'spark.dynamicAllocation.maxExecutors': 'int',
};

function sparkSpec(f: Fields): SparkSpec {
  const e = f.sub('entry', "'entry'");
  if (!e)
    throw f.error(
      undefined,
      `missing 'entry' in ${f.what}`,
      'Name the entry: entry: {file: main.py} or {class_name: ...}.',
    );
  e.allowOnly(['file', 'class_name']);
  if (e.has('file') === e.has('class_name')) {
    throw e.error(undefined, "'entry' takes exactly one of 'file' or 'class_name'");
  }
  const entry: SparkEntry = e.has('file')
    ? { file: e.str('file') as string }
    : { className: e.str('class_name') as string };
  const list = (key: string): string[] | undefined => {
    const v = f.raw(key);
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string'))
      throw f.error(key, `'${key}' must be a list of paths`);
    if (new Set(v).size !== v.length) throw f.error(key, `'${key}' must not list the same entry twice`);
    return v as string[];
  };
  const conf = sparkSpecConf(f);
  const code = codeSource(f);
  if (!code) throw f.error(undefined, `missing 'code' in ${f.what}`, 'Name the folder that holds the entry file.');
  if (code.kind === 'local' && 'file' in entry && !fs.existsSync(path.join(code.path, entry.file))) {
    throw e.error('file', `entry file '${entry.file}' is not in the code folder ${code.path}`);
  }
  return {
    code,
    entry,
    pyFiles: list('py_files'),
    jars: list('jars'),
    files: list('files'),
    archives: list('archives'),
    conf,
    environment: environmentSource(f),
    args: f.str('args'),
  };
}

/** `conf` as written, with the settings azure-ai-ml types checked and numbers kept as numbers. */
function sparkSpecConf(f: Fields): Record<string, PyValue> {
  const c = f.sub('conf', "'conf'");
  const conf: Record<string, PyValue> = {};
  for (const [k, v] of Object.entries(c?.data ?? {})) {
    if (v === null) continue;
    const kind = SPARK_CONF[k];
    const n = v instanceof PyFloat ? v.value : v;
    const wrong =
      (kind === 'int' && !(typeof n === 'number' && Number.isInteger(n))) ||
      (kind === 'memory' && !(typeof v === 'string' && /^\d+[kKmMgGtTpP]$/.test(v))) ||
      (kind === 'bool' && typeof v !== 'boolean');
    if (wrong) {
      const expected =
        kind === 'int' ? 'a whole number' : kind === 'memory' ? 'a size such as 2g or 512m' : 'true or false';
      throw c!.error(k, `'${k}' must be ${expected}, got ${JSON.stringify(v)}`);
    }
    conf[k] = kind === 'int' ? (n as number) : v;
  }
  return conf;
}

/** azure-ai-ml's _validate_spark_configurations: the settings a Spark application cannot run without. */
function checkSparkConf(f: Fields, conf: Record<string, PyValue>): void {
  const at = f.has('conf') ? 'conf' : undefined;
  const missing = (keys: string[]) => keys.filter((k) => conf[k] === undefined);
  const base = ['spark.driver.cores', 'spark.driver.memory', 'spark.executor.cores', 'spark.executor.memory'];
  if (conf['spark.dynamicAllocation.enabled'] === true) {
    const gone = missing([...base, 'spark.dynamicAllocation.minExecutors', 'spark.dynamicAllocation.maxExecutors']);
    if (gone.length) throw f.error(at, `'conf' needs ${gone.join(', ')} when dynamic allocation is enabled`);
    const min = conf['spark.dynamicAllocation.minExecutors'] as number;
    const max = conf['spark.dynamicAllocation.maxExecutors'] as number;
    if (!(min > 0 && min <= max)) {
      throw f.error(at, 'spark.dynamicAllocation.minExecutors must be above 0 and at most maxExecutors');
    }
    const n = conf['spark.executor.instances'] as number | undefined;
    if (n !== undefined && (n < min || n > max)) {
      throw f.error(at, 'spark.executor.instances must lie between minExecutors and maxExecutors');
    }
    return;
  }
  const gone = missing([...base, 'spark.executor.instances']);
  if (gone.length) throw f.error(at, `'conf' needs ${gone.join(', ')}`);
  if (
    conf['spark.dynamicAllocation.minExecutors'] !== undefined ||
    conf['spark.dynamicAllocation.maxExecutors'] !== undefined
  ) {
    throw f.error(
      at,
      'spark.dynamicAllocation.minExecutors and maxExecutors need spark.dynamicAllocation.enabled: true',
    );
  }
}

function sparkJob(f: Fields): SparkJob {
  f.allowOnly([
    ...BASE_JOB_KEYS,
    ...IO_KEYS,
    'code',
    'entry',
    'py_files',
    'jars',
    'files',
    'archives',
    'conf',
    'environment',
    'args',
    'resources',
  ]);
  const spec = sparkSpec(f);
  checkSparkConf(f, spec.conf);
  const r = f.sub('resources', "'resources'");
  r?.allowOnly(['instance_type', 'runtime_version']);
  const job: SparkJob = {
    type: 'spark',
    ...common(f),
    ...spec,
    inputs: inputs(f),
    outputs: outputs(f),
    resources: r ? { instanceType: r.str('instance_type'), runtimeVersion: r.str('runtime_version') } : undefined,
  };
  if (!job.compute && !job.resources) {
    throw f.error(
      undefined,
      "a spark job needs 'resources' (serverless Spark: instance_type, runtime_version) or 'compute' (an attached Spark pool)",
    );
  }
  if (job.compute && job.resources) {
    throw f.error('resources', "a spark job takes 'resources' (serverless) or 'compute' (attached pool), not both");
  }
  // Spark reads and writes storage itself: azure-ai-ml accepts only direct mode.
  for (const [kind, map] of [
    ['input', job.inputs],
    ['output', job.outputs],
  ] as const) {
    for (const [name, io] of Object.entries(map)) {
      const mode = 'mode' in io ? io.mode : undefined;
      const isData = io.kind === 'data' || (io.kind === 'output' && !io.unset);
      if (isData && mode !== 'direct') {
        throw f.src.error(
          [...f.path(`${kind}s`), name],
          `${kind} '${name}' of a spark job must have mode: direct (got ${mode ?? 'no mode'})`,
        );
      }
    }
  }
  return job;
}

const SPARK_PROGRAM_KEYS = ['code', 'entry', 'py_files', 'jars', 'files', 'archives', 'environment', 'args'];

function sparkComponentFrom(f: Fields, source: SparkComponent['source']): SparkComponent {
  f.allowOnly([
    '$schema',
    'name',
    'version',
    'display_name',
    'description',
    'tags',
    'type',
    'is_deterministic',
    'inputs',
    'outputs',
    'conf',
    ...SPARK_PROGRAM_KEYS,
  ]);
  const spec = sparkSpec(f);
  if (f.has('conf')) checkSparkConf(f, spec.conf);
  return {
    componentType: 'spark',
    ...spec,
    ...componentHeader(f, source),
  };
}

/**
 * A spark step: inline (its program written on the step, sent as an anonymous component with the
 * step's input and output types) or naming a Spark component, whose program the step then runs
 * with the step's own conf, resources and identity.
 */
function sparkStep(f: Fields): SparkStep {
  f.allowOnly([...STEP_COMMON_KEYS, '$schema', 'component', 'conf', 'resources', ...SPARK_PROGRAM_KEYS]);
  const r = f.sub('resources', "'resources'");
  r?.allowOnly(['instance_type', 'runtime_version']);
  const resources = r ? { instanceType: r.str('instance_type'), runtimeVersion: r.str('runtime_version') } : undefined;
  if (f.has('component')) {
    for (const key of SPARK_PROGRAM_KEYS) {
      if (f.has(key))
        throw f.error(key, `'${key}' cannot be combined with 'component' in ${f.what}`, 'Set it in the component.');
    }
    const component = typedComponentSource<SparkComponent>(f, 'component', 'spark');
    let conf: Record<string, PyValue> | undefined;
    if (f.has('conf')) {
      conf = sparkSpecConf(f);
      checkSparkConf(f, conf);
    } else if (component.kind === 'anonymous') {
      checkSparkConf(f, component.component.conf);
    }
    return {
      type: 'spark',
      ...stepCommon(f),
      component,
      conf,
      resources,
      source: component.kind === 'anonymous' ? component.component.source : 'YAML.COMPONENT',
    };
  }
  const spec = sparkSpec(f);
  checkSparkConf(f, spec.conf);
  // Named by the step, as azure-ai-ml names an inline step's anonymous component.
  const component: SparkComponent = {
    componentType: 'spark',
    ...spec,
    displayName: String(f.at[f.at.length - 1]),
    tags: {},
    inputs: {},
    outputs: {},
    source: 'YAML.JOB',
    where: f.where,
  };
  return {
    type: 'spark',
    ...stepCommon(f),
    component: { kind: 'anonymous', component, where: f.where },
    conf: spec.conf,
    resources,
    source: 'YAML.JOB',
  };
}

function automlJob(f: Fields): AutoMLJob {
  const task = loadAutoMLTask(f, BASE_JOB_KEYS);
  return {
    type: 'automl',
    ...common(f),
    task: task.task,
    taskDetails: task.taskDetails,
    data: task.data,
    inputs: {},
    outputs: outputs(f),
    resources: task.resources,
  };
}
