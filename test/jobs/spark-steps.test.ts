import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadJob } from '../../shared/aml/jobs/load';
import { planJob } from '../../shared/aml/jobs/plan';
import { translateJob, type JobRequests } from '../../shared/aml/jobs/translate';
import { failure, fakeResolver, JOB_PATH, OPTIONS, specValidator, WS } from './helpers';

/**
 * Spark steps of pipeline jobs, as azure-ai-ml's Spark node and SparkComponent write them: the
 * component carries the program, the step its own conf, resources and identity. The inline form is
 * compared with azure-ai-ml itself by the differential; the component-file form is checked here.
 */

const COMPONENT = `$schema: https://azuremlschemas.azureedge.net/latest/sparkComponent.schema.json
name: titanic_spark_component
type: spark
version: 1
display_name: Titanic-Spark-Component
description: Spark component for Titanic data

code: ./src
entry:
  file: titanic.py

inputs:
  titanic_data:
    type: uri_file
    mode: direct

outputs:
  wrangled_data:
    type: uri_folder
    mode: direct

args: >-
  --titanic_data \${{inputs.titanic_data}}
  --wrangled_data \${{outputs.wrangled_data}}

conf:
  spark.driver.cores: 1
  spark.driver.memory: 2g
  spark.executor.cores: 2
  spark.executor.memory: 2g
  spark.dynamicAllocation.enabled: True
  spark.dynamicAllocation.minExecutors: 1
  spark.dynamicAllocation.maxExecutors: 4
`;

const step = (extra: string) => `type: pipeline
jobs:
  spark_job:
    type: spark
    component: ./spark-job-component.yml
    inputs:
      titanic_data:
        type: uri_file
        path: azureml://datastores/workspaceblobstore/paths/data/titanic.csv
        mode: direct
    outputs:
      wrangled_data:
        type: uri_folder
        path: azureml://datastores/workspaceblobstore/paths/data/wrangled/
        mode: direct
${extra}`;

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spark-steps-'));
  fs.mkdirSync(path.join(dir, 'src'));
  fs.writeFileSync(path.join(dir, 'src', 'titanic.py'), 'print("spark")\n');
  fs.writeFileSync(path.join(dir, 'spark-job-component.yml'), COMPONENT);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

async function translate(text: string): Promise<{ requests: JobRequests; calls: string[] }> {
  const calls: string[] = [];
  const requests = await translateJob(planJob(loadJob(write('pipeline.yml', text))), fakeResolver(calls), OPTIONS);
  expect((await specValidator()).validateRequest('PUT', JOB_PATH, requests.job)).toEqual([]);
  return { requests, calls };
}

const sparkNode = (r: JobRequests) => (r.job as any).properties.jobs.spark_job as Record<string, any>;

