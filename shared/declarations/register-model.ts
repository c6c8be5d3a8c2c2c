import { authInputs, workspaceInputs } from './common';
import type { StepDeclaration } from './types';

export const registerModel: StepDeclaration = {
  id: 'register-model',
  pascal: 'RegisterModel',
  title: 'Azure ML register model',
  description:
    'Register a model from a job output, a local path or a URL, with lineage tags and an optional metric gate against the current production model. Registering the same source again returns the existing version.',
  taskId: 'ea125e24-4191-4545-a29b-fca02fe1aaac',
  version: { major: 1, minor: 0, patch: 0 },
  branding: { icon: 'package', color: 'blue' },
  inputs: [
    { name: 'name', description: 'Model name. Overrides the name in the file.', type: 'string' },
    ...authInputs,
    ...workspaceInputs,
  ],
  outputs: [
    { name: 'model-name', description: 'Name of the model.' },
    { name: 'model-version', description: 'Version registered (or found).' },
    { name: 'model-id', description: 'azureml: reference of the model version.' },
  ],
};
