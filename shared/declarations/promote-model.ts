import { authInputs, workspaceInputs } from './common';
import type { StepDeclaration } from './types';

export const promoteModel: StepDeclaration = {
  id: 'promote-model',
  pascal: 'PromoteModel',
  title: 'Azure ML promote model',
  description:
    'Copy a model version from a workspace into an Azure ML registry and/or another workspace, keeping name, version, type, tags and lineage.',
  taskId: 'cefb48ab-9c30-4187-be95-ff28785550a1',
  version: { major: 1, minor: 0, patch: 0 },
  branding: { icon: 'share-2', color: 'blue' },
  inputs: [
    {
      name: 'model',
      description: 'Model version to promote: `name:version` or `azureml:name:version`.',
      type: 'string',
    },
    ...authInputs,
    ...workspaceInputs,
  ],
  outputs: [{ name: 'model-id', description: 'azureml:// reference of the promoted model version.' }],
};