describe('spark steps naming a component file', () => {
  it('register the component anonymously with its program and interface, the step runs it on serverless Spark as the user', async () => {
    const { requests, calls } = await translate(
      step('    resources:\n      instance_type: standard_e8s_v3\n      runtime_version: "3.2"\n'),
    );
    expect(calls).toEqual([
      expect.stringMatching(/^code src$/),
      expect.stringMatching(/^component azureml_anonymous:/),
    ]);
    const spec = (requests.components[0].body as any).properties.componentSpec;
    expect(spec).toMatchObject({
      name: 'azureml_anonymous',
      version: '1',
      type: 'spark',
      display_name: 'Titanic-Spark-Component',
      is_deterministic: true,
      _source: 'YAML.COMPONENT',
      code: `azureml:${WS}/codes/CODE(src)/versions/1`,
      entry: { file: 'titanic.py' },
      args: '--titanic_data ${{inputs.titanic_data}} --wrangled_data ${{outputs.wrangled_data}}',
      inputs: { titanic_data: { type: 'uri_file', mode: 'direct' } },
      outputs: { wrangled_data: { type: 'uri_folder', mode: 'direct' } },
    });
    // Typed as written (a component's conf is YAML, not the job's map of strings).
    expect(spec.conf).toMatchObject({ 'spark.driver.cores': 1, 'spark.dynamicAllocation.enabled': true });
    expect(spec.conf['spark.executor.instances']).toBeUndefined();
    const node = sparkNode(requests);
    expect(node).toMatchObject({
      type: 'spark',
      name: 'spark_job',
      _source: 'YAML.COMPONENT',
      componentId: `${WS}/components/azureml_anonymous/versions/${requests.components[0].version}`,
      entry: { file: 'titanic.py', spark_job_entry_type: 'SparkJobPythonEntry' },
      args: spec.args,
      // Validated as a job is: with dynamic allocation, executor instances start at the minimum.
      conf: { ...spec.conf, 'spark.executor.instances': 1 },
      identity: { identity_type: 'UserIdentity' },
      resources: { instance_type: 'standard_e8s_v3', runtime_version: '3.2' },
      inputs: {
        titanic_data: {
          job_input_type: 'uri_file',
          uri: 'azureml://datastores/workspaceblobstore/paths/data/titanic.csv',
          mode: 'Direct',
        },
      },
      outputs: { wrangled_data: { job_output_type: 'uri_folder', mode: 'Direct' } },
    });
  });

  it('run on an attached pool as its managed identity unless told, with the step conf replacing the component conf', async () => {
    const conf =
      '    conf:\n      spark.driver.cores: 2\n      spark.driver.memory: 4g\n      spark.executor.cores: 2\n' +
      '      spark.executor.memory: 4g\n      spark.executor.instances: 3\n';
    const pool = sparkNode((await translate(step(`    compute: pool\n${conf}`))).requests);
    expect(pool.identity).toEqual({ identity_type: 'Managed' });
    expect(pool.computeId).toBe(`${WS}/computes/pool`);
    expect(pool.conf).toEqual({
      'spark.driver.cores': 2,
      'spark.driver.memory': '4g',
      'spark.executor.cores': 2,
      'spark.executor.memory': '4g',
      'spark.executor.instances': 3,
    });
    const told = sparkNode(
      (await translate(step('    compute: pool\n    identity:\n      type: user_identity\n'))).requests,
    );
    expect(told.identity).toEqual({ identity_type: 'UserIdentity' });
  });

  it('say clearly what is wrong, where', () => {
    const missing = failure(() =>
      loadJob(write('missing.yml', step('').replace('./spark-job-component.yml', './no-such-component.yml'))),
    );
    expect(missing).toMatch(/missing\.yml:5:16: cannot read component file '\.\/no-such-component\.yml'/);
    const beside = failure(() => loadJob(write('beside.yml', step('    args: --x 1\n'))));
    expect(beside).toMatch(/beside\.yml:\d+:\d+: 'args' cannot be combined with 'component' in step 'spark_job'/);
    const badConf = failure(() => loadJob(write('conf.yml', step('    conf:\n      spark.driver.cores: 1\n'))));
    expect(badConf).toMatch(/conf\.yml:\d+:\d+: 'conf' needs spark\.driver\.memory/);
    fs.writeFileSync(
      path.join(dir, 'command-component.yml'),
      'type: command\ncommand: echo\nenvironment: azureml:e:1\n',
    );
    const wrongType = failure(() =>
      loadJob(write('type.yml', step('').replace('./spark-job-component.yml', './command-component.yml'))),
    );
    expect(wrongType).toMatch(/a spark step needs a spark component; this one is a command component/);
  });
});

describe('inline spark steps', () => {
  it('become an anonymous component named by the step, typed conf on both, the program on the step as azure-ai-ml sends it', async () => {
    const { requests } = await translate(`type: pipeline
inputs:
  data: { type: uri_file, path: azureml://datastores/d/paths/x.csv, mode: direct }
jobs:
  inline:
    type: spark
    inputs:
      file_input: \${{parent.inputs.data}}
    code: ./src
    entry: { file: titanic.py }
    py_files: [utils.zip]
    args: --file_input \${{inputs.file_input}}
    resources: { instance_type: standard_e8s_v3, runtime_version: "3.2" }
    conf:
      spark.driver.cores: 2
      spark.driver.memory: 1g
      spark.executor.cores: 1
      spark.executor.memory: 1g
      spark.executor.instances: 1
`);
    const spec = (requests.components[0].body as any).properties.componentSpec;
    expect(spec).toMatchObject({
      type: 'spark',
      display_name: 'inline',
      _source: 'YAML.JOB',
      py_files: ['utils.zip'],
      inputs: { file_input: { type: 'uri_file', mode: 'direct' } },
    });
    expect(spec.conf['spark.driver.cores']).toBe(2);
    const node = (requests.job as any).properties.jobs.inline;
    expect(node).toMatchObject({
      _source: 'YAML.JOB',
      py_files: ['utils.zip'],
      conf: spec.conf,
      inputs: { file_input: { job_input_type: 'literal', value: '${{parent.inputs.data}}' } },
      identity: { identity_type: 'UserIdentity' },
    });
  });
});
