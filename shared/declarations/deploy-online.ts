import { authInputs, workspaceInputs } from './common';
import type { StepDeclaration } from './types';

export const deployOnline: StepDeclaration = {
  id: 'deploy-online',
  pascal: 'DeployOnline',
  title: 'Azure ML deploy online',
  description:
    'Create or update a managed or Kubernetes online endpoint and roll a deployment out safely: 0% traffic, smoke test, traffic steps with health checks, automatic rollback.',
  taskId: '88f52d01-507d-411a-9e09-325b36f00fd7',
  version: { major: 1, minor: 0, patch: 0 },
  branding: { icon: 'upload-cloud', color: 'blue' },
  inputs: [
    {
      name: 'endpoint-file',
      description: 'Endpoint YAML as taken by `az ml online-endpoint create -f`.',
      type: 'file',
    },
    {
      name: 'deployment-file',
      description: 'Deployment YAML as taken by `az ml online-deployment create -f`.',
      type: 'file',
    },
    ...authInputs,
    ...workspaceInputs,
  ],
  outputs: [
    { name: 'endpoint', description: 'Endpoint name.' },
    { name: 'deployment', description: 'Deployment name.' },
    { name: 'scoring-uri', description: 'Scoring URI of the endpoint.' },
    { name: 'traffic', description: 'Final traffic split as JSON.' },
  ],
};
