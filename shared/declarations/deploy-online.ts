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
      description:
        'Endpoint YAML as taken by `az ml online-endpoint create -f` (managed, or Kubernetes with `compute`). Its `traffic` is ignored: the rollout sets traffic.',
      type: 'file',
    },
    {
      name: 'deployment-file',
      description: 'Deployment YAML as taken by `az ml online-deployment create -f` (managed or `type: kubernetes`).',
      type: 'file',
    },
    {
      name: 'endpoint-name',
      description: "Endpoint name. Overrides the endpoint file's `name` (or the deployment file's `endpoint_name`).",
      type: 'string',
    },
    {
      name: 'deployment-name',
      description:
        "Name of the new deployment. Overrides the deployment file's `name`. Use a name other than the live deployment's (e.g. green beside blue) for a canary; the live deployment's own name updates it in place.",
      type: 'string',
    },
    {
      name: 'auth-mode',
      description: 'Authentication of an endpoint created without an endpoint file.',
      type: 'choice',
      options: ['key', 'aml_token', 'aad_token'],
      default: 'key',
    },
    {
      name: 'model',
      description:
        'Model to deploy: `azureml:<name>:<version>`, `azureml:<name>@latest`, `azureml://registries/<registry>/models/<name>/versions/<version>`, or a local folder (registered as an anonymous model). Overrides the file.',
      type: 'string',
    },
    {
      name: 'code-path',
      description: 'Folder with the scoring script (uploaded as a code asset). Overrides the file.',
      type: 'string',
    },
    {
      name: 'scoring-script',
      description: 'Scoring script inside `code-path` (with init() and run()). Overrides the file.',
      type: 'string',
    },
    {
      name: 'deployment-environment',
      description:
        'Environment of the deployment: `azureml:<name>:<version>`, `azureml:<name>@latest`, or a container image (an anonymous environment). Overrides the file.',
      type: 'string',
    },
    {
      name: 'instance-type',
      description: 'VM size (managed) or instance type (Kubernetes). Overrides the file.',
      type: 'string',
    },
    { name: 'instance-count', description: 'Number of instances. Overrides the file.', type: 'number' },
    {
      name: 'smoke-cases',
      description:
        'YAML or JSON file of smoke cases (same format as the smoke-test step) sent to the new deployment alone before it gets traffic, and over and over during each health window.',
      type: 'file',
    },
    {
      name: 'traffic-steps',
      description:
        "The new deployment's share of traffic at each step, in percent. An endpoint without live traffic goes straight to the last step.",
      type: 'string',
      default: '10,50,100',
    },
    {
      name: 'step-wait',
      description:
        'Health window after each traffic step (e.g. 60s, 5m): smoke cases keep running against the new deployment.',
      type: 'duration',
      default: '60s',
    },
    {
      name: 'max-error-rate',
      description: 'Highest percentage of failed health requests in a window before the rollout is undone.',
      type: 'number',
      default: '0',
    },
    {
      name: 'mirror-percent',
      description:
        'Before shifting, copy this percentage of live traffic to the new deployment (answers dropped) for `mirror-duration`. 0 turns mirroring off.',
      type: 'number',
      default: '0',
    },
    { name: 'mirror-duration', description: 'How long to mirror traffic.', type: 'duration', default: '60s' },
    {
      name: 'delete-failed',
      description: 'Delete the new deployment when the rollout fails (traffic is always restored).',
      type: 'boolean',
      default: 'true',
    },
    {
      name: 'delete-old',
      description: 'After success, delete the deployments whose traffic went to 0%.',
      type: 'boolean',
      default: 'false',
    },
    {
      name: 'request-timeout',
      description: 'Time limit of each smoke request.',
      type: 'duration',
      default: '30s',
    },
    {
      name: 'timeout',
      description: 'Time limit of each Azure operation (provisioning the deployment, traffic updates).',
      type: 'duration',
      default: '60m',
    },
    ...authInputs,
    ...workspaceInputs,
  ],
  outputs: [
    { name: 'endpoint', description: 'Endpoint name.' },
    { name: 'deployment', description: 'Deployment name.' },
    { name: 'scoring-uri', description: 'Scoring URI of the endpoint.' },
    { name: 'traffic', description: 'Final traffic split as JSON, e.g. {"green":100}; 0% entries are left out.' },
    { name: 'previous-traffic', description: 'Traffic split before the rollout, as JSON.' },
    {
      name: 'action',
      description:
        'What happened: created (first deployment of the endpoint), rolled-out, updated (in place), unchanged, or rolled-back.',
    },
  ],
};
