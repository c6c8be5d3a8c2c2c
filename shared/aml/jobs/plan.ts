import * as path from 'node:path';
import type { SourceLocation } from '../../host';
import type {
  AnyComponent,
  CommandComponent,
  ComponentSource,
  DataType,
  EnvironmentSource,
  InlineEnvironment,
  JobDefinition,
  JobInput,
  PipelineStep,
} from './model';
import { md5Hex, pyJoin, pyYamlDump, type PyValue } from './python-compat';
import { parseReference, type AssetKind } from './refs';
import { isPyMap } from './yaml-source';

/** azure-ai-ml's ANONYMOUS_ENV_NAME. */
export const ANONYMOUS_ENV_NAME = 'CliV2AnonymousEnvironment';
/** azure-ai-ml's ANONYMOUS_COMPONENT_NAME. */
export const ANONYMOUS_COMPONENT_NAME = 'azureml_anonymous';
export const DEFAULT_DATASTORE = 'workspaceblobstore';

/** A local folder to upload as an anonymous code asset. */
export interface CodeUpload {
  key: string;
  localDir: string;
  where: SourceLocation;
}
/** A local file or folder given as a job input, uploaded to a datastore. */
export interface InputUpload {
  key: string;
  localPath: string;
  type: DataType;
  datastore: string;
  where: SourceLocation;
}
/** An inline environment, registered as CliV2AnonymousEnvironment:<content hash>. */
export interface AnonymousEnvironment {
  key: string;
  name: string;
  /** Content hash; for a local build context it needs the context's hash, so the resolver sets it. */
  version?: string;
  /** The conda file as azure-ai-ml sends it (yaml.dump(..., sort_keys=True)). */
  condaFile?: string;
  spec: InlineEnvironment;
}
/** A name@label reference that only the workspace can turn into a version. */
export interface LabelReference {
  key: string;
  kind: AssetKind;
  name: string;
  label: string;
  where: SourceLocation;
}
export interface AnonymousComponentPlan {
  key: string;
  component: AnyComponent;
}

/** Phase 1: what must exist before the job body can be written. No network, deterministic. */
export interface JobPlan {
  job: JobDefinition;
  codes: CodeUpload[];
  inputs: InputUpload[];
  environments: AnonymousEnvironment[];
  labels: LabelReference[];
  /** In dependency order: nothing here refers to a later entry. */
  components: AnonymousComponentPlan[];
  /** Where each key came from. */
  keys: Map<object, string>;
}

const REMOTE_PATH = /^(azureml:\/\/|https?:\/\/|wasbs?:\/\/|abfss?:\/\/|adl:\/\/|\/subscriptions\/)/;

/** Turns a loaded job into the list of uploads, anonymous assets and look-ups it needs. */
export function planJob(job: JobDefinition): JobPlan {
  const plan: JobPlan = { job, codes: [], inputs: [], environments: [], labels: [], components: [], keys: new Map() };
  const seen = new Set<string>();
  const once = <T extends { key: string }>(list: T[], item: T): T => {
    if (!seen.has(item.key)) {
      seen.add(item.key);
      list.push(item);
    }
    return list.find((x) => x.key === item.key) as T;
  };

  const addEnvironment = (env: EnvironmentSource | undefined): void => {
    if (!env) return;
    if (env.kind === 'reference') return addReference(env.ref, 'environments', env.where, env);
    const planned = anonymousEnvironment(env);
    plan.keys.set(env, once(plan.environments, planned).key);
  };
  const addReference = (ref: string, kind: AssetKind, where: SourceLocation, owner: object): void => {
    const parsed = parseReference(ref, kind, where);
    if (parsed.form === 'label') {
      const key = `label:${kind}:${parsed.name}@${parsed.label}`;
      once(plan.labels, { key, kind, name: parsed.name, label: parsed.label, where });
      plan.keys.set(owner, key);
    }
  };
  const addInputs = (inputs: Record<string, JobInput>, baseDir: string): void => {
    for (const input of Object.values(inputs)) {
      if (input.kind !== 'data') continue;
      const p = input.path;
      if (REMOTE_PATH.test(p)) continue;
      if (p.startsWith('azureml:')) {
        const kind: AssetKind = input.type === 'mlflow_model' || input.type === 'custom_model' ? 'models' : 'data';
        addReference(p, kind, input.where, input);
        continue;
      }
      const localPath = path.resolve(baseDir, p.replace(/^(file|folder):/, ''));
      const key = `input:${input.type}:${localPath}`;
      once(plan.inputs, {
        key,
        localPath,
        type: input.type,
        datastore: input.datastore?.replace(/^azureml:/, '') ?? DEFAULT_DATASTORE,
        where: input.where,
      });
      plan.keys.set(input, key);
    }
  };
  const addCommandParts = (c: { code?: CommandComponent['code']; environment?: EnvironmentSource }): void => {
    if (c.code?.kind === 'local') {
      const key = `code:${c.code.path}`;
      once(plan.codes, { key, localDir: c.code.path, where: c.code.where });
      plan.keys.set(c.code, key);
    } else if (c.code?.kind === 'reference') addReference(c.code.ref, 'codes', c.code.where, c.code);
    addEnvironment(c.environment);
  };
  const addComponent = (source: ComponentSource<AnyComponent>, baseDir: string): void => {
    if (source.kind === 'reference') return addReference(source.ref, 'components', source.where, source);
    const c = source.component;
    if (c.componentType === 'parallel') addCommandParts(c.task);
    else if (c.componentType === 'pipeline') for (const s of Object.values(c.jobs)) addStep(s, baseDir);
    else addCommandParts(c);
    const key = `component:${plan.components.length}`;
    plan.components.push({ key, component: c });
    plan.keys.set(source, key);
  };
  const addStep = (step: PipelineStep, baseDir: string): void => {
    addInputs(step.inputs, baseDir);
    if (step.type === 'command') addComponent(step.component, baseDir);
    else if (step.type === 'sweep') addComponent(step.trial, baseDir);
    else if (step.type === 'parallel') {
      // A task written on a step that names a component is sent with the step.
      if (step.task && step.component.kind === 'reference') addCommandParts(step.task);
      addComponent(step.component, baseDir);
    } else if (step.type === 'pipeline' || step.type === 'spark') addComponent(step.component, baseDir);
  };

  if (job.type === 'command') {
    addCommandParts(job);
    addInputs(job.inputs, baseDirOf(job));
  } else if (job.type === 'sweep') {
    if (job.trial.kind === 'anonymous') addCommandParts(job.trial.component);
    else addReference(job.trial.ref, 'components', job.trial.where, job.trial);
    addInputs(job.inputs, baseDirOf(job));
  } else if (job.type === 'spark') {
    addCommandParts(job);
    addInputs(job.inputs, baseDirOf(job));
  } else if (job.type === 'automl') {
    addInputs(job.data, baseDirOf(job));
  } else {
    addInputs(job.inputs, baseDirOf(job));
    for (const step of Object.values(job.jobs)) addStep(step, baseDirOf(job));
  }
  return plan;
}

