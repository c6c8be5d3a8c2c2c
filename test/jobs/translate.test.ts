import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadJob, parseJob } from '../../shared/aml/jobs/load';
import { anonymousEnvironment, planJob } from '../../shared/aml/jobs/plan';
import { isoDuration, pyFloatRepr, pyJsonDumps, pyStr, PyFloat, pyYamlDump } from '../../shared/aml/jobs/python-compat';
import { environmentVersionBody, toJsonText, translateJob } from '../../shared/aml/jobs/translate';
import { CORPUS, failure, fakeResolver, JOB_PATH, OPTIONS, specValidator, translateText, WS } from './helpers';

const PUT = (body: unknown) => specValidator().then((v) => v.validateRequest('PUT', JOB_PATH, body));
const props = async (text: string, overrides: string[] = []) => {
  const { job } = await translateText(text, overrides);
  expect(await PUT(JSON.parse(toJsonText(job)))).toEqual([]);
  return job.properties as Record<string, any>;
};

describe('Python-compatible text (verified against Python 3.11 / azure-ai-ml)', () => {
  it.each([
    [true, 'True'],
    [false, 'False'],
    [42, '42'],
    [new PyFloat(1), '1.0'],
    [0.00001, '1e-05'],
    [new PyFloat(1e16), '1e+16'],
    [0.5, '0.5'],
    [null, 'None'],
    ['x', 'x'],
  ])('str(%p) is %p', (v, expected) => expect(pyStr(v as never)).toBe(expected));

  it('repr of floats switches to exponent where Python does', () => {
    expect(pyFloatRepr(123456789012345.6)).toBe('123456789012345.6');
    expect(pyFloatRepr(0.0001)).toBe('0.0001');
  });

  it('json.dumps(sort_keys=True) uses Python separators and escapes non-ASCII', () => {
    expect(pyJsonDumps({ b: [1, new PyFloat(2)], a: 'é' })).toBe('{"a": "\\u00e9", "b": [1, 2.0]}');
  });

  it.each([
    [3600, 'PT1H'],
    [7200, 'PT2H'],
    [90, 'PT1M30S'],
    [86400 + 1, 'P1DT1S'],
    [0, 'P0D'],
  ])('timeout %p s is %p', (s, iso) => expect(isoDuration(s)).toBe(iso));

  it('dumps a conda file like yaml.dump(sort_keys=True)', () => {
    const conda = {
      name: 'demo_env',
      channels: ['conda-forge'],
      dependencies: ['python=3.8', 'pip', { pip: ['pyjokes'] }],
    };
    // The text azure-ai-ml 1.4.0 produced for the same file (Environment._translated_conda_file).
    expect(pyYamlDump(conda)).toBe(
      'channels:\n- conda-forge\ndependencies:\n- python=3.8\n- pip\n- pip:\n  - pyjokes\nname: demo_env\n',
    );
    expect(pyYamlDump({ v: '3.10', on: 'yes', s: 'a: b' })).toBe("'on': 'yes'\ns: 'a: b'\nv: '3.10'\n");
  });
});

describe('anonymous environments', () => {
  it('names image-only environments like azure-ai-ml (md5 of md5 of the image)', () => {
    const env = anonymousEnvironment({ kind: 'inline', image: 'library/python:latest', where: { file: 'x' } });
    expect(env.name).toBe('CliV2AnonymousEnvironment');
    expect(env.version).toBe('e6b10c1cf68e59c9ebd6f84184973c4b'); // computed with azure-ai-ml 1.4.0
  });

  it('names image + conda environments like azure-ai-ml and sends the re-dumped conda file', async () => {
    const file = path.join(CORPUS, 'pipelines-with-components/basics/5c_env_conda_file/pipeline.yml');
    const plan = planJob(loadJob(file));
    expect(plan.environments.map((e) => e.version)).toEqual(['7dd00f239c634121f6c48e22bec08178']);
    expect(environmentVersionBody(plan.environments[0])).toEqual({
      properties: {
        condaFile:
          'channels:\n- conda-forge\ndependencies:\n- python=3.8\n- pip\n- pip:\n  - pyjokes\nname: demo_env\n',
        image: 'mcr.microsoft.com/azureml/openmpi5.0-cuda12.4-ubuntu22.04:latest',
        isAnonymous: true,
      },
    });
  });
});

