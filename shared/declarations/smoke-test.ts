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
  inputs: [{ name: 'endpoint', description: 'Endpoint name.', type: 'string' }, ...authInputs, ...workspaceInputs],
  outputs: [
    { name: 'passed', description: 'Number of cases that passed.' },
    { name: 'failed', description: 'Number of cases that failed.' },
  ],
};
