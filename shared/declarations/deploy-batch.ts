import { authInputs, workspaceInputs } from './common';
import type { StepDeclaration } from './types';

export const deployBatch: StepDeclaration = {
  id: 'deploy-batch',
  pascal: 'DeployBatch',
  title: 'Azure ML deploy batch',
  description:
    'Create or update a batch endpoint and a model or pipeline-component deployment, make it the default, and optionally test it with an invocation.',
  taskId: '30dac4e9-25e1-4bdf-a369-6e434eb06fe7',
  version: { major: 1, minor: 0, patch: 0 },
  branding: { icon: 'layers', color: 'blue' },
  inputs: [
    {
      name: 'endpoint-file',
      description: 'Batch endpoint YAML as taken by `az ml batch-endpoint create -f`.',
      type: 'file',
      required: true,
    },
    {
      name: 'deployment-file',
      description:
        'Batch deployment YAML as taken by `az ml batch-deployment create -f`: a model deployment, or a pipeline component deployment (`type: pipeline`) whose `component` is a local pipeline component file (registered with its child components) or `azureml:<name>@latest` / `azureml:<name>:<version>`, or whose `job_definition` names an existing pipeline job (`azureml:<job>`).',
      type: 'file',
      required: true,
    },
    {
      name: 'endpoint-name',
      description: 'Endpoint name. Overrides the name in the endpoint file (e.g. a per-environment name).',
      type: 'string',
    },
    {
      name: 'default',
      description: 'Make the deployment the default deployment of the endpoint.',
      type: 'boolean',
      default: 'true',
    },
    {
      name: 'test-input',
      description:
        'Test the deployment with this input: a local file or folder (uploaded) or a data URI (azureml:..., https://...). The step waits for the scoring job and fails when it fails.',
      type: 'string',
    },
    {
      name: 'timeout',
      description: 'Longest wait for the endpoint, the deployment and the test job, e.g. 30m.',
      type: 'duration',
      default: '60m',
    },
    ...authInputs,
    ...workspaceInputs,
  ],
  outputs: [
    { name: 'endpoint', description: 'Endpoint name.' },
    { name: 'deployment', description: 'Deployment name.' },
    { name: 'scoring-uri', description: 'Invocation URI of the endpoint (POST with an Entra token for Azure ML).' },
    { name: 'test-job-name', description: 'Name of the test scoring job, when test-input was given.' },
    { name: 'test-output', description: 'Where the test job wrote its predictions, when test-input was given.' },
  ],
};
