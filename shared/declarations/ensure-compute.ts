import { authInputs, workspaceInputs } from './common';
import type { StepDeclaration } from './types';

export const ensureCompute: StepDeclaration = {
  id: 'ensure-compute',
  pascal: 'EnsureCompute',
  title: 'Azure ML ensure compute',
  description:
    'Create a compute cluster or compute instance when it is missing and update settings that drifted, from an `az ml` compute YAML or inputs. Never deletes or recreates.',
  taskId: '8b6d4e2a-1c3f-4a5b-8e7d-2f9a0b1c3d02',
  version: { major: 1, minor: 0, patch: 0 },
  branding: { icon: 'cpu', color: 'blue' },
  inputs: [
    {
      name: 'file',
      description: 'Compute YAML as taken by `az ml compute create -f` (amlcompute or computeinstance).',
      type: 'file',
    },
    { name: 'name', description: 'Compute name. Overrides the name in the file.', type: 'string' },
    {
      name: 'type',
      description: 'Compute type when no file is given.',
      type: 'choice',
      options: ['amlcompute', 'computeinstance'],
      default: 'amlcompute',
    },
    { name: 'size', description: 'VM size, e.g. Standard_DS3_v2. Overrides the file.', type: 'string' },
    {
      name: 'tier',
      description: 'Cluster VM priority: dedicated or low_priority. Overrides the file.',
      type: 'string',
    },
    { name: 'min-instances', description: 'Cluster minimum node count. Overrides the file.', type: 'number' },
    { name: 'max-instances', description: 'Cluster maximum node count. Overrides the file.', type: 'number' },
    {
      name: 'idle-time-before-scale-down',
      description: 'Seconds a cluster node may idle before it is released. Overrides the file.',
      type: 'number',
    },
    { name: 'wait', description: 'Wait until provisioning has finished.', type: 'boolean', default: 'true' },
    { name: 'timeout', description: 'Longest wait for provisioning, e.g. 20m, 1h.', type: 'duration', default: '30m' },
    ...authInputs,
    ...workspaceInputs,
  ],
  outputs: [
    { name: 'name', description: 'Compute name.' },
    { name: 'compute-id', description: 'ARM resource id of the compute.' },
    { name: 'provisioning-state', description: 'Provisioning state at the end of the step.' },
    { name: 'action', description: 'What the step did: created, updated or unchanged.' },
  ],
};
