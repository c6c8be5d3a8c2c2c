import { armErrors } from '../arm-errors';
import { isRecord } from '../http';
import { cloneJson, sameJson } from '../json-utils';
import { settledCompute } from '../routes/computes';
import type { WorkspaceSeed } from '../state';
import type { World } from '../world';
import type { JobRecord } from './model';
import { isDataOutput, jobResource, outputUri } from './resource';
import { nextRunNumber } from './store';

/**
 * What Azure ML checks when a job is PUT: the job type is known, the compute exists, and a job of
 * that name keeps its definition (only description, tags, displayName, properties and isArchived
 * may change afterwards).
 */

/** AutoML and Spark are accepted and stored, but end Failed when run (see not-run-locally.ts). */
const SUPPORTED_TYPES = ['Command', 'Pipeline', 'Sweep', 'AutoML', 'Spark'];
const MUTABLE = new Set(['description', 'tags', 'displayName', 'properties', 'isArchived']);
/** Filled in by the service; a client that PUTs back what it read sends them too. */
const SERVICE_FIELDS = new Set(['status', 'services', 'parameters']);

const userError = (message: string) => armErrors.badRequest(message, 'UserError');

function requireProperties(body: unknown): Record<string, unknown> {
  if (!isRecord(body) || !isRecord(body.properties)) {
    throw userError("The job must have a 'properties' object with its definition.");
  }
  return body.properties;
}

/** The compute name a computeId names (ARM id, azureml:name or name); undefined for bindings. */
export function computeName(computeId: unknown): string | undefined {
  if (typeof computeId !== 'string' || !computeId || computeId.includes('${{')) return undefined;
  const m = /\/computes\/([^/]+)$/i.exec(computeId);
  return m ? decodeURIComponent(m[1]) : computeId.replace(/^azureml:/i, '');
}

function checkCompute(w: World, ws: WorkspaceSeed, computeId: unknown): void {
  const name = computeName(computeId);
  if (!name || name.toLowerCase() === 'serverless' || name.toLowerCase() === 'local') return;
  if (!settledCompute(w, `${ws.name}/${name.toLowerCase()}`)) {
    throw userError(
      `Compute '${name}' was not found in workspace '${ws.name}'. Create it first (amlops ensure-compute) or leave compute out to use serverless compute.`,
    );
  }
}

function checkDefinition(props: Record<string, unknown>): string {
  const jobType = props.jobType;
  if (typeof jobType !== 'string') throw userError("The job must have 'properties.jobType'.");
  if (!SUPPORTED_TYPES.includes(jobType)) {
    throw armErrors.badRequest(
      `Jobs of type '${jobType}' do not run in the local Azure ML emulator (supported: ${SUPPORTED_TYPES.join(', ')}). Submit it to a real workspace.`,
      'JobTypeNotSupportedByEmulator',
    );
  }
  if (jobType === 'Command') {
    if (typeof props.command !== 'string' || !props.command.trim()) {
      throw userError("A command job must have 'command'.");
    }
    if (typeof props.environmentId !== 'string' || !props.environmentId) {
      throw userError("A command job must have 'environmentId'.");
    }
  }
  if (jobType === 'Sweep') {
    for (const field of ['trial', 'objective', 'samplingAlgorithm', 'searchSpace']) {
      if (!isRecord(props[field])) throw userError(`A sweep job must have '${field}'.`);
    }
  }
  if (jobType === 'Pipeline' && !isRecord(props.jobs)) throw userError("A pipeline job must have 'jobs'.");
  if (jobType === 'AutoML' && !isRecord(props.taskDetails)) throw userError("An AutoML job must have 'taskDetails'.");
  if (jobType === 'Spark' && (typeof props.entry !== 'object' || !props.codeId)) {
    throw userError("A Spark job must have 'entry' and 'codeId'.");
  }
  return jobType;
}

