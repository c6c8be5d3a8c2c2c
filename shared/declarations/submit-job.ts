import { authInputs, workspaceInputs } from './common';
import type { StepDeclaration } from './types';

export const submitJob: StepDeclaration = {
  id: 'submit-job',
  pascal: 'SubmitJob',
  title: 'Azure ML submit job',
  description:
    'Submit an `az ml` job YAML (command, sweep, pipeline, Spark or AutoML) as it is, stream its logs while it runs, wait for it, and report its status, outputs and metrics.',
  taskId: '5c2e8f14-9b7a-4d3e-a6f1-7e0d2c4b9a03',
  version: { major: 1, minor: 0, patch: 0 },
  branding: { icon: 'play-circle', color: 'blue' },
  inputs: [
    { name: 'file', description: 'Job YAML as taken by `az ml job create -f`.', type: 'file', required: true },
    {
      name: 'set',
      description: 'Overrides as `az ml --set` takes them, one `path=value` per line (e.g. `inputs.epochs=5`).',
      type: 'multiline',
    },
    { name: 'name', description: 'Job name. Default: the name in the file, else a generated one.', type: 'string' },
    { name: 'experiment-name', description: 'Experiment to file the job under. Overrides the file.', type: 'string' },
    { name: 'display-name', description: 'Display name of the job. Overrides the file.', type: 'string' },
    { name: 'compute', description: 'Compute to run on (name). Overrides the file.', type: 'string' },
    { name: 'wait', description: 'Wait for the job to finish.', type: 'boolean', default: 'true' },
    { name: 'stream-logs', description: "Print the job's logs while waiting.", type: 'boolean', default: 'true' },
    {
      name: 'timeout',
      description: 'Longest wait, e.g. 90m or 6h. The job is canceled when it is exceeded.',
      type: 'duration',
      default: '6h',
    },
    {
      name: 'cancel-on-abort',
      description: 'Cancel the Azure ML job when the CI run is canceled.',
      type: 'boolean',
      default: 'true',
    },
    ...authInputs,
    ...workspaceInputs,
  ],
  outputs: [
    { name: 'job-name', description: 'Name of the submitted job.' },
    { name: 'status', description: 'Final status: Completed, Failed or Canceled (or the last seen one without wait).' },
    { name: 'studio-url', description: 'Azure ML studio link to the job.' },
    { name: 'duration-seconds', description: 'How long the job ran.' },
    { name: 'metrics', description: 'Last value of each metric the job logged, as JSON.' },
    { name: 'outputs', description: "The job's named outputs and where they are, as JSON." },
    { name: 'best-trial', description: 'For a sweep: the name of its best trial.' },
  ],
};