describe('inline environment with an inference config (custom serving container)', () => {
  const job = (config: string) => `
command: echo hi
environment:
  image: placeholder.azurecr.io/repo/img:v1
  inference_config:
${config}
`;
  const routes = `    liveness_route: { port: 5001, path: / }
    readiness_route: { port: 5001, path: /ready }
    scoring_route: { port: 5001, path: /score }`;

  it('sends the routes in the REST spelling and names the environment as azure-ai-ml does', async () => {
    const plan = planJob(parseJob(job(routes), '/tmp/x/job.yml'));
    const body = environmentVersionBody(plan.environments[0]);
    expect(body.properties).toMatchObject({
      inferenceConfig: {
        livenessRoute: { port: 5001, path: '/' },
        readinessRoute: { port: 5001, path: '/ready' },
        scoringRoute: { port: 5001, path: '/score' },
      },
    });
    // The version azure-ai-ml 1.4.0 computed for the same environment.
    expect(plan.environments[0].version).toBe('f03d86618c565435a2423582b1bd0c2a');
  });

  it('sends routes the 2024-10-01 spec accepts', async () => {
    const plan = planJob(parseJob(job(routes.replace('path: /', 'path: /health')), '/tmp/x/job.yml'));
    const v = await specValidator();
    const body = environmentVersionBody(plan.environments[0]);
    expect(v.validateRequest('PUT', `${WS}/environments/e/versions/1`, body)).toEqual([]);
  });

  it.each([
    ['    liveness_route: { port: 5001, path: / }', /job\.yml:6.*missing 'readiness_route'/s],
    [routes.replace('port: 5001, path: /score', 'port: http, path: /score'), /job\.yml:8.*'port'.*whole number/s],
    [routes + '\n    entry_script: x.py', /job\.yml:9.*unknown field 'entry_script'/s],
  ])('refuses a wrong inference config at file:line (%#)', (config, message) => {
    expect(failure(() => parseJob(job(config), '/tmp/x/job.yml'))).toMatch(message);
  });
});

