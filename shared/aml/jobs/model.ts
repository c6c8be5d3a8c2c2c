import type { SourceLocation } from '../../host';
import type { PyFloat, PyValue } from './python-compat';

/**
 * A job YAML (the same file `az ml job create -f` takes) after loading and validation: every
 * reference still unresolved, every path absolute, every value where it came from.
 */
export type JobDefinition = CommandJob | SweepJob | PipelineJob | SparkJob | AutoMLJob;

export const DATA_TYPES = [
  'uri_file',
  'uri_folder',
  'mltable',
  'mlflow_model',
  'custom_model',
  'triton_model',
] as const;
export type DataType = (typeof DATA_TYPES)[number];
export const LITERAL_TYPES = ['string', 'integer', 'number', 'boolean'] as const;
export const INPUT_MODES = [
  'ro_mount',
  'rw_mount',
  'download',
  'direct',
  'eval_mount',
  'eval_download',
  'mount',
] as const;
export type InputMode = (typeof INPUT_MODES)[number];
export const OUTPUT_MODES = ['rw_mount', 'upload', 'direct', 'mount'] as const;
export type OutputMode = (typeof OUTPUT_MODES)[number];

export interface LiteralInput {
  kind: 'literal';
  value: PyValue;
  where: SourceLocation;
}
/** `${{parent.inputs.x}}`, `${{parent.jobs.a.outputs.b}}`, `${{inputs.x}}`... passed through as text. */
export interface BindingInput {
  kind: 'binding';
  expr: string;
  mode?: InputMode;
  /** The type written beside a bound path (`type: mltable, path: ${{...}}`). */
  type?: string;
  where: SourceLocation;
}
export interface DataInput {
  kind: 'data';
  type: DataType;
  /** As written: local path (relative to the YAML), azureml:..., a URL or a datastore URI. */
  path: string;
  mode?: InputMode;
  datastore?: string;
  where: SourceLocation;
}
export type JobInput = LiteralInput | BindingInput | DataInput;

export interface JobOutput {
  kind: 'output';
  type?: DataType;
  path?: string;
  mode?: OutputMode;
  name?: string;
  version?: string;
  description?: string;
  /** Written with no value (`model:`): a pipeline step sends no such output; az ml leaves it out. */
  unset?: boolean;
  where: SourceLocation;
}
export interface BindingOutput {
  kind: 'binding';
  expr: string;
  mode?: OutputMode;
  where: SourceLocation;
}
export type OutputValue = JobOutput | BindingOutput;

/** Where code comes from: a local folder (uploaded as an anonymous code asset) or an existing asset. */
export type CodeSource =
  | { kind: 'local'; path: string; where: SourceLocation }
  | { kind: 'reference'; ref: string; where: SourceLocation }
  | { kind: 'remote'; uri: string; where: SourceLocation };

export interface InlineEnvironment {
  kind: 'inline';
  image?: string;
  /** Parsed conda file (a mapping), from a file or written inline. */
  conda?: PyValue;
  build?: { path: string; dockerfilePath?: string; local: boolean };
  description?: string;
  tags?: Record<string, string>;
  osType?: string;
  inferenceConfig?: PyValue;
  where: SourceLocation;
}
export type EnvironmentSource = InlineEnvironment | { kind: 'reference'; ref: string; where: SourceLocation };

export type Distribution =
  | { type: 'pytorch' | 'mpi'; processCountPerInstance?: number }
  | { type: 'tensorflow'; parameterServerCount?: number; workerCount?: number };

export interface Resources {
  instanceCount?: number;
  instanceType?: string;
  shmSize?: string;
  dockerArgs?: string;
  properties?: Record<string, PyValue>;
  locations?: string[];
}

export type Identity =
  | { type: 'user_identity' }
  | { type: 'aml_token' }
  | { type: 'managed'; clientId?: string; objectId?: string; resourceId?: string };

export interface Service {
  type: 'jupyter_lab' | 'ssh' | 'tensor_board' | 'vs_code';
  nodes?: string;
  port?: number;
  sshPublicKeys?: string;
  logDir?: string;
  properties?: Record<string, string>;
}

export interface QueueSettings {
  jobTier?: string;
  priority?: string;
}

/** Fields every job (and most pipeline steps) may carry. */
export interface JobCommon {
  name?: string;
  displayName?: string;
  description?: string;
  tags: Record<string, string>;
  properties: Record<string, string>;
  experimentName?: string;
  /** Compute name (azureml: prefix removed) or ARM id; undefined means serverless / the default. */
  compute?: string;
  identity?: Identity;
  services?: Record<string, Service>;
  queueSettings?: QueueSettings;
  /** Folder of the YAML file: relative input paths are resolved against it. */
  baseDir: string;
  where: SourceLocation;
}

