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
    {
      name: 'file',
      description:
        '`az ml` model YAML (name, version, path, type, description, tags, properties, stage). Inputs override it.',
      type: 'file',
    },
    { name: 'name', description: 'Model name. Overrides the name in the file.', type: 'string' },
    {
      name: 'path',
      description:
        'Where the model is: a local file or folder (uploaded), `azureml://jobs/<job>/outputs/<output>`, `azureml://datastores/<datastore>/paths/<path>` or an https storage URL. Overrides the file.',
      type: 'string',
    },
    {
      name: 'job-name',
      description: 'Register an output of this job (instead of `path`).',
      type: 'string',
    },
    {
      name: 'job-output',
      description:
        "The job's output to register. Default: its only model output (mlflow_model, custom_model, triton_model).",
      type: 'string',
    },
    {
      name: 'type',
      description:
        "Model type: mlflow_model, custom_model or triton_model. Default: the file's, else the job output's, else custom_model.",
      type: 'choice',
      options: ['mlflow_model', 'custom_model', 'triton_model'],
    },
    {
      name: 'model-version',
      description:
        'Version to register. Default: the version that already holds this source, else the next one (highest numeric version + 1).',
      type: 'string',
    },
    { name: 'description', description: 'Description of the model version.', type: 'string' },
    {
      name: 'tags',
      description: 'Tags of the new version, one `key=value` per line (added to the lineage tags the step writes).',
      type: 'multiline',
    },
    {
      name: 'gate-metric',
      description:
        "Metric of the source job (as logged to MLflow) to compare with the baseline model's. Without it there is no gate.",
      type: 'string',
    },
    {
      name: 'gate-goal',
      description: 'Whether a higher (maximize) or lower (minimize) value of the metric is better.',
      type: 'choice',
      options: ['maximize', 'minimize'],
      default: 'maximize',
    },
    {
      name: 'gate-min-improvement',
      description: 'How much better than the baseline the new value must be (absolute; 0 lets an equal value pass).',
      type: 'string',
      default: '0',
    },
    {
      name: 'baseline-tag',
      description:
        'Tag `key=value` marking the current production version of this model, the baseline of the gate (the newest such version counts).',
      type: 'string',
      default: 'stage=champion',
    },
    {
      name: 'on-worse',
      description:
        'When the gate rejects the model: fail the step, or skip registering and succeed (output action `skipped`).',
      type: 'choice',
      options: ['fail', 'skip'],
      default: 'fail',
    },
    {
      name: 'set-baseline',
      description:
        'After registering, move the baseline tag to this version (removed from the versions that had it), making it the next baseline.',
      type: 'boolean',
      default: 'false',
    },
    ...authInputs,
    ...workspaceInputs,
  ],
  outputs: [
    { name: 'model-name', description: 'Name of the model.' },
    { name: 'model-version', description: 'Version registered or found (empty when skipped).' },
    { name: 'model-id', description: '`azureml:<name>:<version>`, as deployment YAML and promote-model take it.' },
    { name: 'model-arm-id', description: 'Full ARM id of the model version.' },
    {
      name: 'action',
      description: '`created`, `existing` (the same source was registered before) or `skipped` (gate).',
    },
    { name: 'metric-value', description: "The gate metric's value for this model (empty without a gate)." },
    { name: 'baseline-version', description: 'Version the gate compared with (empty when there was none).' },
    { name: 'baseline-value', description: "The baseline's value of the gate metric (empty when there was none)." },
    { name: 'metrics', description: "The source job's metrics as JSON ({} when the source is not a job)." },
  ],
};
