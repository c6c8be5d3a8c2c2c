import { JOB_PATH, specValidator, translateText, WS } from './helpers';

/**
 * Standalone Spark and AutoML jobs, translated as azure-ai-ml's SparkJob and AutoML entities write
 * them (the parts the corpus files do not reach are checked here against its source's rules), and
 * every body valid against the 2024-10-01 spec.
 */

const CONF = `conf:
  spark.driver.cores: 1
  spark.driver.memory: 2g
  spark.executor.cores: 2
  spark.executor.memory: 2g
`;

async function body(text: string): Promise<Record<string, any>> {
  const { job } = await translateText(text);
  expect((await specValidator()).validateRequest('PUT', JOB_PATH, job)).toEqual([]);
  return (job as { properties: Record<string, any> }).properties;
}

describe('spark jobs', () => {
  it('run as the user on serverless Spark and as the pool identity on an attached pool, unless told', async () => {
    const serverless = await body(
      `type: spark\ncode: azureml://datastores/d/paths/src\nentry: { file: a.py }\n${CONF}  spark.executor.instances: 2\nresources: { instance_type: standard_e4s_v3, runtime_version: "3.4" }\n`,
    );
    expect(serverless.identity).toEqual({ identityType: 'UserIdentity' });
    expect(serverless.resources).toEqual({ instanceType: 'standard_e4s_v3', runtimeVersion: '3.4' });
    expect(serverless.computeId).toBeUndefined();
    const attached = await body(
      `type: spark\ncode: azureml://datastores/d/paths/src\nentry: { file: a.py }\n${CONF}  spark.executor.instances: 2\ncompute: pool\n`,
    );
    expect(attached.identity).toEqual({ identityType: 'Managed' });
    expect(attached.computeId).toBe(`${WS}/computes/pool`);
    const told = await body(
      `type: spark\ncode: azureml://datastores/d/paths/src\nentry: { file: a.py }\n${CONF}  spark.executor.instances: 2\ncompute: pool\nidentity: { type: user_identity }\n`,
    );
    expect(told.identity).toEqual({ identityType: 'UserIdentity' });
  });

  it('send conf as text, typed settings last, executor instances defaulting to the minimum with dynamic allocation', async () => {
    const p = await body(
      `type: spark\ncode: azureml://datastores/d/paths/src\nentry: { class_name: org.example.Main }\njars: [a.jar]\narchives: [b.zip#b]\nargs: --n 1\n${CONF}` +
        `  spark.dynamicAllocation.enabled: true\n  spark.dynamicAllocation.minExecutors: 1\n  spark.dynamicAllocation.maxExecutors: 4\n` +
        `  spark.sql.shuffle.partitions: 8\n  spark.speculation: false\ncompute: pool\n`,
    );
    expect(p.entry).toEqual({ sparkJobEntryType: 'SparkJobScalaEntry', className: 'org.example.Main' });
    expect(p.conf).toEqual({
      'spark.sql.shuffle.partitions': '8',
      'spark.speculation': 'False',
      'spark.driver.cores': '1',
      'spark.driver.memory': '2g',
      'spark.executor.cores': '2',
      'spark.executor.memory': '2g',
      'spark.dynamicAllocation.enabled': 'True',
      'spark.dynamicAllocation.minExecutors': '1',
      'spark.dynamicAllocation.maxExecutors': '4',
      'spark.executor.instances': '1',
    });
    expect(Object.keys(p.conf).slice(0, 2)).toEqual(['spark.sql.shuffle.partitions', 'spark.speculation']);
    expect(p).toMatchObject({ jobType: 'Spark', jars: ['a.jar'], archives: ['b.zip#b'], args: '--n 1' });
    expect(p.properties).toBeUndefined();
  });
});

const DATA = 'training_data: { type: mltable, path: azureml:train:1 }\n';

