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
    },
    {
      name: 'deployment-file',
      description: 'Batch deployment YAML as taken by `az ml batch-deployment create -f`.',
      type: 'file',
    },
    ...authInputs,
    ...workspaceInputs,
  ],
  outputs: [
    { name: 'endpoint', description: 'Endpoint name.' },
    { name: 'deployment', description: 'Deployment name.' },
    { name: 'scoring-uri', description: 'Invocation URI of the endpoint.' },
  ],
};
