import { Fields } from './fields';
import { INPUT_MODES, type DataInput, type DataType } from './model';
import { isoDuration, PyFloat, pyFloatRepr, type PyValue } from './python-compat';
import { isPyMap } from './yaml-source';

/**
 * A standalone AutoML job (`type: automl`) read into the REST `taskDetails` of the 2024-10-01
 * AutoMLJob, following azure-ai-ml's AutoML entities (_to_rest_object of each task): snake_case
 * YAML to camelCase REST, enum values in the spec's spelling, minutes to ISO durations, the
 * "auto or a number" settings as {mode, value}. Data inputs are left for the translation, which
 * uploads local folders and writes their URIs.
 */

type Json = Record<string, unknown>;

export const AUTOML_TASKS: Record<string, string> = {
  classification: 'Classification',
  regression: 'Regression',
  forecasting: 'Forecasting',
  image_classification: 'ImageClassification',
  image_classification_multilabel: 'ImageClassificationMultilabel',
  image_object_detection: 'ImageObjectDetection',
  image_instance_segmentation: 'ImageInstanceSegmentation',
  text_classification: 'TextClassification',
  text_classification_multilabel: 'TextClassificationMultilabel',
  text_ner: 'TextNER',
};

// Enum values of the 2024-10-01 spec; YAML writes them in snake_case (or already as here).
const CLASSIFICATION_METRICS = [
  'AUCWeighted',
  'Accuracy',
  'NormMacroRecall',
  'AveragePrecisionScoreWeighted',
  'PrecisionScoreWeighted',
];
const REGRESSION_METRICS = [
  'SpearmanCorrelation',
  'NormalizedRootMeanSquaredError',
  'R2Score',
  'NormalizedMeanAbsoluteError',
];
const PRIMARY_METRICS: Record<string, string[]> = {
  classification: CLASSIFICATION_METRICS,
  regression: REGRESSION_METRICS,
  forecasting: REGRESSION_METRICS,
  image_classification: CLASSIFICATION_METRICS,
  image_classification_multilabel: [...CLASSIFICATION_METRICS, 'IOU'],
  image_object_detection: ['MeanAveragePrecision'],
  image_instance_segmentation: ['MeanAveragePrecision'],
  text_classification: CLASSIFICATION_METRICS,
};
const REGRESSION_MODELS = [
  'ElasticNet',
  'GradientBoosting',
  'DecisionTree',
  'KNN',
  'LassoLars',
  'SGD',
  'RandomForest',
  'ExtremeRandomTrees',
  'LightGBM',
  'XGBoostRegressor',
];
const MODELS: Record<string, string[]> = {
  classification: [
    'LogisticRegression',
    'SGD',
    'MultinomialNaiveBayes',
    'BernoulliNaiveBayes',
    'SVM',
    'LinearSVM',
    'KNN',
    'DecisionTree',
    'RandomForest',
    'ExtremeRandomTrees',
    'LightGBM',
    'GradientBoosting',
    'XGBoostClassifier',
  ],
  regression: REGRESSION_MODELS,
  forecasting: [
    'AutoArima',
    'Prophet',
    'Naive',
    'SeasonalNaive',
    'Average',
    'SeasonalAverage',
    'ExponentialSmoothing',
    'Arimax',
    'TCNForecaster',
    ...REGRESSION_MODELS,
  ],
};
const BLOCKED_TRANSFORMERS = [
  'TextTargetEncoder',
  'OneHotEncoder',
  'CatTargetEncoder',
  'TfIdf',
  'WoETargetEncoder',
  'LabelEncoder',
  'WordEmbedding',
  'NaiveBayes',
  'CountVectorizer',
  'HashOneHotEncoder',
];
const LOG_VERBOSITY = ['NotSet', 'Debug', 'Info', 'Warning', 'Error', 'Critical'];
const SAMPLING = ['Grid', 'Random', 'Bayesian'];
const POLICIES: Record<string, string> = {
  bandit: 'Bandit',
  median_stopping: 'MedianStopping',
  truncation_selection: 'TruncationSelection',
};

const squash = (s: string): string => s.toLowerCase().replace(/[_\s-]/g, '');
export const camel = (s: string): string => s.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
const pascal = (s: string): string => {
  const c = camel(s);
  return c.charAt(0).toUpperCase() + c.slice(1);
};

