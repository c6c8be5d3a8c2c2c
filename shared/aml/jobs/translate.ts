import type {
  AnyComponent,
  AutoMLJob,
  AutoMLStep,
  CommandComponent,
  CommandJob,
  CommandStep,
  ComponentSource,
  Distribution,
  EarlyTermination,
  EnvironmentSource,
  Identity,
  JobDefinition,
  JobInput,
  OutputValue,
  ParallelComponent,
  ParallelSettings,
  ParallelStep,
  ParallelTask,
  PipelineComponent,
  PipelineComponentStep,
  PipelineJob,
  PipelineStep,
  PortDefinition,
  QueueSettings,
  Resources,
  SearchDistribution,
  Service,
  SweepJob,
  SweepSettings,
  SparkComponent,
  SparkEntry,
  SparkJob,
  SparkStep,
  SweepStep,
} from './model';
import {
  ANONYMOUS_COMPONENT_NAME,
  type AnonymousEnvironment,
  type CodeUpload,
  type InputUpload,
  type JobPlan,
  type LabelReference,
} from './plan';
import { isoDuration, md5Uuid, PyFloat, pyFloatRepr, pyJsonDumps, pyStr, type PyValue } from './python-compat';
import { isPyMap, type PyMap } from './yaml-source';
import { labelledId, namedId, parseReference, versionedId, type WorkspaceScope } from './refs';

type Json = Record<string, unknown>;

/**
 * What the submit step implements against the workspace (ARM + storage). Every method is
 * idempotent: the same content gives the same id, so re-running a submission creates nothing new.
 */
export interface AssetResolver {
  /** Uploads a code folder (see code-snapshot.ts) and registers the code version; returns its ARM id. */
  uploadCode(code: CodeUpload): Promise<string>;
  /** Uploads a local input; returns `azureml://datastores/<datastore>/paths/LocalUpload/<hash>/<name>`. */
  uploadInput(input: InputUpload): Promise<string>;
  /**
   * Creates the anonymous environment version (PUT environments/<name>/versions/<version> with
   * `environmentVersionBody`), uploading a local build context first; returns its ARM id.
   */
  ensureEnvironment(env: AnonymousEnvironment): Promise<string>;
  /** PUT components/azureml_anonymous/versions/<version> with the body given; returns the ARM id. */
  ensureComponent(component: ComponentRequest): Promise<string>;
  /** Resolves name@label (e.g. @latest) to the ARM id of that version. */
  resolveReference(ref: LabelReference): Promise<string>;
}

export interface ComponentRequest {
  key: string;
  name: string;
  version: string;
  body: Json;
}

export interface TranslateOptions {
  scope: WorkspaceScope;
  /** The job's name (the URL segment); az ml generates one when the YAML has none. */
  jobName: string;
  /** Experiment when the YAML names none: az ml uses the current folder's name. */
  defaultExperimentName: string;
}

/** Ids the resolver returned, by plan key. */
export type ResolvedIds = ReadonlyMap<string, string>;

export interface JobRequests {
  environments: { env: AnonymousEnvironment; id: string }[];
  components: ComponentRequest[];
  /** Body of PUT .../workspaces/<ws>/jobs/<jobName>. */
  job: Json;
}

/** Phase 2: resolves what the plan lists (in dependency order) and builds the exact job body. */
export async function translateJob(
  plan: JobPlan,
  resolver: AssetResolver,
  options: TranslateOptions,
): Promise<JobRequests> {
  const ids = new Map<string, string>();
  for (const code of plan.codes) ids.set(code.key, await resolver.uploadCode(code));
  for (const input of plan.inputs) ids.set(input.key, await resolver.uploadInput(input));
  for (const label of plan.labels) ids.set(label.key, await resolver.resolveReference(label));
  const environments: JobRequests['environments'] = [];
  for (const env of plan.environments) {
    const id = await resolver.ensureEnvironment(env);
    ids.set(env.key, id);
    environments.push({ env, id });
  }
  const components: ComponentRequest[] = [];
  const ctx = new Context(plan, ids, options);
  for (const planned of plan.components) {
    const request = ctx.componentRequest(planned.key, planned.component);
    ids.set(planned.key, await resolver.ensureComponent(request));
    components.push(request);
  }
  return { environments, components, job: ctx.jobBody() };
}

/** Body of PUT environments/<name>/versions/<version> for an anonymous environment. */
export function environmentVersionBody(env: AnonymousEnvironment, buildContextUri?: string): Json {
  const s = env.spec;
  const props: Json = {};
  if (env.condaFile) props.condaFile = env.condaFile;
  if (s.image) props.image = s.image;
  if (s.build) {
    props.build = {
      contextUri: buildContextUri ?? s.build.path,
      ...(s.build.dockerfilePath ? { dockerfilePath: s.build.dockerfilePath } : {}),
    };
  }
  if (s.osType) props.osType = s.osType;
  if (s.tags && Object.keys(s.tags).length) props.tags = s.tags;
  props.isAnonymous = true;
  if (isPyMap(s.inferenceConfig)) props.inferenceConfig = inferenceContainerProperties(s.inferenceConfig);
  if (s.description) props.description = s.description;
  return { properties: props };
}

/** The YAML's snake_case routes in the REST spelling (InferenceContainerProperties), as azure-ai-ml sends them. */
function inferenceContainerProperties(config: PyMap): Json {
  const out: Json = {};
  for (const [yamlKey, restKey] of [
    ['liveness_route', 'livenessRoute'],
    ['readiness_route', 'readinessRoute'],
    ['scoring_route', 'scoringRoute'],
  ] as const) {
    const route = config[yamlKey];
    if (!isPyMap(route)) continue;
    const port = route.port instanceof PyFloat ? route.port.value : Number(route.port);
    out[restKey] = { path: String(route.path), port };
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

const INPUT_MODES: Record<string, string> = {
  mount: 'ReadOnlyMount',
  ro_mount: 'ReadOnlyMount',
  rw_mount: 'ReadWriteMount',
  download: 'Download',
  direct: 'Direct',
  eval_mount: 'EvalMount',
  eval_download: 'EvalDownload',
};
const OUTPUT_MODES: Record<string, string> = {
  mount: 'ReadWriteMount',
  rw_mount: 'ReadWriteMount',
  upload: 'Upload',
  direct: 'Direct',
};
const DISTRIBUTION_TYPES = { pytorch: 'PyTorch', mpi: 'Mpi', tensorflow: 'TensorFlow' } as const;
const SERVICE_TYPES = {
  jupyter_lab: 'JupyterLab',
  ssh: 'SSH',
  tensor_board: 'TensorBoard',
  vs_code: 'VSCode',
} as const;
const JOB_TIERS: Record<string, string> = {
  null: 'Null',
  spot: 'Spot',
  basic: 'Basic',
  standard: 'Standard',
  premium: 'Premium',
};
const PRIORITIES: Record<string, number> = { low: 1, medium: 2, high: 3 };

/** Drops undefined members so bodies compare and serialise without noise. */
function clean<T extends Json>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}
/** Pipeline steps are sent as msrest as_dict() output: snake_case, no empty members. */
function compact(o: Json, keepEmpty: string[] = []): Json {
  for (const k of Object.keys(o)) {
    const v = o[k];
    if (v === undefined || v === null) delete o[k];
    else if (keepEmpty.includes(k)) continue;
    else if (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as Json).length === 0) delete o[k];
  }
  return o;
}