describe('command job bodies', () => {
  it('maps every command field to its REST name', async () => {
    const p = await props(`
$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
command: python train.py --lr \${{inputs.lr}} --data \${{inputs.data}} --out \${{outputs.model}} {inputs.flag}
code: ./src
environment: azureml:my-env:3
compute: azureml:gpu-cluster
display_name: train
experiment_name: exp1
description: d
tags: { team: vision }
properties: { p1: v1 }
environment_variables: { A: 1 }
inputs:
  lr: 1.0
  flag: true
  n: 3
  data: { type: uri_folder, path: azureml:iris:2, mode: download }
  table: { type: mltable, path: azureml://datastores/ds/paths/t/, mode: eval_mount }
  model: { type: mlflow_model, path: azureml:m1@latest }
  file: { type: uri_file, path: https://host/x.csv, mode: direct }
  local: { type: uri_folder, path: ./data }
outputs:
  model: { type: mlflow_model, mode: upload }
  out2: { type: uri_folder, path: azureml://datastores/ds/paths/o/, mode: rw_mount }
  plain:
resources: { instance_count: 2, instance_type: Standard_NC6, shm_size: 2g, docker_args: --privileged, properties: { k: { a: 1 } } }
distribution: { type: pytorch, process_count_per_instance: 4 }
limits: { timeout: 5400 }
identity: { type: managed, client_id: 00000000-0000-0000-0000-000000000001 }
queue_settings: { job_tier: spot }
services:
  jl: { type: jupyter_lab }
  ssh: { type: ssh, ssh_public_keys: ssh-rsa AAA, nodes: all }
  tb: { type: tensor_board, log_dir: outputs/tb }
  vs: { type: vs_code }
`);
    expect(p).toEqual({
      jobType: 'Command',
      displayName: 'train',
      description: 'd',
      tags: { team: 'vision' },
      properties: { p1: 'v1' },
      experimentName: 'exp1',
      computeId: `${WS}/computes/gpu-cluster`,
      identity: { identityType: 'Managed', clientId: '00000000-0000-0000-0000-000000000001' },
      services: {
        jl: { jobServiceType: 'JupyterLab' },
        ssh: { jobServiceType: 'SSH', nodes: { nodesValueType: 'All' }, properties: { sshPublicKeys: 'ssh-rsa AAA' } },
        tb: { jobServiceType: 'TensorBoard', properties: { logDir: 'outputs/tb' } },
        vs: { jobServiceType: 'VSCode' },
      },
      queueSettings: { jobTier: 'Spot' },
      isArchived: false,
      command: 'python train.py --lr ${{inputs.lr}} --data ${{inputs.data}} --out ${{outputs.model}} ${{inputs.flag}}',
      codeId: `${WS}/codes/CODE(src)/versions/1`,
      environmentId: `${WS}/environments/my-env/versions/3`,
      environmentVariables: { A: '1' },
      distribution: { distributionType: 'PyTorch', processCountPerInstance: 4 },
      resources: {
        instanceCount: 2,
        instanceType: 'Standard_NC6',
        properties: { k: { a: 1 } },
        dockerArgs: '--privileged',
        shmSize: '2g',
      },
      limits: { jobLimitsType: 'Command', timeout: 'PT1H30M' },
      inputs: {
        lr: { jobInputType: 'literal', value: '1.0' },
        flag: { jobInputType: 'literal', value: 'True' },
        n: { jobInputType: 'literal', value: '3' },
        data: { jobInputType: 'uri_folder', uri: `${WS}/data/iris/versions/2`, mode: 'Download' },
        table: { jobInputType: 'mltable', uri: 'azureml://datastores/ds/paths/t/', mode: 'EvalMount' },
        model: { jobInputType: 'mlflow_model', uri: `${WS}/models/m1/versions/LABEL(latest)` },
        file: { jobInputType: 'uri_file', uri: 'https://host/x.csv', mode: 'Direct' },
        local: {
          jobInputType: 'uri_folder',
          uri: 'azureml://datastores/workspaceblobstore/paths/LocalUpload/HASH/data/',
        },
      },
      outputs: {
        model: { jobOutputType: 'mlflow_model', mode: 'Upload' },
        out2: { jobOutputType: 'uri_folder', uri: 'azureml://datastores/ds/paths/o/', mode: 'ReadWriteMount' },
        plain: { jobOutputType: 'uri_folder' },
      },
    });
  });

  it.each([
    ['user_identity', { identityType: 'UserIdentity' }],
    ['aml_token', { identityType: 'AMLToken' }],
  ])('identity %s', async (type, expected) => {
    const p = await props(`command: x\nenvironment: azureml:e:1\nidentity: { type: ${type} }\n`);
    expect(p.identity).toEqual(expected);
  });

  it.each([
    ['{ type: mpi, process_count_per_instance: 2 }', { distributionType: 'Mpi', processCountPerInstance: 2 }],
    [
      '{ type: tensorflow, worker_count: 2 }',
      { distributionType: 'TensorFlow', parameterServerCount: 0, workerCount: 2 },
    ],
  ])('distribution %s', async (yaml, expected) => {
    expect((await props(`command: x\nenvironment: azureml:e:1\ndistribution: ${yaml}\n`)).distribution).toEqual(
      expected,
    );
  });

  it('is serverless without compute and names experiment and display name by default', async () => {
    const p = await props('command: echo hi\nenvironment: azureml:AzureML-sklearn-1.0@latest\n');
    expect(p.computeId).toBeUndefined();
    expect(p.environmentId).toBe('azureml:AzureML-sklearn-1.0@latest');
    expect(p.displayName).toBe(OPTIONS.jobName);
    expect(p.experimentName).toBe('exp');
    expect(p.inputs).toEqual({});
  });

  it('inline image environment becomes an anonymous environment id', async () => {
    const p = await props('command: echo\nenvironment:\n  image: library/python:latest\n');
    expect(p.environmentId).toBe(
      `${WS}/environments/CliV2AnonymousEnvironment/versions/e6b10c1cf68e59c9ebd6f84184973c4b`,
    );
  });

  it('applies --set overrides, values read as YAML', async () => {
    const p = await props('command: echo\nenvironment: azureml:e:1\ninputs: { lr: 0.1 }\n', [
      'compute=azureml:cpu',
      'inputs.lr=0.5',
      'tags.owner=me',
    ]);
    expect(p.computeId).toBe(`${WS}/computes/cpu`);
    expect(p.inputs.lr).toEqual({ jobInputType: 'literal', value: '0.5' });
    expect(p.tags).toEqual({ owner: 'me' });
  });
});

