import type { InputDeclaration } from './types';

/**
 * Inputs every step shares: where the workspace is and how to sign in. Later steps of a job fall
 * back to what `connect` exported (AMLOPS_* variables), so usually only `connect` sets them.
 */
export const workspaceInputs: readonly InputDeclaration[] = [
  {
    name: 'environment',
    description:
      'Name of a per-environment config file under the config directory (e.g. `dev` reads `.cloud/dev.yml`) giving subscription, resource group and workspace.',
    type: 'string',
  },
  {
    name: 'config-dir',
    description: 'Folder holding the per-environment config files.',
    type: 'string',
    default: '.cloud',
  },
  { name: 'workspace', description: 'Azure ML workspace name. Overrides the environment file.', type: 'string' },
  {
    name: 'resource-group',
    description: 'Resource group of the workspace. Overrides the environment file.',
    type: 'string',
  },
  {
    name: 'subscription-id',
    description:
      'Subscription of the workspace. Defaults to the environment file, the service connection, or AZURE_SUBSCRIPTION_ID.',
    type: 'string',
  },
];

export const authInputs: readonly InputDeclaration[] = [
  {
    name: 'azure-subscription',
    description:
      'Azure Resource Manager service connection (workload identity federation, service principal, or managed identity).',
    type: 'string',
    required: true,
    faces: ['azure-devops'],
    group: 'connection',
  },
  {
    name: 'client-id',
    description:
      "Client id of the app registration or managed identity with a federated credential for this repository. With `tenant-id`, signs in with the runner's OIDC token (needs `permissions: id-token: write`); without, the ambient credential is used (environment, workload identity, managed identity, Azure CLI).",
    type: 'string',
    faces: ['github', 'cli'],
  },
  {
    name: 'tenant-id',
    description: 'Entra tenant id for federated sign-in.',
    type: 'string',
    faces: ['github', 'cli'],
  },
  {
    // No declared default: the runner would pass it as if the user had, hiding what connect exported.
    name: 'cloud',
    description:
      'Azure cloud: AzureCloud, AzureChinaCloud, AzureUSGovernment, or Custom (then set `arm-endpoint` and `authority-host`). When empty: Custom if `arm-endpoint` is set, else the cloud an earlier connect step used, else AzureCloud.',
    type: 'choice',
    options: ['AzureCloud', 'AzureChinaCloud', 'AzureUSGovernment', 'Custom'],
    faces: ['github', 'cli'],
  },
  {
    name: 'arm-endpoint',
    description: 'Resource Manager endpoint of a custom cloud (https://...).',
    type: 'string',
    faces: ['github', 'cli'],
  },
  {
    name: 'authority-host',
    description: 'Entra authority host of a custom cloud (https://...).',
    type: 'string',
    faces: ['github', 'cli'],
  },
];
