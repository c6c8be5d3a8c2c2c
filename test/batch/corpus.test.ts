import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Emulator } from '../../emulator';
import { errorMessage } from '../../shared/errors';
import { runStep } from '../../shared/run-step';
import { emulatorInputs, secretEnvOf } from '../support/connection';
import { startTestEmulator } from '../support/emulator';
import { SHARED } from '../support/oracle';
import { RecordingHost } from '../support/recording-host';
import { createBatchCluster, fileWriter, workspaceArm } from './support';

/**
 * Every batch endpoint and deployment file of the azureml-examples corpus, through deploy-batch as
 * az ml takes them: first as they are (their components, models and environments do not exist in a
 * fresh workspace, so each is refused with a message naming the file and line of the missing
 * reference, and nothing is created), then with what they refer to in place, when each deploys.
 */
const CORPUS = path.join(SHARED, 'corpus', 'azureml-examples', 'cli', 'endpoints', 'batch');

interface Case {
  /** The endpoint file the corpus creates the deployment's endpoint from. */
  endpoint: string;
  /** How deploy-batch refuses the file in a fresh workspace. */
  refused: RegExp;
}

const CASES: Record<string, Case> = {
  'deploy-pipelines/hello-batch/deployment.yml': {
    endpoint: 'deploy-pipelines/hello-batch/endpoint.yml',
    refused:
      /^deploy-pipelines\/hello-batch\/deployment\.yml:5:\d+: hello_batch@latest: no version of component 'hello_batch' in workspace 'dev'/,
  },
  'deploy-pipelines/hello-batch/deployment-from-job.yml': {
    endpoint: 'deploy-pipelines/hello-batch/endpoint.yml',
    refused:
      /^deploy-pipelines\/hello-batch\/deployment-from-job\.yml:5:\d+: pipeline job 'job_name_placeholder' not found in workspace 'dev'/,
  },
  'deploy-pipelines/batch-scoring-with-preprocessing/deployment.yml': {
    endpoint: 'deploy-pipelines/batch-scoring-with-preprocessing/endpoint.yml',
    refused:
      /pipeline\.yml:\d+:\d+: heart-classifier-transforms@latest: no version of model 'heart-classifier-transforms' in workspace 'dev'/,
  },
  'deploy-pipelines/training-with-components/deployment-onehot/deployment.yml': {
    endpoint: 'deploy-pipelines/training-with-components/endpoint.yml',
    refused:
      /prepare\.yml:\d+:\d+: xgboost-sklearn-py38@latest: no version of environment 'xgboost-sklearn-py38' in workspace 'dev'/,
  },
  'deploy-pipelines/training-with-components/deployment-ordinal/deployment.yml': {
    endpoint: 'deploy-pipelines/training-with-components/endpoint.yml',
    refused:
      /prepare\.yml:\d+:\d+: xgboost-sklearn-py38@latest: no version of environment 'xgboost-sklearn-py38' in workspace 'dev'/,
  },
};

/** The corpus's batch endpoint and deployment files, by their $schema. */
function corpusBatchFiles(): { endpoints: string[]; deployments: string[] } {
  const endpoints: string[] = [];
  const deployments: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.ya?ml$/.test(entry.name)) {
        const schema = /^\$schema:\s*(\S+)/m.exec(fs.readFileSync(full, 'utf8'))?.[1] ?? '';
        const rel = path.relative(CORPUS, full);
        if (/batchEndpoint\.schema/i.test(schema)) endpoints.push(rel);
        if (/BatchDeployment\.schema/i.test(schema)) deployments.push(rel);
      }
    }
  };
  walk(CORPUS);
  return { endpoints: endpoints.sort(), deployments: deployments.sort() };
}

let emulator: Emulator;
let project: string;

beforeAll(async () => {
  emulator = await startTestEmulator({ computeProvisioningMs: 20, lroRetryAfterSeconds: 0 });
  project = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-batch-corpus-'));
  fs.cpSync(CORPUS, project, { recursive: true });
  await createBatchCluster(emulator, 'batch-cluster');
}, 60_000);
afterAll(async () => {
  await emulator?.stop();
});
afterEach(() => expect(emulator.specViolations).toEqual([]));

const arm = (method: string, below: string, body?: unknown) => workspaceArm(emulator, 'dev', method, below, body);

async function run(step: string, inputs: Record<string, string>) {
  const host = new RecordingHost({ ...emulatorInputs(emulator), ...inputs }, secretEnvOf(emulator), project);
  try {
    await runStep(step, host);
    return { host, error: undefined as string | undefined };
  } catch (err) {
    return { host, error: errorMessage(err) };
  }
}

