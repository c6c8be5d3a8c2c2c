import { planJob } from '../../shared/aml/jobs/plan';
import { failure, loadText } from './helpers';

const SPARK_CONF =
  '{ spark.driver.cores: 1, spark.driver.memory: 2g, spark.executor.cores: 2, spark.executor.memory: 2g, spark.executor.instances: 2 }';

describe('job YAML errors name the file and line', () => {
  it.each([
    [
      'command: x\nenvironment: azureml:e:1\ncomand: y\n',
      /job\.yml:3:1: unknown field 'comand' in the job\nKnown fields: .*command/,
    ],
    ['type: automl\ntask: classification\n', /job\.yml:1:1: an automl job needs 'training_data'/],
    ['type: automl\ntask: clustering\n', /job\.yml:2:7: 'task' must be one of classification, /],
    [
      'type: automl\ntask: text_ner\ntraining_data: { path: azureml:d:1 }\nsweep: { sampling_algorithm: random }\n',
      /job\.yml:4:8: not supported yet: 'sweep' of a text_ner job\nThe Azure ML API version submit-job uses \(2024-10-01\)/,
    ],
    [
      'type: automl\ntask: classification\nprimary_metric: f1\ntraining_data: { path: azureml:d:1 }\n',
      /job\.yml:3:17: 'primary_metric' must be one of AUCWeighted, Accuracy/,
    ],
    [
      'type: automl\ntask: regression\ntraining_data: { path: azureml:d:1 }\nresources: x=1\n',
      /job\.yml:4:12: 'resources' must be a mapping/,
    ],
    ['type: spark\n', /job\.yml:1:1: missing 'entry' in the job/],
    [
      'type: spark\ncode: azureml:src:1\nentry: { file: a.py }\nresources: { instance_type: s }\n',
      /job\.yml:1:1: 'conf' needs spark\.driver\.cores, spark\.driver\.memory, spark\.executor\.cores, spark\.executor\.memory, spark\.executor\.instances/,
    ],
    [
      'type: spark\ncode: azureml:src:1\nentry: { file: a.py }\nconf: { spark.driver.memory: lots }\n',
      /job\.yml:4:30: 'spark\.driver\.memory' must be a size such as 2g or 512m, got "lots"/,
    ],
    [
      `type: spark\ncode: azureml:src:1\nentry: { class_name: A }\nconf: ${SPARK_CONF}\n`,
      /job\.yml:1:1: a spark job needs 'resources' \(serverless Spark: instance_type, runtime_version\) or 'compute'/,
    ],
    [
      `type: spark\ncode: azureml:src:1\nentry: { class_name: A }\nconf: ${SPARK_CONF}\ncompute: pool\nresources: { instance_type: s }\n`,
      /job\.yml:6:12: a spark job takes 'resources' \(serverless\) or 'compute' \(attached pool\), not both/,
    ],
    [
      `type: spark\ncode: azureml:src:1\nentry: { class_name: A }\nconf: ${SPARK_CONF}\ncompute: pool\ninputs:\n  d: { type: uri_file, path: azureml://datastores/x/paths/a.csv }\n`,
      /job\.yml:7:6: input 'd' of a spark job must have mode: direct \(got no mode\)/,
    ],
    ['type: banana\n', /job\.yml:1:7: unknown job type 'banana'/],
    [
      'command: x\nenvironment: azureml:e@prod\n',
      /job\.yml:2:14: 'azureml:e@prod': label 'prod' is not one Azure ML resolves for environments\nUse azureml:e@latest \(the newest version\) or azureml:e:<version>\./,
    ],
    ['environment: azureml:e:1\n', /job\.yml:1:1: missing 'command' in the job/],
    ['command: x\n', /missing 'environment' in the job/],
    ['command: x\nenvironment: azureml:e\n', /job\.yml:2:14: 'azureml:e' needs a version or a label/],
    [
      'command: x\nenvironment: azureml:e:1\nresources:\n  instance_count: two\n',
      /job\.yml:4:19: 'instance_count' in 'resources' must be a whole number/,
    ],
    [
      'command: x\nenvironment: azureml:e:1\ninputs:\n  d: { type: uri_thing, path: x }\n',
      /job\.yml:4:\d+: unknown input type 'uri_thing'/,
    ],
    [
      'command: x\nenvironment: azureml:e:1\ninputs:\n  d: { type: uri_file, path: x, mode: sometimes }\n',
      /'mode' must be one of/,
    ],
    [
      'command: x\nenvironment: azureml:e:1\ndistribution: { type: horovod }\n',
      /job\.yml:3:\d+: 'type' must be one of pytorch, mpi, tensorflow/,
    ],
    ['type: pipeline\njobs:\n  a:\n    type: spark\n', /job\.yml:4:5: missing 'entry' in step 'a'/],
    ['type: pipeline\njobs:\n  a:\n    type: parallel\n', /job\.yml:4:5: missing 'task' in step 'a'/],
    [
      'type: pipeline\njobs:\n  a:\n    type: parallel\n    mini_batch_size: 10tb\n    task: { entry_script: s.py }\n',
      /job\.yml:5:22: 'mini_batch_size' must be a number, optionally with kb, mb or gb/,
    ],
    [
      'type: pipeline\njobs:\n  a:\n    type: automl\n    task: clustering\n',
      /job\.yml:5:11: 'task' must be one of classification, regression/,
    ],
    ['type: pipeline\njobs:\n  a:\n    type: pipeline\n', /job\.yml:4:5: missing 'component' in step 'a'/],
    ['type: pipeline\n', /a pipeline job needs 'jobs'/],
    [
      'command: x\nenvironment: file:./no-such-env.yml\n',
      /job\.yml:2:14: cannot read environment file 'file:.\/no-such-env.yml'/,
    ],
    [
      'type: sweep\ntrial: { command: x, environment: azureml:e:1 }\nsampling_algorithm: random\nsearch_space: { a: { type: choice } }\nobjective: { goal: min, primary_metric: m }\n',
      /job\.yml:4:\d+: missing 'values' in search space 'a'/,
    ],
    [
      'command: x\nenvironment:\n  image: i\n  conda_file: ./nope.yml\n',
      /job\.yml:4:15: cannot read conda file '.\/nope.yml'/,
    ],
    ['- a\n- b\n', /a job YAML must be a mapping/],
    ['command: [x\n', /job\.yml:\d+:\d+: invalid YAML/],
  ])('%#: %s', (text, expected) => {
    expect(failure(() => planJob(loadText(text)))).toMatch(expected);
  });

  it('points at --set when an override is wrong', () => {
    expect(failure(() => loadText('command: x\nenvironment: azureml:e:1\n', ['resources.instance_count=abc']))).toMatch(
      /--set resources.instance_count=abc: 'instance_count' in 'resources' must be a whole number/,
    );
  });
});