class Context {
  constructor(
    private readonly plan: JobPlan,
    private readonly ids: ResolvedIds,
    private readonly options: TranslateOptions,
  ) {}

  private id(owner: object): string | undefined {
    const key = this.plan.keys.get(owner);
    return key === undefined ? undefined : this.ids.get(key);
  }

  private computeId(name: string | undefined): string | undefined {
    if (name === undefined) return undefined;
    // A binding (${{parent.inputs.compute}}) is resolved by the service at run time.
    if (name.startsWith('${{')) return name;
    return namedId(this.options.scope, 'computes', name);
  }

  private codeId(c: CommandComponent['code']): string | undefined {
    if (!c) return undefined;
    if (c.kind === 'remote') return c.uri;
    if (c.kind === 'local') return this.id(c);
    return this.referenceId(c.ref, 'codes', c.where, c);
  }

  private environmentId(e: EnvironmentSource | undefined): string | undefined {
    if (!e) return undefined;
    if (e.kind === 'inline') return this.id(e);
    return this.referenceId(e.ref, 'environments', e.where, e);
  }

  private referenceId(
    ref: string,
    kind: Parameters<typeof parseReference>[1],
    where: Parameters<typeof parseReference>[2],
    owner: object,
  ): string {
    const parsed = parseReference(ref, kind, where);
    if (parsed.form === 'id') return parsed.id;
    if (parsed.form === 'version') return versionedId(this.options.scope, kind, parsed.name, parsed.version);
    if (parsed.form === 'labelled') return labelledId(this.options.scope, kind, parsed.name, parsed.label);
    return this.id(owner) as string;
  }

  private componentId(source: ComponentSource<AnyComponent>): string | undefined {
    if (source.kind === 'reference') return this.referenceId(source.ref, 'components', source.where, source);
    return this.id(source);
  }

  // ------------------------------------------------------------------ inputs and outputs

  /** JobInput of the REST API (top-level jobs: camelCase). */
  private restInput(input: JobInput): Json {
    if (input.kind === 'literal') return { jobInputType: 'literal', value: pyStr(input.value) };
    if (input.kind === 'binding') {
      return clean({ jobInputType: 'literal', value: input.expr, mode: input.mode && INPUT_MODES[input.mode] });
    }
    return clean({ jobInputType: input.type, uri: this.inputUri(input), mode: input.mode && INPUT_MODES[input.mode] });
  }

  private inputUri(input: Extract<JobInput, { kind: 'data' }>): string {
    const p = input.path;
    if (p.startsWith('azureml:') && !p.startsWith('azureml://')) {
      const kind = input.type === 'mlflow_model' || input.type === 'custom_model' ? 'models' : 'data';
      return this.referenceId(p, kind, input.where, input);
    }
    const uploaded = this.id(input);
    if (uploaded === undefined) return p;
    // azure-ai-ml adds the trailing slash a folder upload needs.
    return input.type === 'uri_folder' && !uploaded.endsWith('/') ? `${uploaded}/` : uploaded;
  }

  private restInputs(inputs: Record<string, JobInput>, dropEmpty = false): Json {
    const out: Json = {};
    for (const [name, input] of Object.entries(inputs)) {
      // MFE refuses None or empty pipeline inputs, so azure-ai-ml leaves them out.
      if (dropEmpty && input.kind === 'literal' && (input.value === null || input.value === '')) continue;
      out[name] = this.restInput(input);
    }
    return out;
  }

  private restOutput(output: OutputValue): Json {
    if (output.kind === 'binding') {
      return clean({ jobOutputType: 'literal', value: output.expr, mode: output.mode && OUTPUT_MODES[output.mode] });
    }
    return clean({
      jobOutputType: output.type ?? 'uri_folder',
      assetName: output.name,
      assetVersion: output.version,
      uri: output.path,
      mode: output.mode && OUTPUT_MODES[output.mode],
      description: output.description,
    });
  }

  private restOutputs(outputs: Record<string, OutputValue>): Json {
    return Object.fromEntries(Object.entries(outputs).map(([n, o]) => [n, this.restOutput(o)]));
  }

  /** Step inputs: msrest as_dict() of the same models, so snake_case keys. */
  private stepInputs(inputs: Record<string, JobInput>): Json {
    const out: Json = {};
    for (const [name, input] of Object.entries(inputs)) {
      const rest = this.restInput(input);
      out[name] = clean({ job_input_type: rest.jobInputType, uri: rest.uri, value: rest.value, mode: rest.mode });
    }
    return out;
  }