describe('automl jobs', () => {
  it('forecasting: settings camelCased, auto-or-number settings as modes, algorithms in the spec spelling', async () => {
    const p = await body(
      `type: automl\ntask: forecasting\ncompute: cpu\nprimary_metric: r2_score\n${DATA}target_column_name: y\n` +
        `n_cross_validations: auto\nforecasting:\n  time_column_name: t\n  forecast_horizon: auto\n  target_lags: [1, 2]\n` +
        `  time_series_id_column_names: store\n  short_series_handling_config: pad\n  use_stl: season_trend\n` +
        `training:\n  blocked_training_algorithms: [auto_arima, xg_boost_regressor, TCNForecaster]\n` +
        `limits: { timeout_minutes: 90, trial_timeout_minutes: 1.5, max_cores_per_trial: -1 }\n`,
    );
    const t = p.taskDetails;
    expect(t).toMatchObject({
      taskType: 'Forecasting',
      primaryMetric: 'R2Score',
      logVerbosity: 'Info',
      nCrossValidations: { mode: 'Auto' },
      trainingData: { jobInputType: 'mltable', uri: `${WS}/data/train/versions/1` },
      forecastingSettings: {
        timeColumnName: 't',
        forecastHorizon: { mode: 'Auto' },
        targetLags: { mode: 'Custom', values: [1, 2] },
        timeSeriesIdColumnNames: ['store'],
        shortSeriesHandlingConfig: 'Pad',
        useStl: 'SeasonTrend',
      },
      trainingSettings: { blockedTrainingAlgorithms: ['AutoArima', 'XGBoostRegressor', 'TCNForecaster'] },
      limitSettings: { timeout: 'PT1H30M', trialTimeout: 'PT1M30S', maxCoresPerTrial: -1 },
    });
    expect(p).toMatchObject({ jobType: 'AutoML', outputs: {}, computeId: `${WS}/computes/cpu` });
  });

  it('image tasks: sweep policy with its zeros, training parameters and search spaces as expressions', async () => {
    const p = await body(
      `type: automl\ntask: image_instance_segmentation\ncompute: gpu\n${DATA}` +
        `sweep:\n  sampling_algorithm: grid\n  early_termination: { type: truncation_selection, truncation_percentage: 20 }\n` +
        `training_parameters: { number_of_epochs: 3, early_stopping: true }\n` +
        `search_space:\n  - model_name: { type: choice, values: [maskrcnn_resnet50_fpn] }\n    learning_rate: { type: uniform, min_value: 0.001, max_value: 1.0 }\n`,
    );
    expect(p.taskDetails).toMatchObject({
      taskType: 'ImageInstanceSegmentation',
      sweepSettings: {
        samplingAlgorithm: 'Grid',
        earlyTermination: {
          policyType: 'TruncationSelection',
          delayEvaluation: 0,
          evaluationInterval: 0,
          truncationPercentage: 20,
        },
      },
      modelSettings: { numberOfEpochs: 3, earlyStopping: true },
      searchSpace: [{ modelName: "choice('maskrcnn_resnet50_fpn')", learningRate: 'uniform(0.001,1.0)' }],
    });
  });

  it('text tasks: one trial unless told, no primary metric for NER', async () => {
    const p = await body(`type: automl\ntask: text_ner\ncompute: gpu\nprimary_metric: accuracy\n${DATA}`);
    expect(p.taskDetails.limitSettings).toEqual({ maxTrials: 1 });
    expect(p.taskDetails.primaryMetric).toBeUndefined();
  });

  it('uploads a local MLTable folder like an input (no trailing slash: it is not a uri_folder)', async () => {
    const { job } = await translateText(
      `type: automl\ntask: regression\ncompute: cpu\ntraining_data: { type: mltable, path: ./train }\n`,
    );
    expect((job as any).properties.taskDetails.trainingData).toEqual({
      jobInputType: 'mltable',
      uri: 'azureml://datastores/workspaceblobstore/paths/LocalUpload/HASH/train',
    });
  });
});

describe('component labels', () => {
  it('sends @default as the labelled id the service resolves, and looks @latest up', async () => {
    const { job } = await translateText(
      'type: pipeline\njobs:\n  a: { component: azureml:train@default }\n  b: { component: azureml:train@latest }\n',
    );
    const jobs = (job as any).properties.jobs;
    expect(jobs.a.componentId).toBe(`${WS}/components/train/labels/default`);
    expect(jobs.b.componentId).toBe(`${WS}/components/train/versions/LABEL(latest)`);
  });
});