const deployBatch = (deployment: string, extra: Record<string, string> = {}) =>
  run('deploy-batch', { 'endpoint-file': CASES[deployment]?.endpoint ?? '', 'deployment-file': deployment, ...extra });

const writes = () =>
  emulator.requests.filter(
    (r) => ['PUT', 'PATCH', 'POST', 'DELETE'].includes(r.method) && !r.path.includes('/oauth2/'),
  );

const write = (rel: string, text: string) => fileWriter(project)(rel, text);

test('every corpus batch deployment file is covered here, each with its endpoint file', () => {
  const { endpoints, deployments } = corpusBatchFiles();
  expect(deployments).toEqual(Object.keys(CASES).sort());
  expect([...new Set(Object.values(CASES).map((c) => c.endpoint))].sort()).toEqual(endpoints);
});

describe('in a fresh workspace, each corpus deployment is refused at its missing reference and creates nothing', () => {
  it.each(Object.keys(CASES))('%s', async (deployment) => {
    emulator.clearRequests();
    const { error } = await deployBatch(deployment);
    expect(error).toMatch(CASES[deployment].refused);
    expect(error).not.toMatch(/\n\s+at /);
    expect(writes()).toEqual([]);
  });
});

describe('with what they refer to in place, the corpus files deploy', () => {
  beforeAll(async () => {
    // What the corpus's scripts create first: the environment, the registered models and
    // components, and the code folders the repository keeps beside the components.
    const env = { properties: { image: 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest' } };
    expect((await arm('PUT', 'environments/xgboost-sklearn-py38/versions/1', env)).status).toBeLessThan(300);
    for (const [name, type] of [
      ['heart-classifier-transforms', 'custom_model'],
      ['heart-classifier', 'mlflow_model'],
    ]) {
      const model = {
        properties: { modelType: type, modelUri: `azureml://datastores/workspaceblobstore/paths/${name}/` },
      };
      expect((await arm('PUT', `models/${name}/versions/1`, model)).status).toBeLessThan(300);
    }
    const prepare = {
      properties: {
        componentSpec: {
          name: 'uci_heart_prepare',
          version: '1',
          type: 'command',
          inputs: { data: { type: 'uri_folder' }, transformations: { type: 'custom_model', optional: true } },
          outputs: { prepared_data: { type: 'uri_folder' } },
          command: 'python prepare.py',
          environment: 'azureml:xgboost-sklearn-py38:1',
        },
      },
    };
    expect((await arm('PUT', 'components/uci_heart_prepare/versions/1', prepare)).status).toBeLessThan(300);
    write('deploy-pipelines/hello-batch/hello-component/src/hello.py', 'print("hello batch")\n');
    write('deploy-pipelines/training-with-components/components/prepare/src/prepare.py', 'print("prepare")\n');
    write('deploy-pipelines/training-with-components/components/train_xgb/src/train_xgb.py', 'print("train")\n');
    write('deploy-pipelines/batch-scoring-with-preprocessing/components/score/src/score.py', 'print("score")\n');
  });

  it.each([
    'deploy-pipelines/batch-scoring-with-preprocessing/deployment.yml',
    'deploy-pipelines/training-with-components/deployment-onehot/deployment.yml',
    'deploy-pipelines/training-with-components/deployment-ordinal/deployment.yml',
  ])(
    '%s: the pipeline component file and its child components are registered, the deployment points at it',
    async (deployment) => {
      const { host, error } = await deployBatch(deployment);
      expect(error).toBeUndefined();
      const endpointName = /^name:\s*(\S+)/m.exec(
        fs.readFileSync(path.join(project, CASES[deployment].endpoint), 'utf8'),
      )![1];
      const deploymentName = /^name:\s*(\S+)/m.exec(fs.readFileSync(path.join(project, deployment), 'utf8'))![1];
      expect(host.outputs).toMatchObject({ endpoint: endpointName, deployment: deploymentName });
      const got = await arm('GET', `batchEndpoints/${endpointName}/deployments/${deploymentName}`);
      const config = got.json.properties.deploymentConfiguration;
      expect(config).toMatchObject({
        deploymentConfigurationType: 'PipelineComponent',
        settings: { continue_on_step_failure: 'false', default_compute: 'batch-cluster' },
      });
      // The pipeline component under its own name; its steps point at registered child components.
      const pipelineName = /^name:\s*(\S+)/m.exec(
        fs.readFileSync(path.join(project, path.dirname(deployment), 'pipeline.yml'), 'utf8'),
      )![1];
      expect(config.componentId.assetId).toMatch(new RegExp(`/components/${pipelineName}/versions/\\d+$`));
      const component = await arm('GET', config.componentId.assetId.replace(/^.*\/workspaces\/dev\//, ''));
      expect(component.json.properties.isAnonymous).toBe(false);
      const steps = Object.values(component.json.properties.componentSpec.jobs) as { componentId: string }[];
      expect(steps.length).toBe(2);
      for (const s of steps) {
        const child = await arm('GET', s.componentId.replace(/^azureml:/, '').replace(/^.*\/workspaces\/dev\//, ''));
        expect(child.status).toBe(200);
      }
    },
  );

  test('the two training deployments share the endpoint; the second pipeline.yml is a new version of the same component', async () => {
    const onehot = await arm('GET', 'batchEndpoints/uci-classifier-train/deployments/uci-classifier-train-onehot');
    const ordinal = await arm('GET', 'batchEndpoints/uci-classifier-train/deployments/uci-classifier-train-xgb');
    const ids = [onehot, ordinal].map((d) => d.json.properties.deploymentConfiguration.componentId.assetId as string);
    expect(ids[0]).toMatch(/\/components\/uci-heart-train-pipeline\/versions\/1$/);
    expect(ids[1]).toMatch(/\/components\/uci-heart-train-pipeline\/versions\/2$/);
  });

  test('a re-run of a pipeline component file deployment registers and changes nothing', async () => {
    emulator.clearRequests();
    const { host, error } = await deployBatch(
      'deploy-pipelines/training-with-components/deployment-ordinal/deployment.yml',
    );
    expect(error).toBeUndefined();
    expect(writes()).toEqual([]);
    expect(host.lines.join('\n')).toContain('Component uci-heart-train-pipeline:2 is unchanged');
  });

  test('hello-batch: its component registered from its file, the corpus deployment by azureml:hello_batch@latest', async () => {
    write(
      'deploy-pipelines/hello-batch/register-hello.yml',
      'name: register-hello\ntype: pipeline\ncomponent: hello-component/hello.yml\nsettings:\n  default_compute: batch-cluster\n',
    );
    const first = await run('deploy-batch', {
      'endpoint-file': 'deploy-pipelines/hello-batch/endpoint.yml',
      'deployment-file': 'deploy-pipelines/hello-batch/register-hello.yml',
      default: 'false',
    });
    expect(first.error).toBeUndefined();
    expect((await arm('GET', 'components/hello_batch/versions/1')).status).toBe(200);
    const { error } = await deployBatch('deploy-pipelines/hello-batch/deployment.yml');
    expect(error).toBeUndefined();
    const got = await arm('GET', 'batchEndpoints/hello-batch/deployments/hello-batch-dpl');
    expect(got.json.properties.deploymentConfiguration.componentId.assetId).toMatch(
      /\/components\/hello_batch\/versions\/1$/,
    );
    expect((await arm('GET', 'batchEndpoints/hello-batch')).json.properties.defaults.deploymentName).toBe(
      'hello-batch-dpl',
    );
  });

  test('hello-batch from a pipeline job: the job named in job_definition becomes the deployment component', async () => {
    const job = await arm('PUT', 'jobs/hello-pipeline-job', {
      properties: {
        jobType: 'Pipeline',
        experimentName: 'hello-pipeline-batch',
        computeId: 'batch-cluster',
        jobs: {
          main_job: {
            type: 'command',
            name: 'main_job',
            componentId: (await arm('GET', 'components/hello_batch/versions/1')).json.id,
          },
        },
      },
    });
    expect(job.status).toBeLessThan(300);
    const text = fs
      .readFileSync(path.join(project, 'deploy-pipelines/hello-batch/deployment-from-job.yml'), 'utf8')
      .replace('job_name_placeholder', 'hello-pipeline-job');
    write('deploy-pipelines/hello-batch/deployment-from-job.yml', text);
    const { error } = await deployBatch('deploy-pipelines/hello-batch/deployment-from-job.yml');
    expect(error).toBeUndefined();
    const got = await arm('GET', 'batchEndpoints/hello-batch/deployments/hello-batch-from-job');
    const component = await arm(
      'GET',
      got.json.properties.deploymentConfiguration.componentId.assetId.replace(/^.*\/workspaces\/dev\//, ''),
    );
    expect(component.json.properties.componentSpec).toMatchObject({
      type: 'pipeline',
      sourceJobId: 'hello-pipeline-job',
    });
    // A re-run finds the component made from the same job.
    emulator.clearRequests();
    expect((await deployBatch('deploy-pipelines/hello-batch/deployment-from-job.yml')).error).toBeUndefined();
    expect(writes()).toEqual([]);
  });
});