describe('sweep job bodies', () => {
  it('maps sampling, search space, objective, limits and early termination', async () => {
    const p = await props(`
type: sweep
compute: azureml:cpu
trial:
  command: python t.py --lr \${{search_space.lr}}
  code: src
  environment: azureml:e:1
inputs: { a: 1 }
sampling_algorithm: { type: random, seed: 7, rule: sobol }
search_space:
  a: { type: choice, values: [0.01, 0.1, 1.0] }
  b: { type: uniform, min_value: 0.1, max_value: 1.0 }
  c: { type: loguniform, min_value: -3, max_value: 0 }
  d: { type: quniform, min_value: 1, max_value: 10, q: 1 }
  e: { type: qloguniform, min_value: 1, max_value: 10, q: 2 }
  f: { type: normal, mu: 0, sigma: 1 }
  g: { type: lognormal, mu: 0, sigma: 1 }
  h: { type: qnormal, mu: 0, sigma: 1, q: 1 }
  i: { type: qlognormal, mu: 0, sigma: 1, q: 1 }
  j: { type: randint, upper: 5 }
objective: { goal: maximize, primary_metric: acc }
limits: { max_total_trials: 20, max_concurrent_trials: 4, timeout: 3600, trial_timeout: 600 }
early_termination: { type: bandit, slack_factor: 0.1, evaluation_interval: 2 }
`);
    expect(p.jobType).toBe('Sweep');
    expect(p.samplingAlgorithm).toEqual({ samplingAlgorithmType: 'Random', rule: 'Sobol', seed: 7 });
    expect(JSON.parse(toJsonText(p.searchSpace))).toEqual({
      a: ['choice', [[0.01, 0.1, 1]]],
      b: ['uniform', [0.1, 1]],
      c: ['loguniform', [-3, 0]],
      d: ['quniform', [1, 10, 1]],
      e: ['qloguniform', [1, 10, 2]],
      f: ['normal', [0, 1]],
      g: ['lognormal', [0, 1]],
      h: ['qnormal', [0, 1, 1]],
      i: ['qlognormal', [0, 1, 1]],
      j: ['randint', [5]],
    });
    expect(p.objective).toEqual({ goal: 'Maximize', primaryMetric: 'acc' });
    expect(p.limits).toEqual({
      jobLimitsType: 'Sweep',
      maxConcurrentTrials: 4,
      maxTotalTrials: 20,
      timeout: 'PT1H',
      trialTimeout: 'PT10M',
    });
    expect(p.earlyTermination).toEqual({
      policyType: 'Bandit',
      delayEvaluation: 0,
      evaluationInterval: 2,
      slackFactor: 0.1,
    });
    expect(p.trial).toEqual({
      command: 'python t.py --lr ${{search_space.lr}}',
      codeId: `${WS}/codes/CODE(src)/versions/1`,
      environmentId: `${WS}/environments/e/versions/1`,
      environmentVariables: {},
    });
  });

  it('keeps floats written as floats on the wire (1.0, not 1)', async () => {
    const { job } = await translateText(
      'type: sweep\ntrial: { command: x, environment: azureml:e:1 }\nsampling_algorithm: grid\n' +
        'search_space: { b: { type: uniform, min_value: 0.1, max_value: 1.0 } }\nobjective: { goal: minimize, primary_metric: m }\n',
    );
    expect(toJsonText(job)).toContain('"b":["uniform",[0.1,1.0]]');
    expect((job.properties as any).samplingAlgorithm).toEqual({ samplingAlgorithmType: 'Grid' });
  });

  it.each([
    [
      '{ type: median_stopping, delay_evaluation: 5 }',
      { policyType: 'MedianStopping', delayEvaluation: 5, evaluationInterval: 0 },
    ],
    [
      '{ type: truncation_selection, truncation_percentage: 20 }',
      { policyType: 'TruncationSelection', delayEvaluation: 0, evaluationInterval: 0, truncationPercentage: 20 },
    ],
  ])('early termination %s', async (yaml, expected) => {
    const p = await props(
      'type: sweep\ntrial: { command: x, environment: azureml:e:1 }\nsampling_algorithm: bayesian\n' +
        `search_space: { b: { type: choice, values: [1] } }\nobjective: { goal: minimize, primary_metric: m }\nearly_termination: ${yaml}\n`,
    );
    expect(p.earlyTermination).toEqual(expected);
    expect(p.samplingAlgorithm).toEqual({ samplingAlgorithmType: 'Bayesian' });
  });
});

