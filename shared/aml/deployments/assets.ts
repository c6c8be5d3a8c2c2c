import * as fs from 'node:fs';
import { UserError } from '../../errors';
import type { SourceLocation } from '../../host';
import { explainArmError, type AmlContext } from '../context';
import type { EnvironmentSource } from '../jobs/model';
import { anonymousEnvironment } from '../jobs/plan';
import { md5Uuid } from '../jobs/python-compat';
import { parseReference, versionedId, type AssetKind } from '../jobs/refs';
import type { WorkspaceAssets } from '../jobs/workspace-assets';

/**
 * What a deployment names (code, model, environment) turned into asset ids: references resolved,
 * local files and inline environments made content-keyed assets, so a re-run finds them.
 */

type Where = SourceLocation | string;
export type ResolveReference = (value: string, kind: AssetKind, where: Where) => Promise<string>;

const location = (where: Where): SourceLocation => (typeof where === 'string' ? { file: where } : where);

/** azureml:name:version, azureml:name@label or an ARM id → the asset's ARM id in this workspace. */
export function referenceResolver(ctx: AmlContext, assets: WorkspaceAssets): ResolveReference {
  return async (value, kind, where) => {
    const loc = location(where);
    const parsed = parseReference(value, kind, loc);
    if (parsed.form === 'id') return parsed.id;
    if (parsed.form === 'version') return versionedId(ctx.workspace, kind, parsed.name, parsed.version);
    return assets.resolveReference({ key: value, kind, name: parsed.name, label: parsed.label, where: loc });
  };
}

export async function environmentId(
  assets: WorkspaceAssets,
  env: EnvironmentSource | { kind: 'reference'; ref: string; where: Where },
  ref: ResolveReference,
): Promise<string> {
  if (env.kind === 'reference') return ref(env.ref, 'environments', env.where);
  return assets.ensureEnvironment(anonymousEnvironment(env));
}

/** Uploads a local model folder or file to the workspace blob store; returns its azureml:// URI. */
export async function uploadModelFiles(
  assets: WorkspaceAssets,
  model: { path: string; where: Where },
): Promise<string> {
  let isFolder: boolean;
  try {
    isFolder = fs.statSync(model.path).isDirectory();
  } catch {
    throw new UserError(`model path ${model.path} does not exist`, { where: model.where });
  }
  return assets.uploadInput({
    key: 'model',
    localPath: model.path,
    type: isFolder ? 'uri_folder' : 'uri_file',
    datastore: 'workspaceblobstore',
    where: location(model.where),
  });
}

/** An anonymous model version named by its files' URI, created unless it exists. */
export async function anonymousModelId(ctx: AmlContext, uri: string, type: string): Promise<string> {
  const id = versionedId(ctx.workspace, 'models', md5Uuid(uri), '1');
  const found = await ctx.arm.getOrUndefined(id).catch((err: unknown) => {
    throw explainArmError(err, ctx, 'model');
  });
  if (!found) {
    try {
      await ctx.arm.request('PUT', id, { properties: { modelUri: uri, modelType: type, isAnonymous: true } });
    } catch (err) {
      throw explainArmError(err, ctx, 'anonymous model');
    }
  }
  return id;
}
