import { authInputs, workspaceInputs } from './common';
import type { StepDeclaration } from './types';

export const smokeTest: StepDeclaration = {
  id: 'smoke-test',
  pascal: 'SmokeTest',
  title: 'Azure ML smoke test',
  description:
    'Send request cases to an online endpoint (or one deployment) or invoke a batch endpoint, and check status, response content and latency.',
  taskId: 'dacd568b-1a77-4d02-aeaf-481edd5dcb1f',
  version: { major: 1, minor: 0, patch: 0 },
  branding: { icon: 'check-circle', color: 'green' },
  inputs: [
    { name: 'endpoint', description: 'Endpoint name.', type: 'string', required: true },
    {
      name: 'endpoint-type',
      description: 'Online endpoints answer each request; batch endpoints run a scoring job per case.',
      type: 'choice',
      options: ['online', 'batch'],
      default: 'online',
    },
    {
      name: 'deployment',
      description:
        'Test only this deployment (sent as the `azureml-model-deployment` header, so it answers even with 0% traffic). The whole endpoint otherwise.',
      type: 'string',
    },
    {
      name: 'cases',
      description:
        'YAML or JSON file of cases: a list (or `cases:`) of `{name, request: <body file> | body: <inline JSON>, content_type, headers, input: <batch input>, expect: {status, json, regex, max_latency_ms, tolerance}}`.',
      type: 'file',
    },
    {
      name: 'request-file',
      description: 'A single request body file (instead of `cases`), checked with the expect-* inputs.',
      type: 'file',
    },
    {
      name: 'batch-input',
      description:
        'A single batch invocation input (instead of `cases`): local file or folder, or an azureml:/https URI.',
      type: 'string',
    },
    { name: 'expect-status', description: 'HTTP status the single request expects.', type: 'number', default: '200' },
    {
      name: 'expect-json',
      description: 'JSON the answer of the single request (or the batch output) must contain (a subset).',
      type: 'multiline',
    },
    {
      name: 'expect-regex',
      description: 'Regular expression the answer of the single request (or the batch output) must match.',
      type: 'string',
    },
    { name: 'max-latency', description: 'Latency bound of the single request (e.g. 500ms, 2s).', type: 'duration' },
    {
      name: 'timeout',
      description: 'Time limit of each request (online, default 30s) or scoring job (batch, default 30m).',
      type: 'duration',
    },
    ...authInputs,
    ...workspaceInputs,
  ],
  outputs: [
    { name: 'passed', description: 'Number of cases that passed.' },
    { name: 'failed', description: 'Number of cases that failed.' },
    {
      name: 'results',
      description: 'Case results as JSON: [{name, passed, status, latencyMs, reasons, ...}].',
    },
  ],
};