export interface CommandSpec {
  command: string;
  code?: CodeSource;
  environment?: EnvironmentSource;
  environmentVariables: Record<string, string>;
  distribution?: Distribution;
  resources?: Resources;
}

export interface CommandJob extends JobCommon, CommandSpec {
  type: 'command';
  inputs: Record<string, JobInput>;
  outputs: Record<string, OutputValue>;
  timeoutSeconds?: number;
}

/** A number as written (PyFloat keeps `1.0` a float on the wire). */
export type PyNumber = number | PyFloat;
export type SearchDistribution =
  | { type: 'choice'; values: PyValue[] }
  | { type: 'randint'; upper: PyNumber }
  | { type: 'uniform' | 'loguniform'; minValue: PyNumber; maxValue: PyNumber }
  | { type: 'quniform' | 'qloguniform'; minValue: PyNumber; maxValue: PyNumber; q: PyNumber }
  | { type: 'normal' | 'lognormal'; mu: PyNumber; sigma: PyNumber }
  | { type: 'qnormal' | 'qlognormal'; mu: PyNumber; sigma: PyNumber; q: PyNumber };

export interface SamplingAlgorithm {
  type: 'random' | 'grid' | 'bayesian';
  seed?: number;
  rule?: string;
  logbase?: string;
}

export type EarlyTermination =
  | {
      type: 'bandit';
      delayEvaluation?: number;
      evaluationInterval?: number;
      slackFactor?: number;
      slackAmount?: number;
    }
  | { type: 'median_stopping'; delayEvaluation?: number; evaluationInterval?: number }
  | {
      type: 'truncation_selection';
      delayEvaluation?: number;
      evaluationInterval?: number;
      truncationPercentage?: number;
    };

export interface SweepLimits {
  maxTotalTrials?: number;
  maxConcurrentTrials?: number;
  timeoutSeconds?: number;
  trialTimeoutSeconds?: number;
}

export interface SweepSettings {
  samplingAlgorithm: SamplingAlgorithm;
  searchSpace: Record<string, SearchDistribution>;
  objective: { goal: string; primaryMetric: string };
  limits?: SweepLimits;
  earlyTermination?: EarlyTermination;
}

export interface SweepJob extends JobCommon, SweepSettings {
  type: 'sweep';
  inputs: Record<string, JobInput>;
  outputs: Record<string, OutputValue>;
  trial: ComponentSource;
  resources?: Resources;
}

/** Interface of a component input or output (a port). */
export interface PortDefinition {
  type: string;
  description?: string;
  default?: PyValue;
  optional?: boolean;
  min?: number;
  max?: number;
  enum?: PyValue[];
  mode?: string;
}

/** What every kind of component has besides its own program. */
export interface ComponentHeader {
  name?: string;
  version?: string;
  displayName?: string;
  description?: string;
  tags: Record<string, string>;
  isDeterministic?: boolean;
  schema?: string;
  inputs: Record<string, PortDefinition>;
  outputs: Record<string, PortDefinition>;
  /** 'YAML.COMPONENT' for a component file, 'YAML.JOB' when written inside the job. */
  source: 'YAML.COMPONENT' | 'YAML.JOB';
  where: SourceLocation;
}

/** A command component: from a component YAML file or written inline in a pipeline step. */
export interface CommandComponent extends CommandSpec, ComponentHeader {
  componentType?: 'command';
}

/** The run_function task of a parallel component: an entry script with init()/run(mini_batch). */
export interface ParallelTask {
  type: string;
  code?: CodeSource;
  entryScript?: string;
  programArguments?: string;
  appendRowTo?: string;
  environment?: EnvironmentSource;
}

export interface RetrySettings {
  timeout?: PyValue;
  maxRetries?: PyValue;
}

/** Settings shared by a parallel component and the step that runs it. */
export interface ParallelSettings {
  resources?: Resources;
  loggingLevel?: string;
  /** As written ("10kb", 5); the component keeps it as text, the step as a number of bytes or files. */
  miniBatchSize?: string;
  inputData?: string;
  retrySettings?: RetrySettings;
  maxConcurrencyPerInstance?: number;
  errorThreshold?: number;
  miniBatchErrorThreshold?: number;
  partitionKeys?: PyValue[];
}

/** A parallel component (ParallelRunStep): from a component file or written inline in a step. */
export interface ParallelComponent extends ParallelSettings, ComponentHeader {
  componentType: 'parallel';
  task: ParallelTask;
}

/** A pipeline component: a pipeline with an interface, used as one step of another pipeline. */
export interface PipelineComponent {
  componentType: 'pipeline';
  name?: string;
  version?: string;
  displayName?: string;
  description?: string;
  tags: Record<string, string>;
  schema?: string;
  inputs: Record<string, PortDefinition>;
  outputs: Record<string, PortDefinition>;
  jobs: Record<string, PipelineStep>;
  source: 'YAML.COMPONENT' | 'YAML.JOB';
  where: SourceLocation;
}