export interface AutoMLTask {
  task: string;
  taskDetails: Json;
  /** trainingData, validationData, testData: uploaded or referenced by the translation. */
  data: Record<string, DataInput>;
  resources?: { instanceCount?: number; instanceType?: string };
}

const TABLE_TASKS = ['classification', 'regression', 'forecasting'];
const NLP_TASKS = ['text_classification', 'text_classification_multilabel', 'text_ner'];

/** Keys every AutoML job has besides the job's own (name, compute, ...), by task family. */
const COMMON_KEYS = [
  'task',
  'log_verbosity',
  'primary_metric',
  'target_column_name',
  'training_data',
  'validation_data',
  'limits',
  'resources',
  'outputs',
  'featurization',
];
const FAMILY_KEYS = {
  table: [
    ...COMMON_KEYS,
    'test_data',
    'validation_data_size',
    'test_data_size',
    'n_cross_validations',
    'cv_split_column_names',
    'weight_column_name',
    'positive_label',
    'training',
    'forecasting',
  ],
  image: [...COMMON_KEYS, 'validation_data_size', 'sweep', 'training_parameters', 'search_space'],
  nlp: [...COMMON_KEYS, 'sweep', 'training_parameters', 'search_space'],
};

/** Reads the task part of `type: automl` (the job-level keys are read by the caller). */
export function loadAutoMLTask(f: Fields, jobKeys: readonly string[]): AutoMLTask {
  const task = f.enumStr('task', Object.keys(AUTOML_TASKS), true) as string;
  const family = TABLE_TASKS.includes(task) ? 'table' : NLP_TASKS.includes(task) ? 'nlp' : 'image';
  f.allowOnly([...jobKeys, ...FAMILY_KEYS[family]]);
  if (family === 'nlp') {
    // The 2024-10-01 API has no sweeping or distributed settings for NLP tasks (azure-ai-ml sends
    // them with a preview api-version): refused rather than sent to be ignored.
    const limits = f.sub('limits', "'limits'");
    const written: [string, (string | number)[]][] = [
      ...(['sweep', 'search_space', 'training_parameters'] as const)
        .filter((k) => f.has(k))
        .map((k): [string, (string | number)[]] => [k, f.path(k)]),
      ...(limits?.has('max_nodes')
        ? [['limits.max_nodes', limits.path('max_nodes')] as [string, (string | number)[]]]
        : []),
    ];
    if (written.length) {
      const [key, at] = written[0];
      throw f.src.error(
        at,
        `not supported yet: '${key}' of a ${task} job`,
        'The Azure ML API version submit-job uses (2024-10-01) has no sweeping or distributed-training settings ' +
          'for NLP tasks; remove it or submit this job with az ml.',
      );
    }
  }
  const details: Json = { taskType: AUTOML_TASKS[task] };
  const verbosity = f.str('log_verbosity') ?? 'info';
  details.logVerbosity = spelled(f, 'log_verbosity', verbosity, LOG_VERBOSITY);
  const target = f.str('target_column_name');
  if (target !== undefined) details.targetColumnName = target;
  // azure-ai-ml sends no primary metric for NER and multilabel text (the service has one for each).
  const metric = f.str('primary_metric');
  if (metric !== undefined && PRIMARY_METRICS[task]) {
    details.primaryMetric = spelled(f, 'primary_metric', metric, PRIMARY_METRICS[task]);
  }
  const data: Record<string, DataInput> = {};
  for (const [key, rest] of [
    ['training_data', 'trainingData'],
    ['validation_data', 'validationData'],
    ['test_data', 'testData'],
  ] as const) {
    const d = dataInput(f, key);
    if (d) data[rest] = d;
  }
  if (!data.trainingData) throw f.error(undefined, "an automl job needs 'training_data'");

  if (family === 'table') tableSettings(f, task, details);
  else if (family === 'image') imageSettings(f, details);
  else nlpSettings(f, details);
  return { task, taskDetails: details, data, resources: automlResources(f) };
}

function spelled(f: Fields, key: string, value: string, allowed: readonly string[], where = key): string {
  const found = allowed.find((a) => squash(a) === squash(value));
  if (!found) throw f.error(where, `'${key}' must be one of ${allowed.join(', ')}, got '${value}'`);
  return found;
}

