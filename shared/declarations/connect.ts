import { authInputs, workspaceInputs } from './common';
import type { StepDeclaration } from './types';

export const connect: StepDeclaration = {
  id: 'connect',
  pascal: 'Connect',
  title: 'Azure ML connect',
  description:
    'Resolve and verify an Azure Machine Learning workspace, and export its settings so later amlops steps of the job need no connection inputs.',
  taskId: '3f1c2b0e-6a7d-4f0e-9a51-0c8f1d2a7b01',
  version: { major: 1, minor: 0, patch: 0 },
  branding: { icon: 'link', color: 'blue' },
  inputs: [...authInputs, ...workspaceInputs],
  outputs: [
    { name: 'workspace', description: 'Workspace name.' },
    { name: 'resource-group', description: 'Resource group of the workspace.' },
    { name: 'subscription-id', description: 'Subscription of the workspace.' },
    { name: 'workspace-id', description: 'ARM resource id of the workspace.' },
    { name: 'location', description: 'Azure region of the workspace.' },
    { name: 'studio-url', description: 'Azure ML studio link to the workspace.' },
    { name: 'mlflow-tracking-uri', description: 'MLflow tracking URI of the workspace.' },
  ],
};
