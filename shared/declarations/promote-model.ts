import { authInputs, workspaceInputs } from './common';
import type { StepDeclaration } from './types';

export const promoteModel: StepDeclaration = {
  id: 'promote-model',
  pascal: 'PromoteModel',
  title: 'Azure ML promote model',
  description:
    'Copy a model version from a workspace into an Azure ML registry and/or another workspace, keeping name, version, type, tags and lineage. The files are copied server-side; promoting the same version again changes nothing.',
  taskId: 'cefb48ab-9c30-4187-be95-ff28785550a1',
  version: { major: 1, minor: 0, patch: 0 },
  branding: { icon: 'share-2', color: 'blue' },
  inputs: [
    {
      name: 'model',
      description:
        "Model version to promote, in the source workspace: `name:version`, `azureml:name:version` (register-model's `model-id`) or its ARM id.",
      type: 'string',
      required: true,
    },
    {
      name: 'registry',
      description:
        'Azure ML registry to copy the model into. The prod side deploys `azureml://registries/<registry>/models/<name>/versions/<version>`.',
      type: 'string',
    },
    {
      name: 'registry-resource-group',
      description: "Resource group of the registry. Default: the source workspace's.",
      type: 'string',
    },
    {
      name: 'target-environment',
      description:
        'Copy the model into the workspace of this per-environment config file (e.g. `prod` reads `.cloud/prod.yml`).',
      type: 'string',
    },
    {
      name: 'target-workspace',
      description: 'Workspace to copy the model into. Overrides the target environment file.',
      type: 'string',
    },
    {
      name: 'target-resource-group',
      description:
        "Resource group of the target workspace. Default: the target environment file, else the source workspace's.",
      type: 'string',
    },
    {
      name: 'target-subscription-id',
      description:
        "Subscription of the target workspace. Default: the target environment file, else the source workspace's.",
      type: 'string',
    },
    {
      name: 'timeout',
      description: 'Longest wait for the registry to finish creating the version.',
      type: 'duration',
      default: '20m',
    },
    ...authInputs,
    ...workspaceInputs,
  ],
  outputs: [
    {
      name: 'model-id',
      description:
        'The promoted version: `azureml://registries/<registry>/models/<name>/versions/<version>` with a registry, else `azureml:<name>:<version>` in the target workspace.',
    },
    { name: 'model-name', description: 'Name of the model.' },
    { name: 'model-version', description: 'Version of the model (the same everywhere).' },
    { name: 'registry-model-id', description: 'azureml://registries/... id in the registry (empty without one).' },
    { name: 'workspace-model-id', description: 'ARM id of the copy in the target workspace (empty without one).' },
    {
      name: 'action',
      description: '`created` (copied somewhere new), `updated` (tags or description refreshed) or `unchanged`.',
    },
  ],
};