function dataInput(f: Fields, key: string): DataInput | undefined {
  const d = f.sub(key, `'${key}'`);
  if (!d) return undefined;
  d.allowOnly(['type', 'path', 'mode', 'datastore', 'description']);
  const type = (d.enumStr('type', ['mltable'] as const) ?? 'mltable') as DataType;
  return {
    kind: 'data',
    type,
    path: d.str('path', true) as string,
    mode: d.enumStr('mode', INPUT_MODES),
    datastore: d.str('datastore'),
    where: d.where,
  };
}

function automlResources(f: Fields): AutoMLTask['resources'] {
  const r = f.sub('resources', "'resources'");
  if (!r) return undefined;
  r.allowOnly(['instance_type', 'instance_count']);
  return clean({
    instanceCount: r.num('instance_count', { integer: true, min: 1 }),
    instanceType: r.str('instance_type'),
  });
}

const minutes = (l: Fields, key: string): string | undefined => {
  const m = l.num(key, { min: 0 });
  return m === undefined ? undefined : isoDuration(m * 60);
};

function clean<T extends Json>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}
const nonEmpty = (o: Json): Json | undefined => (Object.keys(o).length ? o : undefined);

/** "auto" or a number, as {mode: Auto} or {mode: Custom, value}. */
function autoOr(f: Fields, key: string, valueKey: 'value' | 'values' = 'value'): Json | undefined {
  const v = f.raw(key);
  if (v === undefined) return undefined;
  if (typeof v === 'string' && v.toLowerCase() === 'auto') return { mode: 'Auto' };
  if (valueKey === 'values') {
    const list = Array.isArray(v) ? v : [v];
    if (!list.every((x) => typeof x === 'number'))
      throw f.error(key, `'${key}' must be auto, a number or a list of numbers`);
    return { mode: 'Custom', values: list };
  }
  if (typeof v !== 'number') throw f.error(key, `'${key}' must be auto or a whole number`);
  return { mode: 'Custom', value: v };
}

function stringList(f: Fields, key: string): string[] | undefined {
  const v = f.raw(key);
  if (v === undefined) return undefined;
  const list = Array.isArray(v) ? v : [v];
  if (!list.every((x) => typeof x === 'string')) throw f.error(key, `'${key}' must be a list of names`);
  return list as string[];
}

function enumList(f: Fields, key: string, allowed: string[]): string[] | undefined {
  return stringList(f, key)?.map((v) => spelled(f, key, v, allowed));
}