const SDK_MODELS = 'azure.ai.ml._restclient.v2022_05_01.models._models_py3';

/**
 * yaml.dump(sort_keys=True) of the inference config as azure-ai-ml holds it when naming the
 * environment: its schema loads the routes into the generated REST model objects, which PyYAML
 * dumps as tagged Python objects (with their empty additional_properties).
 */
function inferenceConfigDump(config: PyValue): string {
  if (!isPyMap(config)) return pyYamlDump(config);
  const lines = [`!!python/object:${SDK_MODELS}.InferenceContainerProperties`, 'additional_properties: {}'];
  for (const key of Object.keys(config).sort()) {
    const route = config[key];
    if (!isPyMap(route)) continue;
    lines.push(`${key}: !!python/object:${SDK_MODELS}.Route`, '  additional_properties: {}');
    const fields = pyYamlDump({ path: route.path, port: route.port }).trimEnd().split('\n');
    for (const line of fields) lines.push(`  ${line}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Folder that relative paths of the job file are resolved against. */
function baseDirOf(job: JobDefinition): string {
  return job.baseDir;
}

/**
 * Name and version of an inline environment, by azure-ai-ml's rule (Environment.
 * _generate_anonymous_name_version): md5 of the image, then Python's str.join quirk with the md5
 * of the conda file as sent (and of the inference config); for a build context, md5 of the
 * context's object hash joined with the md5 of the dockerfile path.
 */
export function anonymousEnvironment(spec: InlineEnvironment): AnonymousEnvironment {
  const condaFile = spec.conda !== undefined ? pyYamlDump(spec.conda) : undefined;
  const planned: AnonymousEnvironment = { key: '', name: ANONYMOUS_ENV_NAME, condaFile, spec };
  if (spec.image) {
    let hash = md5Hex(spec.image);
    if (spec.inferenceConfig !== undefined && spec.inferenceConfig !== null) {
      hash = pyJoin(hash, md5Hex(inferenceConfigDump(spec.inferenceConfig)));
    }
    if (condaFile) hash = pyJoin(hash, md5Hex(condaFile));
    planned.version = md5Hex(hash);
    planned.key = `env:${planned.version}`;
  } else if (spec.build && !spec.build.local) {
    // A remote build context has no local content to hash; az ml cannot name it either, so the URI stands in.
    planned.version = buildContextVersion(spec.build.path, spec.build.dockerfilePath);
    planned.key = `env:${planned.version}`;
  } else {
    planned.key = `env-build:${spec.build?.path}:${spec.build?.dockerfilePath ?? ''}`;
  }
  return planned;
}

/** Version of a build-context environment from the context folder's object hash (see code-snapshot). */
export function buildContextVersion(objectHash: string, dockerfilePath?: string): string {
  const hash = dockerfilePath ? pyJoin(md5Hex(objectHash), md5Hex(dockerfilePath)) : md5Hex(objectHash);
  return md5Hex(hash);
}
