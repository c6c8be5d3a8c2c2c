import * as fs from 'node:fs';
import * as path from 'node:path';

/** Where a model's files come from, as parsed from inputs and the model YAML (no network). */
export type ModelSource =
  | { kind: 'job'; job: string; output?: string; subPath?: string }
  | { kind: 'local'; localPath: string; isFile: boolean }
  | { kind: 'datastore'; uri: string }
  | { kind: 'url'; uri: string };

/** Why a path cannot be a model source, or the source. */
export function parseModelPath(text: string, baseDir: string): ModelSource | string {
  const job = /^azureml:\/\/jobs\/([^/]+)\/outputs\/([^/]+)(?:\/paths)?\/?(.*)$/i.exec(text);
  if (job) {
    return { kind: 'job', job: job[1], output: job[2], subPath: job[3] ? job[3].replace(/\/+$/, '') : undefined };
  }
  if (/^azureml:\/\/(datastores|subscriptions)\//i.test(text)) {
    if (!/\/datastores\/[^/]+\/paths\/./i.test(text)) {
      return `'${text}' is not a datastore URI: use azureml://datastores/<datastore>/paths/<path>`;
    }
    return { kind: 'datastore', uri: text };
  }
  // http only reaches local storage emulators such as Azurite; Azure storage is https.
  if (/^https?:\/\//i.test(text)) return { kind: 'url', uri: text };
  if (/^runs:\//i.test(text)) {
    return `'${text}': MLflow runs:/ URIs are not supported; use azureml://jobs/<job>/outputs/<output> (or the job-name input)`;
  }
  if (/^azureml:/i.test(text)) {
    return `'${text}' is not a model location (azureml://jobs/..., azureml://datastores/..., an https URL or a local path)`;
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text))
    return `'${text}': only https URLs, azureml:// URIs and local paths are supported`;
  const localPath = path.resolve(baseDir, text);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(localPath);
  } catch {
    return `'${text}' does not exist (local paths are relative to ${baseDir})`;
  }
  return { kind: 'local', localPath, isFile: stat.isFile() };
}

/** An MLflow model folder holds an MLmodel file; az ml refuses to register one without it. */
export function checkMlflowFolder(source: ModelSource): string | undefined {
  if (source.kind !== 'local') return undefined;
  if (source.isFile) return 'an mlflow_model must be a folder with an MLmodel file, not a single file';
  if (!fs.existsSync(path.join(source.localPath, 'MLmodel'))) {
    return `${source.localPath} is not an MLflow model folder (it has no MLmodel file); register it as custom_model, or save it with mlflow`;
  }
  return undefined;
}