function tableSettings(f: Fields, task: string, d: Json): void {
  const num = (key: string) => {
    const v = f.raw(key);
    return v instanceof PyFloat ? v.value : (f.num(key) as number | undefined);
  };
  d.validationDataSize = num('validation_data_size');
  d.testDataSize = num('test_data_size');
  d.nCrossValidations = autoOr(f, 'n_cross_validations');
  d.cvSplitColumnNames = stringList(f, 'cv_split_column_names');
  d.weightColumnName = f.str('weight_column_name');
  if (task === 'classification') d.positiveLabel = f.str('positive_label');

  const l = f.sub('limits', "'limits'");
  if (l) {
    l.allowOnly([
      'timeout_minutes',
      'trial_timeout_minutes',
      'max_trials',
      'max_concurrent_trials',
      'max_cores_per_trial',
      'enable_early_termination',
      'exit_score',
    ]);
    d.limitSettings = clean({
      enableEarlyTermination: l.bool('enable_early_termination'),
      exitScore: l.num('exit_score'),
      maxConcurrentTrials: l.num('max_concurrent_trials', { integer: true, min: 1 }),
      maxCoresPerTrial: l.num('max_cores_per_trial', { integer: true }),
      maxTrials: l.num('max_trials', { integer: true, min: 1 }),
      timeout: minutes(l, 'timeout_minutes'),
      trialTimeout: minutes(l, 'trial_timeout_minutes'),
    });
  }

  const z = f.sub('featurization', "'featurization'");
  if (z) {
    z.allowOnly([
      'mode',
      'blocked_transformers',
      'column_name_and_types',
      'transformer_params',
      'enable_dnn_featurization',
      'dataset_language',
    ]);
    const params = z.map('transformer_params');
    d.featurizationSettings = clean({
      mode: z.enumStr('mode', ['Auto', 'Custom', 'Off'] as const),
      blockedTransformers: enumList(z, 'blocked_transformers', BLOCKED_TRANSFORMERS),
      columnNameAndTypes: z.has('column_name_and_types') ? z.stringMap('column_name_and_types') : undefined,
      datasetLanguage: z.str('dataset_language'),
      // Transformer names are the keys: imputer -> Imputer, hash_one_hot_encoder -> HashOneHotEncoder.
      // azure-ai-ml always sends the map, empty when the YAML has none.
      transformerParams: Object.fromEntries(
        Object.entries(params ?? {}).map(([k, v]) => [pascal(k), transformerParams(v)]),
      ),
      enableDnnFeaturization: z.bool('enable_dnn_featurization'),
    });
  }

  const t = f.sub('training', "'training'");
  if (t) {
    t.allowOnly([
      'enable_dnn_training',
      'enable_model_explainability',
      'enable_onnx_compatible_models',
      'enable_stack_ensemble',
      'enable_vote_ensemble',
      'ensemble_model_download_timeout',
      'stack_ensemble_settings',
      'allowed_training_algorithms',
      'blocked_training_algorithms',
      'training_mode',
    ]);
    const models = MODELS[task];
    const stack = t.sub('stack_ensemble_settings', "'stack_ensemble_settings'");
    const timeout = t.num('ensemble_model_download_timeout', { min: 0 });
    d.trainingSettings = nonEmpty(
      clean({
        enableDnnTraining: t.bool('enable_dnn_training'),
        enableModelExplainability: t.bool('enable_model_explainability'),
        enableOnnxCompatibleModels: t.bool('enable_onnx_compatible_models'),
        enableStackEnsemble: t.bool('enable_stack_ensemble'),
        enableVoteEnsemble: t.bool('enable_vote_ensemble'),
        ensembleModelDownloadTimeout: timeout === undefined ? undefined : isoDuration(timeout * 60),
        stackEnsembleSettings: stack ? camelKeys(stack.data) : undefined,
        allowedTrainingAlgorithms: enumList(t, 'allowed_training_algorithms', models),
        blockedTrainingAlgorithms: enumList(t, 'blocked_training_algorithms', models),
        trainingMode: t.has('training_mode') ? pascal(t.str('training_mode') as string) : undefined,
      }),
    );
  }

  if (task === 'forecasting') {
    const s = f.sub('forecasting', "'forecasting'");
    if (!s) throw f.error(undefined, "a forecasting job needs 'forecasting' with at least 'time_column_name'");
    s.allowOnly([
      'time_column_name',
      'forecast_horizon',
      'frequency',
      'target_lags',
      'target_rolling_window_size',
      'country_or_region_for_holidays',
      'time_series_id_column_names',
      'seasonality',
      'short_series_handling_config',
      'target_aggregate_function',
      'feature_lags',
      'use_stl',
      'cv_step_size',
    ]);
    const word = (key: string, allowed: string[]) => {
      const v = s.str(key);
      return v === undefined ? undefined : spelled(s, key, v, allowed);
    };
    d.forecastingSettings = clean({
      countryOrRegionForHolidays: s.str('country_or_region_for_holidays'),
      cvStepSize: s.num('cv_step_size', { integer: true }),
      featureLags: word('feature_lags', ['None', 'Auto']),
      forecastHorizon: autoOr(s, 'forecast_horizon'),
      frequency: s.str('frequency'),
      seasonality: autoOr(s, 'seasonality'),
      shortSeriesHandlingConfig: word('short_series_handling_config', ['None', 'Auto', 'Pad', 'Drop']),
      targetAggregateFunction: word('target_aggregate_function', ['None', 'Sum', 'Max', 'Min', 'Mean']),
      targetLags: autoOr(s, 'target_lags', 'values'),
      targetRollingWindowSize: autoOr(s, 'target_rolling_window_size'),
      timeColumnName: s.str('time_column_name', true),
      timeSeriesIdColumnNames: stringList(s, 'time_series_id_column_names'),
      useStl: word('use_stl', ['None', 'Season', 'SeasonTrend']),
    });
  }
  clean(d);
}

function transformerParams(v: PyValue): PyValue {
  return Array.isArray(v) ? v : [v];
}

function camelKeys(v: PyValue): PyValue {
  if (Array.isArray(v)) return v.map(camelKeys);
  if (!isPyMap(v)) return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [camel(k), camelKeys(x)]));
}