  private stepOutputs(outputs: Record<string, OutputValue>, ports: Record<string, { type: string }> = {}): Json {
    const out: Json = {};
    for (const [name, output] of Object.entries(outputs)) {
      if (output.kind === 'binding') {
        out[name] = clean({ value: output.expr, type: 'literal', mode: output.mode && OUTPUT_MODES[output.mode] });
      } else if (output.unset) {
        continue; // still a port of an inline component, but not an output of the step
      } else {
        const rest = this.restOutput(output);
        // BaseNode._update_output_types: an output the component declares as a file stays a file.
        const declared = ports[name]?.type;
        out[name] = clean({
          job_output_type: !output.type && declared === 'uri_file' ? 'uri_file' : rest.jobOutputType,
          uri: rest.uri,
          mode: rest.mode,
          description: rest.description,
          name: rest.assetName,
          version: rest.assetVersion,
        });
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ shared parts

  private common(job: JobDefinition): Json {
    return clean({
      displayName: job.displayName ?? this.options.jobName,
      description: job.description,
      tags: job.tags,
      properties: job.properties,
      experimentName: job.experimentName ?? this.options.defaultExperimentName,
      computeId: this.computeId(job.compute),
      identity: identity(job.identity),
      services: services(job.services),
      queueSettings: queueSettings(job.queueSettings),
      isArchived: false,
    });
  }

  jobBody(): Json {
    const job = this.plan.job;
    if (job.type === 'command') return { properties: this.commandJob(job) };
    if (job.type === 'sweep') return { properties: this.sweepJob(job) };
    if (job.type === 'spark') return { properties: this.sparkJob(job) };
    if (job.type === 'automl') return { properties: this.automlJob(job) };
    return { properties: this.pipelineJob(job) };
  }

  /** SparkJob._to_rest_object: the typed conf settings last, the identity Spark defaults to. */
  private sparkJob(job: SparkJob): Json {
    const common = this.common(job);
    // Without one, a Spark job runs as the user on serverless Spark and as the pool's identity on an attached pool.
    common.identity ??= identity(job.resources ? { type: 'user_identity' } : { type: 'managed' });
    if (Object.keys(job.properties).length === 0) delete common.properties;
    return clean({
      jobType: 'Spark',
      ...common,
      codeId: this.codeId(job.code),
      entry:
        'file' in job.entry
          ? { sparkJobEntryType: 'SparkJobPythonEntry', file: job.entry.file }
          : { sparkJobEntryType: 'SparkJobScalaEntry', className: job.entry.className },
      pyFiles: job.pyFiles,
      jars: job.jars,
      files: job.files,
      archives: job.archives,
      conf: sparkConfRest(job.conf),
      environmentId: this.environmentId(job.environment),
      args: job.args,
      inputs: this.restInputs(job.inputs),
      outputs: this.restOutputs(job.outputs),
      resources:
        job.resources &&
        clean({ instanceType: job.resources.instanceType, runtimeVersion: job.resources.runtimeVersion }),
    });
  }

  /** AutoMLJob: the task settings automl.ts read, with the data inputs' URIs. */
  private automlJob(job: AutoMLJob): Json {
    const taskDetails: Json = { ...job.taskDetails };
    for (const [key, input] of Object.entries(job.data)) taskDetails[key] = this.restInput(input);
    return clean({
      jobType: 'AutoML',
      ...this.common(job),
      outputs: this.restOutputs(job.outputs),
      resources: job.resources,
      taskDetails,
    });
  }

  private commandJob(job: CommandJob): Json {
    return clean({
      jobType: 'Command',
      ...this.common(job),
      command: mapSingleBrackets(job.command),
      codeId: this.codeId(job.code),
      environmentId: this.environmentId(job.environment),
      environmentVariables: job.environmentVariables,
      distribution: distribution(job.distribution),
      resources: resources(job.resources),
      limits:
        job.timeoutSeconds !== undefined
          ? { jobLimitsType: 'Command', timeout: isoDuration(job.timeoutSeconds) }
          : undefined,
      inputs: this.restInputs(job.inputs),
      outputs: this.restOutputs(job.outputs),
    });
  }

  private sweepJob(job: SweepJob): Json {
    const trial = job.trial;
    let trialBody: Json;
    if (trial.kind === 'anonymous') {
      const c = trial.component;
      trialBody = clean({
        command: mapSingleBrackets(c.command),
        codeId: this.codeId(c.code),
        environmentId: this.environmentId(c.environment),
        environmentVariables: c.environmentVariables,
        distribution: distribution(c.distribution),
        resources: resources(c.resources),
      });
    } else {
      trialBody = { componentId: this.componentId(trial) };
    }
    const res =
      resources(job.resources) ?? (trial.kind === 'anonymous' ? resources(trial.component.resources) : undefined);
    return clean({
      jobType: 'Sweep',
      ...this.common(job),
      ...sweepRest(job),
      trial: trialBody,
      inputs: this.restInputs(job.inputs),
      outputs: this.restOutputs(job.outputs),
      resources: res,
    });
  }

  private pipelineJob(job: PipelineJob): Json {
    const s = job.settings;
    const settings = clean({
      default_compute: this.computeId(s.defaultCompute),
      default_datastore: s.defaultDatastore && namedId(this.options.scope, 'datastores', s.defaultDatastore),
      continue_on_step_failure: s.continueOnStepFailure,
      force_rerun: s.forceRerun,
      default_environment: s.defaultEnvironment,
      on_init: s.onInit,
      on_finalize: s.onFinalize,
      ...(s.extra ?? {}),
      _source: 'YAML.JOB',
    });
    const jobs: Json = {};
    for (const [name, step] of Object.entries(job.jobs)) jobs[name] = this.step(name, step, true);
    return clean({
      jobType: 'Pipeline',
      ...this.common(job),
      inputs: this.restInputs(job.inputs, true),
      outputs: this.restOutputs(job.outputs),
      settings,
      jobs,
    });
  }

  /** A step of a pipeline job (named) or of a pipeline component (azure-ai-ml leaves the name out there). */
  private step(name: string, step: PipelineStep, named: boolean): Json {
    const body =
      step.type === 'command'
        ? this.commandStep(name, step)
        : step.type === 'sweep'
          ? this.sweepStep(name, step)
          : step.type === 'parallel'
            ? this.parallelStep(name, step)
            : step.type === 'pipeline'
              ? this.pipelineComponentStep(name, step)
              : step.type === 'spark'
                ? this.sparkStep(name, step)
                : this.automlStep(name, step);
    if (!named) delete body.name;
    return body;
  }

  private stepCommon(
    name: string,
    step: CommandStep | SweepStep | ParallelStep | PipelineComponentStep | SparkStep,
  ): Json {
    const source = step.type === 'sweep' ? step.trial : step.component;
    const ports = source.kind === 'anonymous' ? source.component.outputs : {};
    return {
      name,
      display_name: step.displayName,
      description: step.description,
      tags: step.tags,
      properties: step.properties,
      computeId: this.computeId(step.compute),
      inputs: this.stepInputs(step.inputs),
      outputs: this.stepOutputs(step.outputs, ports),
      identity: snakeKeys(identity(step.identity)),
      queue_settings: snakeKeys(queueSettings(step.queueSettings)),
    };
  }

  private commandStep(name: string, step: CommandStep): Json {
    return compact({
      ...this.stepCommon(name, step),
      _source: stepSource(step.component, step.source),
      type: 'command',
      componentId: this.componentId(step.component),
      environment_variables: step.environmentVariables,
      distribution: snakeKeys(distribution(step.distribution)),
      resources: snakeKeys(resources(step.resources, false)),
      limits:
        step.timeoutSeconds !== undefined
          ? { job_limits_type: 'Command', timeout: isoDuration(step.timeoutSeconds) }
          : undefined,
      services: step.services && snakeKeys(services(step.services)),
    });
  }

  /** A sweep step goes out in its YAML form (azure-ai-ml dumps the node schema), seconds and all. */
  private sweepStep(name: string, step: SweepStep): Json {
    const l = step.limits;
    return compact({
      ...this.stepCommon(name, step),
      _source: stepSource(step.trial, 'YAML.COMPONENT'),
      type: 'sweep',
      trial: { componentId: this.componentId(step.trial) },
      sampling_algorithm:
        step.samplingAlgorithm.seed === undefined && !step.samplingAlgorithm.rule && !step.samplingAlgorithm.logbase
          ? step.samplingAlgorithm.type
          : clean({
              type: step.samplingAlgorithm.type,
              seed: step.samplingAlgorithm.seed,
              rule: step.samplingAlgorithm.rule,
              logbase: step.samplingAlgorithm.logbase,
            }),
      search_space: Object.fromEntries(Object.entries(step.searchSpace).map(([k, d]) => [k, searchSpaceYaml(d)])),
      objective: { goal: step.objective.goal, primary_metric: step.objective.primaryMetric },
      limits: l
        ? clean({
            max_concurrent_trials: l.maxConcurrentTrials,
            max_total_trials: l.maxTotalTrials,
            timeout: l.timeoutSeconds,
            trial_timeout: l.trialTimeoutSeconds,
          })
        : undefined,
      early_termination: step.earlyTermination ? earlyTerminationYaml(step.earlyTermination) : undefined,
      resources: snakeKeys(resources(step.resources, false)),
    });
  }

  /** Parallel node: BaseNode fields, the node schema's picks, then what Parallel._to_rest_object adds. */
  private parallelStep(name: string, step: ParallelStep): Json {
    // Parallel.__init__: what the step leaves out comes from its component.
    const c = step.component.kind === 'anonymous' ? step.component.component : undefined;
    const pick = <K extends keyof ParallelSettings>(k: K): ParallelSettings[K] => step[k] ?? c?.[k];
    const task = step.task ?? c?.task;
    const mbs = pick('miniBatchSize');
    const keys = pick('partitionKeys');
    return compact({
      ...this.stepCommon(name, step),
      _source: stepSource(step.component, step.source),
      type: 'parallel',
      componentId: this.componentId(step.component),
      resources: snakeKeys(resources(pick('resources'), false)),
      error_threshold: step.errorThreshold,
      mini_batch_error_threshold: pick('miniBatchErrorThreshold'),
      environment_variables: step.environmentVariables,
      max_concurrency_per_instance: pick('maxConcurrencyPerInstance'),
      task: task && this.parallelTaskYaml(task),
      input_data: pick('inputData'),
      retry_settings: retryYaml(step.retrySettings),
      logging_level: step.loggingLevel,
      mini_batch_size: mbs === undefined ? undefined : Number(mbs),
      partition_keys: keys === undefined ? undefined : pyJsonDumps(keys),
    });
  }

  private pipelineComponentStep(name: string, step: PipelineComponentStep): Json {
    const common = this.stepCommon(name, step);
    // A pipeline node keeps only the inputs its component declares.
    if (step.component.kind === 'anonymous') {
      const declared = step.component.component.inputs;
      common.inputs = Object.fromEntries(Object.entries(common.inputs as Json).filter(([k]) => k in declared));
    }
    return compact({
      ...common,
      _source: stepSource(step.component, step.source),
      type: 'pipeline',
      componentId: this.componentId(step.component),
    });
  }

  /**
   * Spark node: BaseNode fields, the node schema's picks (conf typed, as YAML has it), then what
   * Spark._to_rest_object adds. The program (entry, files, args) is always the component's; a
   * step without identity runs as the pool's managed identity on a compute, as the user on serverless.
   */
  private sparkStep(name: string, step: SparkStep): Json {
    const c = step.component.kind === 'anonymous' ? step.component.component : undefined;
    const conf = step.conf && Object.keys(step.conf).length ? step.conf : c?.conf;
    const own =
      step.identity ??
      (step.compute ? { type: 'managed' as const } : step.resources ? { type: 'user_identity' as const } : undefined);
    return compact({
      ...this.stepCommon(name, step),
      _source: stepSource(step.component, step.source),
      type: 'spark',
      componentId: this.componentId(step.component),
      resources:
        step.resources &&
        clean({ instance_type: step.resources.instanceType, runtime_version: step.resources.runtimeVersion }),
      py_files: c?.pyFiles,
      jars: c?.jars,
      files: c?.files,
      archives: c?.archives,
      identity: snakeKeys(identity(own)),
      conf: conf && sparkConfTyped(conf, true),
      args: c?.args,
      entry: c && sparkEntryRest(c.entry, true),
    });
  }

  /**
   * An AutoML node goes out as azure-ai-ml's YAML dump of the AutoML job: the fields as written plus
   * the defaults its schema fills in (log_verbosity, NLP max_nodes, bandit policy zeros), image
   * search spaces as expression strings, and outputs as msrest dicts.
   */
  private automlStep(name: string, step: AutoMLStep): Json {
    const f: Record<string, PyValue> = { ...step.fields };
    if (f.log_verbosity === undefined) f.log_verbosity = 'info';
    if (step.task.startsWith('text_')) {
      const limits = isMap(f.limits) ? { ...f.limits } : {};
      if (limits.max_nodes === undefined) limits.max_nodes = 1;
      f.limits = limits;
    }
    if (isMap(f.sweep)) {
      const sweep = { ...f.sweep };
      if (isMap(sweep.early_termination)) sweep.early_termination = automlPolicy(sweep.early_termination);
      f.sweep = sweep;
    }
    if (Array.isArray(f.search_space) && step.task.startsWith('image_')) {
      f.search_space = f.search_space.map((space) =>
        isMap(space)
          ? Object.fromEntries(Object.entries(space).map(([k, v]) => [k, automlSearchExpression(v)]))
          : space,
      );
    }
    return compact(
      {
        ...(f as Json),
        name,
        type: 'automl',
        display_name: step.displayName,
        description: step.description,
        // The AutoML schema dumps empty tags and properties rather than leaving them out.
        tags: step.tags,
        properties: step.properties,
        computeId: this.computeId(step.compute),
        inputs: Object.keys(step.inputs).length ? this.stepInputs(step.inputs) : undefined,
        outputs: this.stepOutputs(step.outputs),
        identity: snakeKeys(identity(step.identity)),
        queue_settings: snakeKeys(queueSettings(step.queueSettings)),
      },
      ['tags', 'properties'],
    );
  }

  private parallelTaskYaml(t: ParallelTask): Json {
    const code = this.codeId(t.code);
    const env = this.environmentId(t.environment);
    return clean({
      type: t.type,
      code: code && code.startsWith('/subscriptions/') ? `azureml:${code}` : code,
      entry_script: t.entryScript,
      program_arguments: t.programArguments,
      append_row_to: t.appendRowTo,
      environment: env && env.startsWith('/subscriptions/') ? `azureml:${env}` : env,
    });
  }

  // ------------------------------------------------------------------ components

  /** componentSpec of an anonymous component, and its content-hash version. */
  componentRequest(key: string, c: AnyComponent): ComponentRequest {
    if (c.componentType === 'parallel') return this.parallelComponentRequest(key, c);
    if (c.componentType === 'pipeline') return this.pipelineComponentRequest(key, c);
    if (c.componentType === 'spark') return this.sparkComponentRequest(key, c);
    return this.commandComponentRequest(key, c);
  }

  /** hash_dict of the spec without name and version, and the request body around it. */
  private anonymousRequest(
    key: string,
    c: AnyComponent,
    spec: Record<string, PyValue>,
    extra: Json = {},
  ): ComponentRequest {
    const { name: _n, version: _v, ...hashed } = spec;
    const version = md5Uuid(pyJsonDumps({ ...hashed, ...(extra as Record<string, PyValue>) }));
    const body = {
      properties: clean({
        componentSpec: { ...spec, _source: c.source, ...extra },
        description: c.description,
        isAnonymous: true,
        isArchived: false,
        properties: {},
        tags: c.tags,
      }),
    };
    return { key, name: ANONYMOUS_COMPONENT_NAME, version, body };
  }

  private interfaceSpec(key: string, c: AnyComponent, type: string): Record<string, PyValue> {
    const spec: Record<string, PyValue> = {};
    const put = (k: string, v: PyValue | undefined) => {
      if (v !== undefined && v !== null) spec[k] = v;
    };
    put('$schema', c.schema);
    put('name', ANONYMOUS_COMPONENT_NAME);
    put('version', '1');
    put('display_name', c.displayName);
    put('description', c.description);
    if (Object.keys(c.tags).length) put('tags', c.tags);
    put('type', type);
    if (c.componentType !== 'pipeline') put('is_deterministic', c.isDeterministic ?? true);
    const inputs = this.componentInputs(key, c);
    if (Object.keys(inputs).length) put('inputs', inputs);
    const outputs = this.componentOutputs(key, c);
    if (Object.keys(outputs).length) put('outputs', outputs);
    return spec;
  }

  private parallelComponentRequest(key: string, c: ParallelComponent): ComponentRequest {
    const spec = this.interfaceSpec(key, c, 'parallel');
    const put = (k: string, v: unknown) => {
      if (v !== undefined && v !== null) spec[k] = v as PyValue;
    };
    if (c.resources) put('resources', resourcesYaml(c.resources));
    put('logging_level', c.loggingLevel);
    put('task', this.parallelTaskYaml(c.task));
    put('mini_batch_size', c.miniBatchSize);
    put('input_data', c.inputData);
    put('retry_settings', retryYaml(c.retrySettings));
    put('max_concurrency_per_instance', c.maxConcurrencyPerInstance);
    put('error_threshold', c.errorThreshold);
    put('mini_batch_error_threshold', c.miniBatchErrorThreshold);
    put('partition_keys', c.partitionKeys && pyJsonDumps(c.partitionKeys));
    return this.anonymousRequest(key, c, spec);
  }

  /** SparkComponent: the interface and the program; conf typed as written. */
  private sparkComponentRequest(key: string, c: SparkComponent): ComponentRequest {
    const spec = this.interfaceSpec(key, c, 'spark');
    const put = (k: string, v: unknown) => {
      if (v !== undefined && v !== null) spec[k] = v as PyValue;
    };
    const code = this.codeId(c.code);
    if (code) put('code', code.startsWith('/subscriptions/') ? `azureml:${code}` : code);
    put('entry', 'file' in c.entry ? { file: c.entry.file } : { class_name: c.entry.className });
    put('py_files', c.pyFiles);
    put('jars', c.jars);
    put('files', c.files);
    put('archives', c.archives);
    if (Object.keys(c.conf).length) put('conf', sparkConfTyped(c.conf));
    const env = this.environmentId(c.environment);
    if (env) put('environment', env.startsWith('/subscriptions/') ? `azureml:${env}` : env);
    put('args', c.args);
    return this.anonymousRequest(key, c, spec);
  }

  /** PipelineComponent._to_rest_object: the interface, its steps as REST nodes (unnamed) and sourceJobId. */
  private pipelineComponentRequest(key: string, c: PipelineComponent): ComponentRequest {
    const spec = this.interfaceSpec(key, c, 'pipeline');
    const jobs: Json = {};
    for (const [name, step] of Object.entries(c.jobs)) jobs[name] = this.step(name, step, false);
    return this.anonymousRequest(key, c, spec, { jobs, sourceJobId: null });
  }

  /** componentSpec of an anonymous command component, and its content-hash version. */
  private commandComponentRequest(key: string, c: CommandComponent): ComponentRequest {
    const spec: Record<string, PyValue> = {};
    const put = (k: string, v: PyValue | undefined) => {
      if (v !== undefined && v !== null) spec[k] = v;
    };
    put('$schema', c.schema);
    put('name', ANONYMOUS_COMPONENT_NAME);
    put('version', '1');
    put('display_name', c.displayName);
    put('description', c.description);
    if (Object.keys(c.tags).length) put('tags', c.tags);
    put('type', 'command');
    put('is_deterministic', c.isDeterministic ?? true);
    const inputs = this.componentInputs(key, c);
    if (Object.keys(inputs).length) put('inputs', inputs);
    const outputs = this.componentOutputs(key, c);
    if (Object.keys(outputs).length) put('outputs', outputs);
    put('command', mapSingleBrackets(c.command));
    const code = this.codeId(c.code);
    if (code) put('code', code.startsWith('/subscriptions/') ? `azureml:${code}` : code);
    const env = this.environmentId(c.environment);
    if (env) put('environment', env.startsWith('/subscriptions/') ? `azureml:${env}` : env);
    if (c.distribution) put('distribution', distributionYaml(c.distribution));
    if (c.resources) put('resources', resourcesYaml(c.resources));
    // azure-ai-ml's hash_dict: md5 of json.dumps(sort_keys=True) without name, version and id.
    const { name: _n, version: _v, ...hashed } = spec;
    const version = md5Uuid(pyJsonDumps(hashed));
    const body = {
      properties: clean({
        componentSpec: { ...spec, _source: c.source },
        description: c.description,
        isAnonymous: true,
        isArchived: false,
        properties: {},
        tags: c.tags,
      }),
    };
    return { key, name: ANONYMOUS_COMPONENT_NAME, version, body };
  }

  private componentInputs(key: string, c: AnyComponent): Record<string, PyValue> {
    const out: Record<string, PyValue> = {};
    for (const [name, p] of Object.entries(c.inputs)) {
      const port: Record<string, PyValue> = { type: p.type };
      if (p.description !== undefined) port.description = p.description;
      if (p.default !== undefined && p.default !== null) port.default = portValue(p.type, p.default);
      if (p.optional !== undefined) port.optional = p.optional;
      if (p.min !== undefined) port.min = portValue(p.type, p.min);
      if (p.max !== undefined) port.max = portValue(p.type, p.max);
      if (p.enum !== undefined) port.enum = p.enum;
      if (p.mode !== undefined) port.mode = p.mode;
      out[name] = port;
    }
    // An inline step's component takes its interface from the step's own inputs.
    const found = this.stepOf(key);
    if (found && c.source === 'YAML.JOB' && Object.keys(c.inputs).length === 0) {
      for (const [name, input] of Object.entries(found.step.inputs))
        out[name] = this.inferredInput(input, found.parent);
    }
    return out;
  }

  private componentOutputs(key: string, c: AnyComponent): Record<string, PyValue> {
    const out: Record<string, PyValue> = {};
    for (const [name, p] of Object.entries(c.outputs)) {
      const port: Record<string, PyValue> = { type: p.type };
      if (p.description !== undefined) port.description = p.description;
      if (p.mode !== undefined) port.mode = p.mode;
      out[name] = port;
    }
    const found = this.stepOf(key);
    if (found && c.source === 'YAML.JOB' && Object.keys(c.outputs).length === 0) {
      for (const [name, o] of Object.entries(found.step.outputs)) {
        // Bound to a pipeline output: the port takes that output's type and mode.
        const parent = o.kind === 'binding' ? /^\$\{\{\s*parent\.outputs\.(\w+)\s*\}\}$/.exec(o.expr) : null;
        const bound = parent ? found.parent.outputs[parent[1]] : undefined;
        if (bound && 'type' in bound && !('kind' in bound)) {
          out[name] = clean({ type: bound.type, mode: bound.mode }) as PyValue;
          continue;
        }
        const source = bound && 'kind' in bound && bound.kind === 'output' ? bound : o;
        const port: Record<string, PyValue> = { type: (source.kind === 'output' && source.type) || 'uri_folder' };
        if (source.mode) port.mode = source.mode;
        out[name] = port;
      }
    }
    return out;
  }

  private inferredInput(input: JobInput, parentScope: ParentScope): PyValue {
    if (input.kind === 'data') return clean({ type: input.type, mode: input.mode }) as PyValue;
    if (input.kind === 'literal') {
      const type = literalType(input.value);
      return input.value === null ? { type } : { type, default: portValue(type, input.value) };
    }
    if (input.type) return clean({ type: input.type, mode: input.mode }) as PyValue;
    const parent = /^\$\{\{\s*parent\.inputs\.([\w.]+)\s*\}\}$/.exec(input.expr);
    const bound = parent ? parentScope.inputs[parent[1]] : undefined;
    // Bound to a pipeline input: the type follows that input, its value stays the pipeline's.
    if (bound && !('kind' in bound)) return { type: bound.type };
    if (bound?.kind === 'literal') return { type: literalType(bound.value) };
    if (bound) return this.inferredInput(bound, parentScope);
    // Bound to another step's output: the type that output has.
    const sibling = /^\$\{\{\s*parent\.jobs\.([\w-]+)\.outputs\.(\w+)\s*\}\}$/.exec(input.expr);
    const upstream = sibling ? parentScope.jobs[sibling[1]] : undefined;
    if (upstream) return { type: stepOutputType(upstream, sibling![2]) };
    return { type: 'uri_folder' };
  }

  /** The step an inline component belongs to, with the pipeline (job or component) around it. */
  private stepOf(key: string): { step: PipelineStep; parent: ParentScope } | undefined {
    const job = this.plan.job;
    if (job.type !== 'pipeline') return undefined;
    const search = (jobs: Record<string, PipelineStep>, parent: ParentScope): ReturnType<Context['stepOf']> => {
      for (const s of Object.values(jobs)) {
        const source = s.type === 'sweep' ? s.trial : s.type === 'automl' ? undefined : s.component;
        if (source && this.plan.keys.get(source) === key) return { step: s, parent };
        if (s.type === 'pipeline' && s.component.kind === 'anonymous') {
          const inner = search(s.component.component.jobs, s.component.component);
          if (inner) return inner;
        }
      }
      return undefined;
    };
    return search(job.jobs, job);
  }
}

/** What `${{parent.inputs.x}}` and `${{parent.outputs.x}}` of a step refer to. */
type ParentScope =
  | { inputs: Record<string, JobInput>; outputs: Record<string, OutputValue>; jobs: Record<string, PipelineStep> }
  | {
      inputs: Record<string, PortDefinition>;
      outputs: Record<string, PortDefinition>;
      jobs: Record<string, PipelineStep>;
    };

/** The type of a step's output: as the step writes it, else as its component declares it. */
function stepOutputType(step: PipelineStep, output: string): string {
  const o = step.outputs[output];
  if (o?.kind === 'output' && o.type) return o.type;
  const source = step.type === 'sweep' ? step.trial : step.type === 'automl' ? undefined : step.component;
  const port = source?.kind === 'anonymous' ? source.component.outputs[output] : undefined;
  return port?.type ?? 'uri_folder';
}

function retryYaml(r: ParallelSettings['retrySettings']): Json | undefined {
  return r ? clean({ timeout: r.timeout, max_retries: r.maxRetries }) : undefined;
}

const isMap = (v: unknown): v is Record<string, PyValue> =>
  !!v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof PyFloat);

/** BanditPolicy's defaults as its schema dumps them. */
function automlPolicy(p: Record<string, PyValue>): Record<string, PyValue> {
  if (String(p.type).toLowerCase() !== 'bandit') return p;
  return { delay_evaluation: 0, evaluation_interval: 0, slack_amount: 0, slack_factor: 0, ...p };
}

/** An image search-space distribution as azure-ai-ml writes it: uniform(0.001,0.01), choice('a','b'). */
function automlSearchExpression(v: PyValue): PyValue {
  if (!isMap(v) || typeof v.type !== 'string') return v;
  const arg = (x: PyValue): string => {
    if (typeof x === 'string') return `'${x.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
    if (x instanceof PyFloat) return pyFloatRepr(x.value);
    if (typeof x === 'boolean') return x ? 'True' : 'False';
    if (typeof x === 'number') return String(x);
    return pyStr(x);
  };
  const type = v.type.toLowerCase();
  const args =
    type === 'choice'
      ? (Array.isArray(v.values) ? v.values : []).map(arg)
      : type === 'randint'
        ? [arg(v.upper)]
        : ['min_value', 'max_value', 'mu', 'sigma', 'q'].filter((k) => v[k] !== undefined).map((k) => arg(v[k]));
  return `${type}(${args.join(',')})`;
}

function literalType(v: PyValue): string {
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (v instanceof PyFloat) return 'number';
  return 'string';
}

/** Component port values are dumped as text typed by the port: number 1024 -> "1024.0". */
function portValue(type: string, v: PyValue): string {
  const n = v instanceof PyFloat ? v.value : v;
  if (type === 'number' && typeof n === 'number') return pyFloatRepr(n);
  if (type === 'integer' && typeof n === 'number') return String(Math.trunc(n));
  return pyStr(v);
}

/** `_source` of a step: where its component came from (BaseNode / Component._resolve_component_source_from_id). */
function stepSource(c: ComponentSource<AnyComponent>, own: string): string {
  if (c.kind === 'anonymous') return own;
  return c.ref.startsWith('azureml://registries/') ? 'REMOTE.REGISTRY' : 'REMOTE.WORKSPACE_COMPONENT';
}

function distributionYaml(d: Distribution): PyValue {
  if (d.type === 'tensorflow') {
    return clean({
      type: d.type,
      parameter_server_count: d.parameterServerCount,
      worker_count: d.workerCount,
    }) as PyValue;
  }
  return clean({ type: d.type, process_count_per_instance: d.processCountPerInstance }) as PyValue;
}

function resourcesYaml(r: Resources): PyValue {
  return clean({
    instance_count: r.instanceCount,
    instance_type: r.instanceType,
    shm_size: r.shmSize,
    docker_args: r.dockerArgs,
    properties: r.properties,
    locations: r.locations,
  }) as PyValue;
}

/**
 * The body as JSON text the way azure-ai-ml's serializer writes it: floats written as floats in
 * the YAML stay floats (1.0, not 1), everything else as JSON.stringify.
 */
export function toJsonText(body: unknown): string {
  const walk = (v: unknown): string => {
    if (v instanceof PyFloat) return pyFloatRepr(v.value);
    if (Array.isArray(v)) return `[${v.map(walk).join(',')}]`;
    if (v && typeof v === 'object') {
      const entries = Object.entries(v as Json).filter(([, x]) => x !== undefined);
      return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${walk(x)}`).join(',')}}`;
    }
    return JSON.stringify(v);
  };
  return walk(body);
}

/** azure-ai-ml rewrites `{inputs.x}` written with single brackets to `${{inputs.x}}` (with a warning). */
export function mapSingleBrackets(command: string): string {
  return command.replace(/(?<!\$\{)\{((?:inputs|outputs|search_space)\.[\w.]+)\}(?!\})/g, '${{$1}}');
}

function distribution(d: Distribution | undefined): Json | undefined {
  if (!d) return undefined;
  if (d.type === 'tensorflow') {
    return clean({
      distributionType: DISTRIBUTION_TYPES[d.type],
      parameterServerCount: d.parameterServerCount,
      workerCount: d.workerCount,
    });
  }
  return clean({ distributionType: DISTRIBUTION_TYPES[d.type], processCountPerInstance: d.processCountPerInstance });
}

function resources(r: Resources | undefined, withProperties = true): Json | undefined {
  if (!r) return undefined;
  return clean({
    instanceCount: r.instanceCount,
    instanceType: r.instanceType,
    locations: r.locations,
    properties: r.properties ?? (withProperties ? {} : undefined),
    dockerArgs: r.dockerArgs,
    shmSize: r.shmSize,
  });
}

function identity(i: Identity | undefined): Json | undefined {
  if (!i) return undefined;
  if (i.type === 'user_identity') return { identityType: 'UserIdentity' };
  if (i.type === 'aml_token') return { identityType: 'AMLToken' };
  return clean({ identityType: 'Managed', clientId: i.clientId, objectId: i.objectId, resourceId: i.resourceId });
}

function services(s: Record<string, Service> | undefined): Json | undefined {
  if (!s) return undefined;
  const out: Json = {};
  for (const [name, svc] of Object.entries(s)) {
    const props: Record<string, string> = { ...(svc.properties ?? {}) };
    if (svc.sshPublicKeys) props.sshPublicKeys = svc.sshPublicKeys;
    if (svc.logDir) props.logDir = svc.logDir;
    out[name] = clean({
      jobServiceType: SERVICE_TYPES[svc.type],
      nodes: svc.nodes ? { nodesValueType: svc.nodes.toLowerCase() === 'all' ? 'All' : svc.nodes } : undefined,
      port: svc.port,
      properties: Object.keys(props).length ? props : undefined,
    });
  }
  return out;
}

function queueSettings(q: QueueSettings | undefined): Json | undefined {
  if (!q) return undefined;
  return clean({
    jobTier: q.jobTier ? JOB_TIERS[q.jobTier] : undefined,
    priority: q.priority ? PRIORITIES[q.priority] : undefined,
  });
}

function sweepRest(s: SweepSettings): Json {
  const a = s.samplingAlgorithm;
  const sampling =
    a.type === 'random'
      ? clean({ samplingAlgorithmType: 'Random', rule: a.rule && capitalize(a.rule), seed: a.seed, logbase: a.logbase })
      : { samplingAlgorithmType: a.type === 'grid' ? 'Grid' : 'Bayesian' };
  const l = s.limits;
  return clean({
    samplingAlgorithm: sampling,
    searchSpace: Object.fromEntries(Object.entries(s.searchSpace).map(([k, d]) => [k, searchSpaceRest(d)])),
    // The spec's Goal enum is Minimize/Maximize; azure-ai-ml passes the YAML's lower case, which the
    // service accepts case-insensitively. Capitalised here so the body also validates against the spec.
    objective: { goal: capitalize(s.objective.goal), primaryMetric: s.objective.primaryMetric },
    limits: l
      ? clean({
          jobLimitsType: 'Sweep',
          maxConcurrentTrials: l.maxConcurrentTrials,
          maxTotalTrials: l.maxTotalTrials,
          timeout: l.timeoutSeconds !== undefined ? isoDuration(l.timeoutSeconds) : undefined,
          trialTimeout: l.trialTimeoutSeconds !== undefined ? isoDuration(l.trialTimeoutSeconds) : undefined,
        })
      : undefined,
    earlyTermination: s.earlyTermination ? earlyTerminationRest(s.earlyTermination) : undefined,
  });
}

const capitalize = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** SweepDistribution._to_rest_object: [type, [args]] (choice wraps its list once more). */
function searchSpaceRest(d: SearchDistribution): unknown[] {
  switch (d.type) {
    case 'choice':
      return ['choice', [d.values]];
    case 'randint':
      return ['randint', [d.upper]];
    case 'uniform':
    case 'loguniform':
      return [d.type, [d.minValue, d.maxValue]];
    case 'quniform':
    case 'qloguniform':
      return [d.type, [d.minValue, d.maxValue, d.q]];
    case 'normal':
    case 'lognormal':
      return [d.type, [d.mu, d.sigma]];
    default:
      return [d.type, [d.mu, d.sigma, d.q]];
  }
}

function searchSpaceYaml(d: SearchDistribution): Json {
  switch (d.type) {
    case 'choice':
      return { type: 'choice', values: d.values };
    case 'randint':
      return { type: 'randint', upper: d.upper };
    case 'uniform':
    case 'loguniform':
      return { type: d.type, min_value: d.minValue, max_value: d.maxValue };
    case 'quniform':
    case 'qloguniform':
      return { type: d.type, min_value: d.minValue, max_value: d.maxValue, q: d.q };
    case 'normal':
    case 'lognormal':
      return { type: d.type, mu: d.mu, sigma: d.sigma };
    default:
      return { type: d.type, mu: d.mu, sigma: d.sigma, q: d.q };
  }
}

function earlyTerminationRest(e: EarlyTermination): Json {
  const base = { delayEvaluation: e.delayEvaluation ?? 0, evaluationInterval: e.evaluationInterval ?? 0 };
  if (e.type === 'bandit') {
    return clean({ policyType: 'Bandit', ...base, slackFactor: e.slackFactor, slackAmount: e.slackAmount });
  }
  if (e.type === 'median_stopping') return { policyType: 'MedianStopping', ...base };
  return { policyType: 'TruncationSelection', ...base, truncationPercentage: e.truncationPercentage ?? 0 };
}

function earlyTerminationYaml(e: EarlyTermination): Json {
  return clean({
    type: e.type,
    delay_evaluation: e.delayEvaluation ?? 0,
    evaluation_interval: e.evaluationInterval ?? 0,
    slack_factor: e.type === 'bandit' ? e.slackFactor : undefined,
    slack_amount: e.type === 'bandit' ? e.slackAmount : undefined,
    truncation_percentage: e.type === 'truncation_selection' ? (e.truncationPercentage ?? 0) : undefined,
  });
}

/** camelCase REST keys to the snake_case of msrest as_dict(), as pipeline steps carry them. */
function snakeKeys(v: Json | undefined): Json | undefined {
  if (!v) return undefined;
  const out: Json = {};
  for (const [k, x] of Object.entries(v)) {
    const key = k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    out[key] = x && typeof x === 'object' && !Array.isArray(x) ? snakeKeys(x as Json) : x;
  }
  return out;
}

const SPARK_TYPED_CONF = [
  'spark.driver.cores',
  'spark.driver.memory',
  'spark.executor.cores',
  'spark.executor.memory',
  'spark.dynamicAllocation.enabled',
  'spark.dynamicAllocation.minExecutors',
  'spark.dynamicAllocation.maxExecutors',
  'spark.executor.instances',
];

/**
 * The REST conf (a map of strings): other settings as written, then the typed ones; with dynamic
 * allocation on, executor instances default to the minimum (as azure-ai-ml's validation sets them).
 * Values are written as Python's str() does, the way azure-ai-ml's serializer sends them.
 */
/**
 * The conf as a Spark node or component carries it: typed settings as values, others as written.
 * A node is validated as a job is, so with dynamic allocation its executor instances default to the minimum.
 */
function sparkConfTyped(conf: Record<string, PyValue>, node = false): Record<string, PyValue> {
  const out: Record<string, PyValue> = {};
  for (const [k, v] of Object.entries(conf)) if (!SPARK_TYPED_CONF.includes(k)) out[k] = v;
  for (const k of SPARK_TYPED_CONF) if (conf[k] !== undefined && conf[k] !== null) out[k] = conf[k];
  const min = conf['spark.dynamicAllocation.minExecutors'];
  if (
    node &&
    conf['spark.dynamicAllocation.enabled'] === true &&
    out['spark.executor.instances'] === undefined &&
    min != null
  )
    out['spark.executor.instances'] = min;
  return out;
}

/** SparkJobEntry as REST: camelCase on a job, msrest's snake_case on a pipeline node. */
function sparkEntryRest(entry: SparkEntry, snake: boolean): Json {
  const type = snake ? 'spark_job_entry_type' : 'sparkJobEntryType';
  return 'file' in entry
    ? { file: entry.file, [type]: 'SparkJobPythonEntry' }
    : { [snake ? 'class_name' : 'className']: entry.className, [type]: 'SparkJobScalaEntry' };
}

export function sparkConfRest(conf: Record<string, PyValue>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(conf)) if (!SPARK_TYPED_CONF.includes(k)) out[k] = pyStr(v);
  const dynamic = conf['spark.dynamicAllocation.enabled'] === true;
  for (const k of SPARK_TYPED_CONF) {
    let v = conf[k];
    if (k.startsWith('spark.dynamicAllocation.') && !dynamic) continue;
    if (k === 'spark.executor.instances' && v === undefined && dynamic)
      v = conf['spark.dynamicAllocation.minExecutors'];
    if (v !== undefined && v !== null) out[k] = pyStr(v);
  }
  return out;
}
