import { authInputs, workspaceInputs } from './common';
import type { StepDeclaration } from './types';

export const profile: StepDeclaration = {
  id: 'profile',
  pascal: 'Profile',
  title: 'Azure ML profile',
  description:
    'Load-test candidate instance types for an online deployment and recommend the cheapest one that meets a latency, throughput and error-rate goal.',
  taskId: '68611878-d9ab-4c25-a7cd-0d67b680cd40',
  version: { major: 1, minor: 0, patch: 0 },
  branding: { icon: 'activity', color: 'purple' },
  inputs: [
    {
      name: 'deployment-file',
      description:
        'Online deployment YAML as taken by `az ml online-deployment create -f`: model, code, environment and settings to profile. Its name, endpoint, instance type and count are replaced per candidate.',
      type: 'file',
    },
    {
      name: 'model',
      description:
        'Without deployment-file: the model to deploy, e.g. `azureml:my-model:3` or `azureml://registries/<r>/models/<n>/versions/<v>`.',
      type: 'string',
    },
    {
      name: 'code-path',
      description: 'Without deployment-file: folder holding the scoring script.',
      type: 'string',
    },
    {
      name: 'scoring-script',
      description: 'Without deployment-file: the scoring script (init()/run()), relative to code-path.',
      type: 'string',
    },
    {
      name: 'scoring-environment',
      description:
        'Without deployment-file: the Azure ML environment the scoring script runs in, e.g. `azureml:my-env:2`. Needed with code-path.',
      type: 'string',
    },
    {
      name: 'payloads',
      description:
        'Request bodies: JSON files, one path or glob pattern per line (or comma-separated), sent in turn. Each must parse as JSON.',
      type: 'multiline',
      required: true,
    },
    {
      name: 'candidates',
      description:
        'Instance types to try, with an optional instance count: one per line or comma-separated, e.g. `Standard_DS2_v2`, `Standard_DS3_v2:2`. Each must be in the price table.',
      type: 'multiline',
      required: true,
    },
    {
      name: 'goal-p95-ms',
      description: 'Goal: 95th percentile of the round-trip latency, in milliseconds, at most.',
      type: 'number',
      required: true,
    },
    {
      name: 'goal-rps',
      description:
        'Goal: requests per second to sustain. A candidate is judged at the lowest concurrency level that reaches it. Default: any throughput, judged at the lowest level.',
      type: 'number',
    },
    {
      name: 'max-error-rate',
      description: 'Goal: highest share of failed requests (non-2xx answers, errors, timeouts), in percent.',
      type: 'number',
      default: '1',
    },
    {
      name: 'concurrency',
      description: 'Concurrent requests to load each candidate with, in increasing steps, e.g. `1,4,16`.',
      type: 'string',
      default: '1,4,16',
    },
    {
      name: 'duration',
      description: 'How long each concurrency level runs, e.g. 30s or 2m.',
      type: 'duration',
      default: '30s',
    },
    {
      name: 'warm-up',
      description: 'Load before measuring each candidate, not counted (caches, lazy loading), e.g. 10s. 0 for none.',
      type: 'duration',
      default: '10s',
    },
    {
      name: 'max-requests',
      description: 'Most requests one concurrency level sends, whatever its duration.',
      type: 'number',
      default: '10000',
    },
    {
      name: 'request-timeout',
      description: 'A request not answered within this counts as an error.',
      type: 'duration',
      default: '30s',
    },
    {
      name: 'endpoint',
      description:
        'Online endpoint to profile on. Created (key auth) when missing and then deleted at the end; an existing one is kept, and its traffic is never changed.',
      type: 'string',
      required: true,
    },
    {
      name: 'price-table',
      description:
        'JSON or YAML file of hourly prices replacing the shipped table (approximate East US list prices in USD): `{ "currency": "USD", "instanceTypes": { "Standard_DS3_v2": 0.293 } }`.',
      type: 'file',
    },
    {
      name: 'deployment-timeout',
      description: 'Longest wait for one candidate deployment to be ready.',
      type: 'duration',
      default: '20m',
    },
    {
      name: 'fail-if-none-meets-goal',
      description: 'Fail the step when no candidate meets the goal (the results are reported either way).',
      type: 'boolean',
      default: 'true',
    },
    {
      name: 'report-file',
      description: 'Also write the results as JSON to this file.',
      type: 'string',
    },
    ...authInputs,
    ...workspaceInputs,
  ],
  outputs: [
    {
      name: 'recommended-instance-type',
      description: 'Cheapest instance type meeting the goal; empty when none does.',
    },
    { name: 'recommended-instance-count', description: 'Instance count of the recommended candidate.' },
    {
      name: 'results',
      description: 'Per candidate: price, measurements per concurrency level, verdict and reason, as JSON.',
    },
    { name: 'report-file', description: 'Path of the JSON report, when report-file was given.' },
  ],
};