function imageSettings(f: Fields, d: Json): void {
  const vs = f.raw('validation_data_size');
  if (vs !== undefined) d.validationDataSize = vs instanceof PyFloat ? vs.value : f.num('validation_data_size');
  const l = f.sub('limits', "'limits'");
  // Required by the API: azure-ai-ml sends empty limits when the YAML has none.
  d.limitSettings = {};
  if (l) {
    l.allowOnly(['timeout_minutes', 'max_trials', 'max_concurrent_trials']);
    d.limitSettings = clean({
      maxConcurrentTrials: l.num('max_concurrent_trials', { integer: true, min: 1 }),
      maxTrials: l.num('max_trials', { integer: true, min: 1 }),
      timeout: minutes(l, 'timeout_minutes'),
    });
  }
  if (f.has('featurization')) throw f.error('featurization', "image tasks take no 'featurization'");
  const sweep = sweepSettings(f);
  if (sweep) d.sweepSettings = sweep;
  const params = f.map('training_parameters');
  if (params) d.modelSettings = Object.fromEntries(Object.entries(params).map(([k, v]) => [camel(k), v]));
  const space = f.raw('search_space');
  if (space !== undefined) {
    if (!Array.isArray(space)) throw f.error('search_space', "'search_space' must be a list of mappings");
    d.searchSpace = space.map((s, i) => {
      if (!isPyMap(s)) throw f.src.error([...f.path('search_space'), i], 'each search space must be a mapping');
      return Object.fromEntries(Object.entries(s).map(([k, v]) => [camel(k), searchExpression(v)]));
    });
  }
}

function nlpSettings(f: Fields, d: Json): void {
  const l = f.sub('limits', "'limits'");
  // The spec's default of one trial, written out as azure-ai-ml does.
  const limits: Json = { maxTrials: 1 };
  if (l) {
    l.allowOnly(['timeout_minutes', 'max_trials', 'max_concurrent_trials', 'max_nodes']);
    Object.assign(
      limits,
      clean({
        maxConcurrentTrials: l.num('max_concurrent_trials', { integer: true, min: 1 }),
        maxTrials: l.num('max_trials', { integer: true, min: 1 }),
        timeout: minutes(l, 'timeout_minutes'),
      }),
    );
  }
  d.limitSettings = limits;
  const z = f.sub('featurization', "'featurization'");
  if (z) {
    z.allowOnly(['dataset_language']);
    d.featurizationSettings = nonEmpty(clean({ datasetLanguage: z.str('dataset_language') }));
  }
}

function sweepSettings(f: Fields): Json | undefined {
  const s = f.sub('sweep', "'sweep'");
  if (!s) return undefined;
  s.allowOnly(['sampling_algorithm', 'early_termination']);
  const out: Json = {};
  const sampling = s.str('sampling_algorithm');
  if (sampling !== undefined) out.samplingAlgorithm = spelled(s, 'sampling_algorithm', sampling, SAMPLING);
  const e = s.sub('early_termination', "'early_termination'");
  if (e) {
    const type = e.enumStr('type', Object.keys(POLICIES), true) as string;
    const keys = ['type', 'delay_evaluation', 'evaluation_interval'];
    if (type === 'bandit') e.allowOnly([...keys, 'slack_factor', 'slack_amount']);
    else if (type === 'truncation_selection') e.allowOnly([...keys, 'truncation_percentage']);
    else e.allowOnly(keys);
    const policy: Json = {
      policyType: POLICIES[type],
      delayEvaluation: e.num('delay_evaluation', { integer: true, min: 0 }) ?? 0,
      evaluationInterval: e.num('evaluation_interval', { integer: true, min: 0 }) ?? 0,
    };
    if (type === 'bandit') {
      policy.slackAmount = e.num('slack_amount', { min: 0 }) ?? 0;
      policy.slackFactor = e.num('slack_factor', { min: 0 }) ?? 0;
    }
    if (type === 'truncation_selection') policy.truncationPercentage = e.num('truncation_percentage') ?? 0;
    out.earlyTermination = policy;
  }
  return out;
}

const isMap = (v: unknown): v is Record<string, PyValue> =>
  !!v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof PyFloat);

/** An AutoML search-space distribution as azure-ai-ml writes it: uniform(0.001,0.01), choice('a','b'). */
export function searchExpression(v: PyValue): PyValue {
  if (!isMap(v) || typeof v.type !== 'string') return v;
  const arg = (x: PyValue): string => {
    if (typeof x === 'string') return `'${x.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
    if (x instanceof PyFloat) return pyFloatRepr(x.value);
    if (typeof x === 'boolean') return x ? 'True' : 'False';
    if (typeof x === 'number') return Number.isInteger(x) ? String(x) : pyFloatRepr(x);
    return String(x);
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