/** A Spark component: from a component file or written inline in a spark step. */
export interface SparkComponent extends SparkSpec, ComponentHeader {
  componentType: 'spark';
}

export type AnyComponent = CommandComponent | ParallelComponent | PipelineComponent | SparkComponent;

export type ComponentSource<C extends AnyComponent = CommandComponent> =
  | { kind: 'reference'; ref: string; where: SourceLocation }
  | { kind: 'anonymous'; component: C; where: SourceLocation };

export interface StepCommon {
  displayName?: string;
  description?: string;
  tags: Record<string, string>;
  properties: Record<string, string>;
  compute?: string;
  identity?: Identity;
  queueSettings?: QueueSettings;
  inputs: Record<string, JobInput>;
  outputs: Record<string, OutputValue>;
  where: SourceLocation;
}

export interface CommandStep extends StepCommon {
  type: 'command';
  component: ComponentSource;
  environmentVariables: Record<string, string>;
  distribution?: Distribution;
  resources?: Resources;
  timeoutSeconds?: number;
  services?: Record<string, Service>;
  /** 'YAML.JOB' for an inline command step, 'YAML.COMPONENT' when it names a component. */
  source: 'YAML.COMPONENT' | 'YAML.JOB';
}

export interface SweepStep extends StepCommon, SweepSettings {
  type: 'sweep';
  trial: ComponentSource;
  resources?: Resources;
}

export interface ParallelStep extends StepCommon, ParallelSettings {
  type: 'parallel';
  component: ComponentSource<ParallelComponent>;
  /** A task written on the step (an inline step's own task is its component's). */
  task?: ParallelTask;
  environmentVariables: Record<string, string>;
  source: 'YAML.COMPONENT' | 'YAML.JOB';
}

export interface PipelineComponentStep extends StepCommon {
  type: 'pipeline';
  component: ComponentSource<PipelineComponent>;
  source: 'YAML.COMPONENT' | 'YAML.JOB';
}

/**
 * An AutoML step: azure-ai-ml sends its YAML form (the node schema's dump) rather than a component,
 * so the step keeps the mapping as written and translate.ts applies the dump's rules.
 */
export interface AutoMLStep extends StepCommon {
  type: 'automl';
  task: string;
  fields: Record<string, PyValue>;
}

/** A Spark step: its program comes from its component; conf and resources may be the step's own. */
export interface SparkStep extends StepCommon {
  type: 'spark';
  component: ComponentSource<SparkComponent>;
  /** The step's own conf; azure-ai-ml falls back to the component's when the step has none. */
  conf?: Record<string, PyValue>;
  resources?: SparkResources;
  source: 'YAML.COMPONENT' | 'YAML.JOB';
}

export type PipelineStep = CommandStep | SweepStep | ParallelStep | PipelineComponentStep | AutoMLStep | SparkStep;

export interface PipelineSettings {
  /** Settings az ml does not know; sent as written. */
  extra?: Record<string, PyValue>;
  defaultCompute?: string;
  defaultDatastore?: string;
  continueOnStepFailure?: boolean;
  forceRerun?: boolean;
  defaultEnvironment?: string;
  onInit?: string;
  onFinalize?: string;
}

export interface PipelineJob extends JobCommon {
  type: 'pipeline';
  inputs: Record<string, JobInput>;
  outputs: Record<string, OutputValue>;
  settings: PipelineSettings;
  jobs: Record<string, PipelineStep>;
}

/** Where a Spark job starts: a Python file in the code folder, or a JVM class. */
export type SparkEntry = { file: string } | { className: string };

/** A Spark job's program and settings, as a standalone job or component carries them. */
export interface SparkSpec {
  code?: CodeSource;
  entry: SparkEntry;
  pyFiles?: string[];
  jars?: string[];
  files?: string[];
  archives?: string[];
  /** `conf` as written (spark.driver.cores etc. read as numbers, others kept). */
  conf: Record<string, PyValue>;
  environment?: EnvironmentSource;
  args?: string;
}

export interface SparkResources {
  instanceType?: string;
  runtimeVersion?: string;
}

export interface SparkJob extends JobCommon, SparkSpec {
  type: 'spark';
  inputs: Record<string, JobInput>;
  outputs: Record<string, OutputValue>;
  /** Serverless Spark; without it the job runs on the attached Spark pool named by compute. */
  resources?: SparkResources;
}

/** A standalone AutoML job: the task's REST settings read by automl.ts, and its data inputs. */
export interface AutoMLJob extends JobCommon {
  type: 'automl';
  task: string;
  taskDetails: Record<string, unknown>;
  /** trainingData, validationData, testData. */
  data: Record<string, DataInput>;
  inputs: Record<string, JobInput>;
  outputs: Record<string, OutputValue>;
  resources?: { instanceCount?: number; instanceType?: string };
}
