import * as path from 'node:path';
import { YamlFile } from '../../yaml-file';
import type { UserError } from '../../errors';

/** What an `az ml` model YAML (model.schema.json) says, with paths resolved against the file. */
export interface ModelFile {
  file: string;
  name?: string;
  version?: string;
  /** As written: local paths are resolved against the file's folder by the caller (see `baseDir`). */
  path?: string;
  type?: ModelType;
  description?: string;
  tags: Record<string, string>;
  properties: Record<string, string>;
  stage?: string;
  jobName?: string;
  baseDir: string;
  /** An error pointing at a key of the file (file:line). */
  error(key: string, message: string, hint?: string): UserError;
}

export const MODEL_TYPES = ['mlflow_model', 'custom_model', 'triton_model'] as const;
export type ModelType = (typeof MODEL_TYPES)[number];

const KNOWN = new Set([
  '$schema',
  'name',
  'version',
  'path',
  'type',
  'description',
  'tags',
  'properties',
  'stage',
  'job_name',
  'flavors',
  'utc_time_created',
  'datastore',
]);

function stringMap(yaml: YamlFile, key: string, value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw yaml.error([key], `'${key}' must be a mapping of names to values`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v !== null && typeof v === 'object') throw yaml.error([key, k], `'${key}.${k}' must be a plain value`);
    out[k] = v === null || v === undefined ? '' : String(v);
  }
  return out;
}

export function loadModelFile(file: string, cwd: string): ModelFile {
  const yaml = YamlFile.load(file, cwd);
  const data = yaml.toJS();
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    throw yaml.error([], 'must be a mapping with at least name and path (an az ml model YAML)');
  }
  const d = data as Record<string, unknown>;
  for (const key of Object.keys(d)) {
    if (!KNOWN.has(key)) {
      throw yaml.error([key], `unknown key '${key}' in a model YAML`, `Model YAML keys: ${[...KNOWN].join(', ')}.`);
    }
  }
  const text = (key: string): string | undefined => {
    const v = d[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'object') throw yaml.error([key], `'${key}' must be a single value`);
    const s = String(v).trim();
    return s === '' ? undefined : s;
  };
  const type = text('type');
  if (type !== undefined && !(MODEL_TYPES as readonly string[]).includes(type)) {
    throw yaml.error(['type'], `type must be one of ${MODEL_TYPES.join(', ')}, got '${type}'`);
  }
  const version = text('version');
  if (version !== undefined && /\{\{.*\}\}/.test(version)) {
    throw yaml.error(
      ['version'],
      `version '${version}' is a template placeholder`,
      'Set the version input, or fill in the file.',
    );
  }
  if (d.datastore !== undefined && d.datastore !== 'workspaceblobstore') {
    throw yaml.error(
      ['datastore'],
      "only the workspace's default datastore (workspaceblobstore) is supported for uploads",
    );
  }
  return {
    file,
    name: text('name'),
    version,
    path: text('path'),
    type: type as ModelType | undefined,
    description: text('description'),
    tags: stringMap(yaml, 'tags', d.tags),
    properties: stringMap(yaml, 'properties', d.properties),
    stage: text('stage'),
    jobName: text('job_name'),
    baseDir: path.dirname(file),
    error: (key, message, hint) => yaml.error([key], message, hint),
  };
}