describe('pipeline job bodies', () => {
  const pipeline = `
type: pipeline
display_name: p
inputs:
  rate: 0.5
  empty: ""
  data: { type: uri_folder, path: azureml:iris@latest }
outputs:
  final: { type: uri_file, mode: upload }
settings:
  default_compute: azureml:cpu
  default_datastore: azureml:workspaceblobstore
  continue_on_step_failure: true
  force_rerun: false
jobs:
  prep:
    command: python prep.py --in \${{inputs.raw}} --out \${{outputs.clean}}
    environment: azureml:e:1
    inputs:
      raw: \${{parent.inputs.data}}
      n: 3
    outputs:
      clean: { mode: upload }
  train:
    type: command
    component: azureml:train:4
    compute: azureml:gpu
    queue_settings: { job_tier: standard }
    resources: { instance_count: 2 }
    distribution: { type: mpi, process_count_per_instance: 1 }
    limits: { timeout: 60 }
    inputs:
      data: \${{parent.jobs.prep.outputs.clean}}
      rate: \${{parent.inputs.rate}}
      mode_in:
        path: \${{parent.inputs.data}}
        mode: ro_mount
    outputs:
      model: \${{parent.outputs.final}}
  reg:
    component: azureml://registries/azureml/components/reg/versions/1
`;

  it('maps inputs, outputs, settings and steps the way azure-ai-ml sends them', async () => {
    const p = await props(pipeline);
    expect(p.jobType).toBe('Pipeline');
    expect(p.inputs).toEqual({
      rate: { jobInputType: 'literal', value: '0.5' },
      data: { jobInputType: 'uri_folder', uri: `${WS}/data/iris/versions/LABEL(latest)` },
    });
    expect(p.outputs).toEqual({ final: { jobOutputType: 'uri_file', mode: 'Upload' } });
    expect(p.settings).toEqual({
      default_compute: `${WS}/computes/cpu`,
      default_datastore: `${WS}/datastores/workspaceblobstore`,
      continue_on_step_failure: true,
      force_rerun: false,
      _source: 'YAML.JOB',
    });
    expect(p.jobs.train).toEqual({
      name: 'train',
      computeId: `${WS}/computes/gpu`,
      inputs: {
        data: { job_input_type: 'literal', value: '${{parent.jobs.prep.outputs.clean}}' },
        rate: { job_input_type: 'literal', value: '${{parent.inputs.rate}}' },
        mode_in: { job_input_type: 'literal', value: '${{parent.inputs.data}}', mode: 'ReadOnlyMount' },
      },
      outputs: { model: { value: '${{parent.outputs.final}}', type: 'literal' } },
      queue_settings: { job_tier: 'Standard' },
      _source: 'REMOTE.WORKSPACE_COMPONENT',
      type: 'command',
      componentId: `${WS}/components/train/versions/4`,
      distribution: { distribution_type: 'Mpi', process_count_per_instance: 1 },
      resources: { instance_count: 2 },
      limits: { job_limits_type: 'Command', timeout: 'PT1M' },
    });
    expect(p.jobs.reg).toEqual({
      name: 'reg',
      _source: 'REMOTE.REGISTRY',
      type: 'command',
      componentId: 'azureml://registries/azureml/components/reg/versions/1',
    });
    expect(p.jobs.prep._source).toBe('YAML.JOB');
    expect(p.jobs.prep.outputs).toEqual({ clean: { job_output_type: 'uri_folder', mode: 'Upload' } });
  });

  it('registers an inline step as an anonymous component named by content hash', async () => {
    const calls: string[] = [];
    const { parseJob } = await import('../../shared/aml/jobs/load');
    const result = await translateJob(planJob(parseJob(pipeline, '/tmp/x/p.yml')), fakeResolver(calls), OPTIONS);
    const [component] = result.components;
    expect(component.name).toBe('azureml_anonymous');
    expect(component.version).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(component.body).toEqual({
      properties: {
        componentSpec: {
          name: 'azureml_anonymous',
          version: '1',
          display_name: 'prep',
          type: 'command',
          is_deterministic: true,
          inputs: { raw: { type: 'uri_folder' }, n: { type: 'integer', default: '3' } },
          outputs: { clean: { type: 'uri_folder', mode: 'upload' } },
          command: 'python prep.py --in ${{inputs.raw}} --out ${{outputs.clean}}',
          environment: `azureml:${WS}/environments/e/versions/1`,
          _source: 'YAML.JOB',
        },
        isAnonymous: true,
        isArchived: false,
        properties: {},
        tags: {},
      },
    });
    expect(calls).toEqual([`label data/iris@latest`, `component azureml_anonymous:${component.version}`]);
    const v = await specValidator();
    expect(
      v.validateRequest('PUT', `${WS}/components/azureml_anonymous/versions/${component.version}`, component.body),
    ).toEqual([]);
    // Same content, same version: re-running creates nothing new.
    const again = await translateJob(planJob(parseJob(pipeline, '/tmp/x/p.yml')), fakeResolver(), OPTIONS);
    expect(again.components[0].version).toBe(component.version);
    expect(toJsonText(again.job)).toBe(toJsonText(result.job));
  });

  it('names file components like azure-ai-ml 1.4.0 did for the same file', async () => {
    // Expected versions: azure-ai-ml 1.4.0's _get_anonymous_hash() with code resolved to the same id.
    const file = path.join(CORPUS, 'pipelines-with-components/basics/1a_e2e_local_components/pipeline.yml');
    const result = await translateJob(
      planJob(loadJob(file, { overrides: ['compute=azureml:cpu-cluster'] })),
      fakeResolver(),
      {
        ...OPTIONS,
        scope: { subscriptionId: 'sub', resourceGroup: 'rg', workspace: 'ws' },
      },
    );
    expect(result.components.map((c) => c.version)).toEqual([
      '869bb24c-bada-bb60-8c81-3e6dfaa5427e',
      'df6c72cf-90f1-cdb1-9482-6b73081802a2',
      '68e9aa94-3254-fadc-c5cf-3cb54df80f12',
    ]);
  });

  it('sends a sweep step in its YAML form with the trial as a component', async () => {
    const p = await props(`
type: pipeline
jobs:
  s:
    type: sweep
    trial: { command: x, environment: azureml:e:1 }
    sampling_algorithm: random
    search_space: { c: { type: choice, values: [1, 2] } }
    objective: { goal: minimize, primary_metric: loss }
    limits: { max_total_trials: 5, timeout: 7200 }
    early_termination: { type: median_stopping }
`);
    expect(p.jobs.s).toMatchObject({
      type: 'sweep',
      sampling_algorithm: 'random',
      search_space: { c: { type: 'choice', values: [1, 2] } },
      objective: { goal: 'minimize', primary_metric: 'loss' },
      limits: { max_total_trials: 5, timeout: 7200 },
      early_termination: { type: 'median_stopping', delay_evaluation: 0, evaluation_interval: 0 },
    });
    expect(p.jobs.s.trial.componentId).toMatch(/components\/azureml_anonymous\/versions\//);
  });
});

describe('environment: file:', () => {
  it('reads the environment file and sends it as an anonymous environment, paths relative to that file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-envfile-'));
    fs.mkdirSync(path.join(dir, 'envs'));
    fs.writeFileSync(path.join(dir, 'envs', 'conda.yml'), 'name: x\ndependencies:\n  - python=3.10\n');
    fs.writeFileSync(
      path.join(dir, 'envs', 'env.yml'),
      'name: my-env\nversion: "7"\nimage: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04\nconda_file: conda.yml\n',
    );
    const text = 'command: echo hi\nenvironment: file:envs/env.yml\n';
    const fromFile = await translateText(text, [], path.join(dir, 'job.yml'));
    const inline = await translateText(
      'command: echo hi\nenvironment:\n  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04\n  conda_file: envs/conda.yml\n',
      [],
      path.join(dir, 'job.yml'),
    );
    expect(fromFile.environments.map((e) => [e.env.name, e.env.version])).toEqual(
      inline.environments.map((e) => [e.env.name, e.env.version]),
    );
    expect(fromFile.environments[0].env.name).toBe('CliV2AnonymousEnvironment');
    expect(fromFile.job).toEqual(inline.job);
  });
});
