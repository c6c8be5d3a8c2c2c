import { isRecord } from '../http';
import { findJob } from '../jobs/store';
import type { WorkspaceSeed } from '../state';
import type { World } from '../world';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (isRecord(v) ? v : {});

/** The job a component made from a pipeline job (`sourceJobId`, a job name or ARM id) names. */
export function sourceJobName(spec: Json): string | undefined {
  const id = spec.sourceJobId;
  if (typeof id !== 'string' || !id) return undefined;
  return id.replace(/^azureml:/, '').replace(/^.*\/jobs\//, '');
}

/**
 * The steps and interface a pipeline component deployment runs. A component made from a pipeline
 * job (azure-ai-ml sends only `sourceJobId`) takes them from that job, as Azure ML builds the
 * component from the job: its steps, its data inputs as inputs, its literal inputs as inputs with
 * the job's values as defaults, and its outputs.
 */
export function pipelineSpecOf(w: World, ws: WorkspaceSeed, spec: Json): Json | undefined {
  const jobName = sourceJobName(spec);
  if (!jobName) return spec;
  const job = findJob(w, ws.name, jobName);
  if (!job || job.jobType.toLowerCase() !== 'pipeline') return undefined;
  const inputs: Json = {};
  for (const [name, raw] of Object.entries(obj(job.request.inputs))) {
    const input = obj(raw);
    const type = String(input.jobInputType ?? 'uri_folder');
    inputs[name] =
      type === 'literal' ? { type: 'string', default: String(input.value ?? '') } : { type, optional: false };
  }
  const outputs: Json = {};
  for (const [name, raw] of Object.entries(obj(job.request.outputs))) {
    outputs[name] = { type: String(obj(raw).jobOutputType ?? 'uri_folder') };
  }
  return { ...spec, inputs, outputs, jobs: obj(job.request.jobs) };
}
