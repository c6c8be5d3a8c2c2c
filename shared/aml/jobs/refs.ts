import { UserError } from '../../errors';
import type { SourceLocation } from '../../host';

export interface WorkspaceScope {
  subscriptionId: string;
  resourceGroup: string;
  workspace: string;
}

export type AssetKind = 'environments' | 'components' | 'data' | 'models' | 'codes';

/** A reference as az ml reads it: passed through, versioned (ARM id built locally) or labelled (looked up). */
export type ParsedReference =
  | { form: 'id'; id: string }
  | { form: 'version'; kind: AssetKind; name: string; version: string }
  | { form: 'label'; kind: AssetKind; name: string; label: string }
  /** A component's `@default`: sent as a labelled id the service resolves (azure-ai-ml does the same). */
  | { form: 'labelled'; kind: AssetKind; name: string; label: string };

export const workspaceId = (s: WorkspaceScope): string =>
  `/subscriptions/${s.subscriptionId}/resourceGroups/${s.resourceGroup}` +
  `/providers/Microsoft.MachineLearningServices/workspaces/${s.workspace}`;

/** NAMED_RESOURCE_ID_FORMAT of azure-ai-ml: computes and datastores by name. */
export const namedId = (s: WorkspaceScope, type: 'computes' | 'datastores', name: string): string =>
  name.startsWith('/subscriptions/') ? name : `${workspaceId(s)}/${type}/${name}`;

export const versionedId = (s: WorkspaceScope, kind: AssetKind, name: string, version: string): string =>
  `${workspaceId(s)}/${kind}/${name}/versions/${version}`;

/**
 * Reads `azureml:name:version`, `azureml:name@label`, ARM ids and registry ids the way azure-ai-ml's
 * get_asset_arm_id does. Curated environments (AzureML-...) stay `azureml:AzureML-...`: the service
 * expands them.
 */
export function parseReference(value: string, kind: AssetKind, where: SourceLocation): ParsedReference {
  if (value.startsWith('azureml://')) return { form: 'id', id: value };
  const bare = value.replace(/^azureml:/, '');
  if (bare.startsWith('/subscriptions/')) return { form: 'id', id: bare };
  if (kind === 'environments' && bare.startsWith('AzureML-')) return { form: 'id', id: `azureml:${bare}` };
  const at = bare.lastIndexOf('@');
  if (at > 0) {
    const label = bare.slice(at + 1);
    const name = bare.slice(0, at);
    if (label === 'default' && kind === 'components') return { form: 'labelled', kind, name, label };
    if (label !== 'latest') {
      throw new UserError(`'${value}': label '${label}' is not one Azure ML resolves for ${kind}`, {
        where,
        hint:
          `Use azureml:${name}@latest (the newest version)` +
          (kind === 'components' ? `, azureml:${name}@default (the component's default version)` : '') +
          ` or azureml:${name}:<version>.`,
      });
    }
    return { form: 'label', kind, name, label };
  }
  const colon = bare.lastIndexOf(':');
  if (colon > 0) return { form: 'version', kind, name: bare.slice(0, colon), version: bare.slice(colon + 1) };
  throw new UserError(`'${value}' needs a version or a label: azureml:${bare}:<version> or azureml:${bare}@latest`, {
    where,
  });
}

export const labelledId = (s: WorkspaceScope, kind: AssetKind, name: string, label: string): string =>
  `${workspaceId(s)}/${kind}/${name}/labels/${label}`;
