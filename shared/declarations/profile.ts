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
    { name: 'deployment-file', description: 'Deployment YAML to profile.', type: 'file' },
    ...authInputs,
    ...workspaceInputs,
  ],
  outputs: [{ name: 'recommended-instance-type', description: 'Cheapest instance type meeting the goal.' }],
};