/** Builds the record for a new job (top-level, or a step/trial when `parent` is given). */
export function newJobRecord(
  w: World,
  ws: WorkspaceSeed,
  name: string,
  properties: Record<string, unknown>,
  parent?: string,
): JobRecord {
  const request = cloneJson(properties);
  for (const field of SERVICE_FIELDS) delete request[field];
  const jobType = checkDefinition(request);
  const now = new Date().toISOString();
  const outputUris: Record<string, string> = {};
  for (const [out, def] of Object.entries(isRecord(request.outputs) ? request.outputs : {})) {
    if (isDataOutput(def)) outputUris[out] = outputUri(name, out, def);
  }
  return {
    workspace: ws.name,
    name,
    createdAt: now,
    modifiedAt: now,
    request,
    jobType,
    status: 'NotStarted',
    warnings: [],
    runNumber: nextRunNumber(w),
    parent,
    outputUris,
    serviceProperties: { '_azureml.ComputeTargetType': 'amlctrain' },
  };
}

/** A PUT of a new job: validated and recorded, not yet started. */
export function createJob(w: World, ws: WorkspaceSeed, name: string, body: unknown): JobRecord {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_-]{0,254}$/.test(name)) {
    throw userError(
      `'${name}' is not a valid job name: use letters, digits, '-' and '_' (up to 255 characters), starting with a letter or digit.`,
    );
  }
  const props = requireProperties(body);
  const rec = newJobRecord(w, ws, name, props);
  checkCompute(w, ws, rec.request.computeId);
  if (rec.jobType === 'Pipeline' && isRecord(rec.request.settings)) {
    checkCompute(w, ws, rec.request.settings.default_compute ?? rec.request.settings.defaultCompute);
  }
  return rec;
}

/**
 * A PUT of an existing job. Fields the client may change are applied (tags and properties are
 * merged, as Azure ML does); any other difference is refused with the service's message.
 */
export function updateJob(w: World, ws: WorkspaceSeed, rec: JobRecord, body: unknown): void {
  const props = requireProperties(body);
  const served = jobResource(w, ws, rec).properties as Record<string, unknown>;
  const changed: string[] = [];
  // Fields left out keep their value, as a PATCH-like PUT of only the mutable fields would.
  for (const [field, value] of Object.entries(props)) {
    if (MUTABLE.has(field) || SERVICE_FIELDS.has(field)) continue;
    const same =
      field === 'outputs'
        ? sameOutputs(value, rec.request.outputs, served.outputs)
        : sameJson(value, rec.request[field]) || sameJson(value, served[field]);
    if (!same) changed.push(field);
  }
  if (changed.length > 0) {
    const list = changed.map((f) => f.charAt(0).toUpperCase() + f.slice(1)).join(', ');
    throw userError(
      `A job with this name already exists. If you are trying to create a new job, use a different name. If you are trying to update an existing job, the existing job's ${list} cannot be changed. Only description, tags, displayName, properties, and isArchived can be updated.`,
    );
  }
  const oldProps = isRecord(rec.request.properties) ? rec.request.properties : {};
  const newProps = isRecord(props.properties) ? props.properties : {};
  for (const [key, value] of Object.entries(newProps)) {
    const service = rec.serviceProperties[key];
    if (key in oldProps && oldProps[key] !== value && service !== value) {
      throw userError(
        `The job property '${key}' already has a value and cannot be changed; only new properties can be added.`,
      );
    }
  }
  rec.request.properties = {
    ...oldProps,
    ...Object.fromEntries(Object.entries(newProps).filter(([k]) => !(k in rec.serviceProperties))),
  };
  if (isRecord(props.tags))
    rec.request.tags = { ...(isRecord(rec.request.tags) ? rec.request.tags : {}), ...props.tags };
  for (const field of ['description', 'displayName', 'isArchived']) {
    if (props[field] !== undefined) rec.request[field] = props[field];
  }
}

/** Outputs match when each is what was sent or what the service filled in (its uri, the default output). */
function sameOutputs(value: unknown, sent: unknown, served: unknown): boolean {
  const given = isRecord(value) ? value : {};
  const original = isRecord(sent) ? sent : {};
  const filled = isRecord(served) ? served : {};
  for (const [name, out] of Object.entries(given)) {
    if (name === 'default' && !(name in original)) continue;
    if (!sameJson(out, original[name]) && !sameJson(out, filled[name])) return false;
  }
  return Object.keys(original).every((name) => name in given);
}
