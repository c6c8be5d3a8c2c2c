import { UserError } from '../../errors';
import type { SourceLocation } from '../../host';
import { Fields } from '../jobs/fields';
import type { EnvironmentSource } from '../jobs/model';
import type { PyValue } from '../jobs/python-compat';
import { isPyMap, YamlSource } from '../jobs/yaml-source';

/**
 * The parts of an endpoint or deployment YAML that online and batch files write alike, read the
 * way az ml reads them.
 */

export interface CodeSpec {
  path: string;
  /** False for azureml:, ARM ids and URLs: the code is registered already. */
  local: boolean;
  scoringScript: string;
  where: SourceLocation;
}

export function yamlRoot(src: YamlSource, what: string): Fields {
  if (!isPyMap(src.data)) throw src.error([], `${what} YAML must be a mapping`);
  return Fields.of(src, [], what, src.data);
}

export function codeConfiguration(top: Fields): CodeSpec | undefined {
  const codeConf = top.sub('code_configuration', "'code_configuration'")?.allowOnly(['code', 'scoring_script']);
  if (!codeConf) return undefined;
  const path = codeConf.str('code', true)!;
  const local = !/^(azureml:|https?:|wasbs?:|\/subscriptions\/)/.test(path);
  return {
    path: local ? top.src.resolvePath(path) : path,
    local,
    scoringScript: codeConf.str('scoring_script', true)!,
    where: top.src.locate(codeConf.path('code')),
  };
}

/** The mapping form of `model:` (an anonymous model from local files); `keys` are the fields allowed. */
export function localModelFields(f: Fields, keys: readonly string[]): { fields: Fields; path: string; type: string } {
  const m = Fields.of(f.src, f.path('model'), "'model'", f.raw('model')).allowOnly(keys);
  const path = m.str('path', true)!;
  if (/^(azureml:|https?:|wasbs?:)/.test(path)) {
    throw m.error(
      'path',
      'not supported yet: an inline model from a remote path',
      'Register the model and use model: azureml:<name>:<version>.',
    );
  }
  const type = m.enumStr('type', ['custom_model', 'mlflow_model', 'triton_model'] as const) ?? 'custom_model';
  return { fields: m, path: f.src.resolvePath(path), type };
}

/** `environment:` as a reference (azureml:name:version, name@label) or written inline (image, conda_file). */
export function environmentSpec(f: Fields): EnvironmentSource | undefined {
  const raw = f.raw('environment');
  if (raw === undefined) return undefined;
  const where = f.src.locate(f.path('environment'));
  if (typeof raw === 'string') {
    if (raw.startsWith('file:')) {
      throw f.error(
        'environment',
        `not supported yet: an environment read from a file (${raw})`,
        'Write it inline (image, conda_file) or use azureml:<name>:<version>.',
      );
    }
    return { kind: 'reference', ref: raw, where };
  }
  const e = Fields.of(f.src, f.path('environment'), "'environment'", raw).allowOnly([
    '$schema',
    'name',
    'version',
    'description',
    'tags',
    'image',
    'conda_file',
    'os_type',
    'inference_config',
  ]);
  const image = e.str('image');
  if (!image) throw e.error(undefined, "an inline environment needs 'image'");
  let conda: PyValue | undefined = e.raw('conda_file');
  if (typeof conda === 'string') {
    let file: YamlSource;
    try {
      file = YamlSource.load(f.src.resolvePath(conda));
    } catch (err) {
      throw e.error(
        'conda_file',
        `cannot read conda file '${conda}'`,
        err instanceof UserError ? err.message : undefined,
      );
    }
    if (!isPyMap(file.data)) throw e.error('conda_file', `conda file '${conda}' must be a YAML mapping`);
    conda = file.data;
  } else if (conda !== undefined && !isPyMap(conda)) {
    throw e.error('conda_file', "'conda_file' must be a file or a mapping");
  }
  return {
    kind: 'inline',
    image,
    conda,
    description: e.str('description'),
    tags: e.has('tags') ? e.stringMap('tags') : undefined,
    osType: e.str('os_type'),
    inferenceConfig: e.raw('inference_config'),
    where,
  };
}
