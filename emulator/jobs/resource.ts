import { isRecord } from '../http';
import { cloneJson } from '../json-utils';
import type { WorkspaceSeed } from '../state';
import { PROVIDER, systemData, workspaceArmId, type World } from '../world';
import type { JobRecord } from './model';

/** Output types whose data lands in a datastore folder or file. */
const DATA_OUTPUT_TYPES = ['uri_folder', 'uri_file', 'mlflow_model', 'custom_model', 'mltable', 'triton_model'];

/** The output type of a REST output (camelCase at the top level, snake_case inside pipelines). */
export function outputType(output: Record<string, unknown>): string {
  const t = output.jobOutputType ?? output.job_output_type ?? output.type;
  return typeof t === 'string' ? t : 'uri_folder';
}

/**
 * Where an output goes: its own URI (with ${{name}} and ${{output_name}} filled in, as Azure ML
 * does), else the default folder azureml/<job>/<output>/ in the workspace blob store. A file
 * output's default is a file named after the output inside that folder.
 */
export function outputUri(jobName: string, outputName: string, output: Record<string, unknown>): string {
  const given = output.uri;
  if (typeof given === 'string' && given && !/^\$\{\{\s*parent\./.test(given)) {
    return given.replace(/\$\{\{\s*name\s*\}\}/g, jobName).replace(/\$\{\{\s*output_name\s*\}\}/g, outputName);
  }
  const folder = `azureml://datastores/workspaceblobstore/paths/azureml/${jobName}/${outputName}/`;
  return outputType(output) === 'uri_file' ? `${folder}${outputName}` : folder;
}

export function isDataOutput(output: unknown): output is Record<string, unknown> {
  return isRecord(output) && DATA_OUTPUT_TYPES.includes(outputType(output));
}

/** The artifact folder of a run (logs, ./outputs, ./logs), as Azure ML names it. */
export const artifactPrefix = (jobName: string): string => `ExperimentRun/dcid.${jobName}`;

export function trackingUri(w: World, ws: WorkspaceSeed): string {
  return `azureml://${new URL(w.baseUrl).host}/mlflow/v1.0${workspaceArmId(w, ws)}`;
}

export function studioUrl(w: World, ws: WorkspaceSeed, jobName: string): string {
  return `${w.baseUrl}/studio/runs/${encodeURIComponent(jobName)}?wsid=${workspaceArmId(w, ws)}&tid=${w.ids.tenantId}`;
}

export function jobArmId(w: World, ws: WorkspaceSeed, name: string): string {
  return `${workspaceArmId(w, ws)}/jobs/${name}`;
}

/** The job as ARM serves it: the definition as sent plus what the service fills in. */
export function jobResource(w: World, ws: WorkspaceSeed, rec: JobRecord): Record<string, unknown> {
  const req = cloneJson(rec.request);
  const props: Record<string, unknown> = {
    ...req,
    description: req.description ?? null,
    tags: isRecord(req.tags) ? req.tags : {},
    properties: { ...(isRecord(req.properties) ? req.properties : {}), ...rec.serviceProperties },
    displayName: req.displayName ?? rec.name,
    experimentName: req.experimentName ?? 'Default',
    isArchived: req.isArchived === true,
    status: rec.status,
    services: {
      ...(isRecord(req.services) ? req.services : {}),
      Tracking: { jobServiceType: 'Tracking', endpoint: `${trackingUri(w, ws)}?` },
      Studio: { jobServiceType: 'Studio', endpoint: studioUrl(w, ws, rec.name) },
    },
  };
  if (rec.jobType === 'Sweep') canonicalSweepEnums(props);
  if (isRecord(req.outputs) || rec.jobType === 'Command') {
    const outputs: Record<string, unknown> = {};
    for (const [name, out] of Object.entries(isRecord(req.outputs) ? req.outputs : {})) {
      outputs[name] = isDataOutput(out) && rec.outputUris[name] ? { ...out, uri: rec.outputUris[name] } : out;
    }
    // Every command job has the artifact folder as its 'default' output (logs, ./outputs).
    if (rec.jobType === 'Command' && !outputs.default) {
      outputs.default = {
        jobOutputType: 'uri_folder',
        mode: 'ReadWriteMount',
        uri: `azureml://datastores/workspaceartifactstore/${artifactPrefix(rec.name)}`,
      };
    }
    props.outputs = outputs;
  }
  return {
    id: jobArmId(w, ws, rec.name),
    name: rec.name,
    type: `${PROVIDER}/workspaces/jobs`,
    systemData: systemData(w, rec.createdAt, rec.modifiedAt),
    properties: props,
  };
}

const SWEEP_ENUMS: Array<[string, string, string[]]> = [
  ['objective', 'goal', ['Minimize', 'Maximize']],
  ['samplingAlgorithm', 'samplingAlgorithmType', ['Random', 'Grid', 'Bayesian']],
  ['earlyTermination', 'policyType', ['Bandit', 'MedianStopping', 'TruncationSelection']],
];

/**
 * azure-ai-ml sends a sweep's goal and algorithm in the YAML's lower case; the service accepts them
 * case-insensitively and reports its own spelling, which is what the served job carries.
 */
function canonicalSweepEnums(props: Record<string, unknown>): void {
  for (const [parent, field, values] of SWEEP_ENUMS) {
    const holder = props[parent];
    if (!isRecord(holder) || typeof holder[field] !== 'string') continue;
    const match = values.find((v) => v.toLowerCase() === String(holder[field]).toLowerCase());
    if (match) props[parent] = { ...holder, [field]: match };
  }
}
