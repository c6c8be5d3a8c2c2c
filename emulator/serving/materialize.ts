import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveModel } from '../assets/model-reference';
import { resolveAssetReference } from '../assets/store';
import { parseBlobUrl } from '../blob-store';
import { isRecord } from '../http';
import { resolveDataUri } from '../jobs/data';
import type { WorkspaceSeed } from '../state';
import type { World } from '../world';

/**
 * What the storage initializer of a real deployment does: the code snapshot and the model come
 * down from the workspace's storage into the deployment's folder before the server starts.
 */

export class ProvisioningError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Materialized {
  codeDir: string;
  scoringScript: string;
  /** AZUREML_MODEL_DIR: the folder holding the model's folder or file; undefined without a model. */
  modelDir?: string;
}

export async function materializeDeployment(
  w: World,
  ws: WorkspaceSeed,
  props: Record<string, unknown>,
  dir: string,
  log: (line: string) => void,
): Promise<Materialized> {
  if (!w.blobs)
    throw new ProvisioningError('BadArgument', 'Serving needs storage, but the emulator runs without Azurite.');
  const config = isRecord(props.codeConfiguration) ? props.codeConfiguration : undefined;
  const codeId = typeof config?.codeId === 'string' ? config.codeId : '';
  const scoringScript = typeof config?.scoringScript === 'string' ? config.scoringScript : '';
  if (!codeId || !scoringScript) {
    throw new ProvisioningError(
      'BadArgument',
      'The deployment has no code_configuration (code and scoring_script). The local emulator serves deployments through their scoring script; no-code (MLflow) deployments need a real workspace.',
    );
  }
  const code = resolveAssetReference(w, ws, 'codes', codeId);
  if (!code)
    throw new ProvisioningError('BadArgument', `The code asset ${codeId} does not exist in workspace '${ws.name}'.`);
  const codeUri = String(code.version.properties.codeUri ?? '');
  const codeAt = parseBlobUrl(codeUri);
  if (!codeAt) {
    throw new ProvisioningError(
      'BadArgument',
      `The code asset ${codeId} points at ${codeUri}, which is not in the emulator's storage.`,
    );
  }
  const codeDir = path.join(dir, 'code');
  const { files } = await w.blobs.download(
    codeAt.container,
    codeAt.path.endsWith('/') ? codeAt.path : `${codeAt.path}/`,
    codeDir,
  );
  log(`Downloaded code ${code.container.name}:${code.version.version} (${files} files) to ${codeDir}`);
  if (!fs.existsSync(path.join(codeDir, scoringScript))) {
    throw new ProvisioningError(
      'BadArgument',
      `The scoring script '${scoringScript}' is not in the code asset ${code.container.name}:${code.version.version}.`,
    );
  }

  const modelRef = typeof props.model === 'string' ? props.model : '';
  if (!modelRef) {
    log('The deployment has no model; AZUREML_MODEL_DIR is not set.');
    return { codeDir, scoringScript };
  }
  const model = resolveModel(w, ws, modelRef);
  let storage: { container: string; path: string };
  let modelDir: string;
  try {
    storage = resolveDataUri(w, ws, model?.path ?? modelRef);
  } catch (e) {
    throw new ProvisioningError(
      'BadArgument',
      model
        ? `The model ${model.name}:${model.version} cannot be read: ${(e as Error).message}`
        : `The model ${modelRef} does not exist.`,
    );
  }
  if (model) modelDir = path.join(dir, 'azureml-models', model.name, model.version);
  else modelDir = path.join(dir, 'azureml-models', 'model');
  const base = storage.path.replace(/\/+$/, '');
  const leaf = path.posix.basename(base) || 'model';
  const result = await w.blobs.download(storage.container, storage.path, path.join(modelDir, leaf));
  if (result.files === 0) {
    throw new ProvisioningError(
      'BadArgument',
      `The model ${model ? `${model.name}:${model.version}` : modelRef} has no files at ${model?.path ?? modelRef}.`,
    );
  }
  log(`Downloaded model ${model ? `${model.name}:${model.version}` : modelRef} (${result.files} files) to ${modelDir}`);
  return { codeDir, scoringScript, modelDir };
}
