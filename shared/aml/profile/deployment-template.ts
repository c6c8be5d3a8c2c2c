import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../../errors';
import type { Host, SourceLocation } from '../../host';
import type { Inputs } from '../../inputs';
import { YamlFile } from '../../yaml-file';
import type { AmlContext } from '../context';
import { anonymousEnvironment } from '../jobs/plan';
import { parseReference, versionedId } from '../jobs/refs';
import { WorkspaceAssets } from '../jobs/workspace-assets';

/**
 * What every candidate deployment shares: model, code, environment and settings, read from an
 * `az ml` online deployment YAML or from inputs. Per candidate only the instance type and count
 * change. Assets given as local paths (code, inline environment) are created once, keyed by
 * content as `az ml` does, before the first candidate.
 */
export interface DeploymentSpec {
  /** Where each part came from, for errors: a YAML file position or an input. */
  where: SourceLocation | string;
  model?: { ref: string; where: SourceLocation | string };
  code?: { localDir?: string; ref?: string; scoringScript: string; where: SourceLocation | string };
  environment?: { ref?: string; image?: string; condaFile?: string; where: SourceLocation | string };
  environmentVariables?: Record<string, string>;
  requestSettings?: Record<string, unknown>;
  livenessProbe?: Record<string, unknown>;
  readinessProbe?: Record<string, unknown>;
  kind: 'Managed' | 'Kubernetes';
}

/** Keys of the YAML the step understands; instance_type, instance_count, name and endpoint_name are replaced. */
const KNOWN = new Set([
  '$schema',
  'name',
  'endpoint_name',
  'description',
  'tags',
  'model',
  'code_configuration',
  'environment',
  'environment_variables',
  'instance_type',
  'instance_count',
  'request_settings',
  'liveness_probe',
  'readiness_probe',
  'app_insights_enabled',
  'type',
  'scale_settings',
  'egress_public_network_access',
]);

export function readDeploymentSpec(inputs: Inputs, host: Host): DeploymentSpec {
  const file = inputs.file('deployment-file');
  const fromInputs = ['model', 'code-path', 'scoring-script', 'environment'].filter((n) => inputs.string(n));
  if (file && fromInputs.length) {
    inputs.fail(
      fromInputs[0],
      `cannot be combined with ${host.describeInput('deployment-file')}`,
      'Give one or the other.',
    );
  }
  if (file) return specFromYaml(YamlFile.load(file, host.cwd), path.dirname(file));
  const model = inputs.string('model');
  const scoringScript = inputs.string('scoring-script');
  const codePath = inputs.string('code-path');
  if (!model && !scoringScript) {
    throw new UserError(
      `nothing to profile: give ${host.describeInput('deployment-file')}, or ${host.describeInput('model')} with a scoring script`,
    );
  }
  if (!!codePath !== !!scoringScript) {
    inputs.fail(
      codePath ? 'scoring-script' : 'code-path',
      `is required together with ${host.describeInput(codePath ? 'code-path' : 'scoring-script')}`,
    );
  }
  const spec: DeploymentSpec = { where: host.describeInput('model'), kind: 'Managed' };
  if (model) spec.model = { ref: model, where: host.describeInput('model') };
  if (codePath) {
    const dir = path.resolve(host.cwd, codePath);
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory())
      inputs.fail('code-path', `names no folder: ${codePath}`);
    if (!fs.existsSync(path.join(dir, scoringScript!)))
      inputs.fail('scoring-script', `names no file in ${codePath}: ${scoringScript}`);
    spec.code = { localDir: dir, scoringScript: scoringScript!, where: host.describeInput('code-path') };
  }
  const environment = inputs.string('environment');
  if (environment) spec.environment = { ref: environment, where: host.describeInput('environment') };
  return spec;
}

function specFromYaml(yaml: YamlFile, dir: string): DeploymentSpec {
  const doc = yaml.toJS();
  if (!isRecord(doc)) throw yaml.error([], 'must be a mapping: an az ml online deployment');
  for (const key of Object.keys(doc)) {
    if (!KNOWN.has(key))
      throw yaml.error([key], `'${key}' is not supported by profile`, `Supported keys: ${[...KNOWN].join(', ')}.`);
  }
  const type = doc.type === undefined ? 'managed' : String(doc.type).toLowerCase();
  if (type !== 'managed' && type !== 'kubernetes')
    throw yaml.error(['type'], `type must be managed or kubernetes, got '${String(doc.type)}'`);
  const spec: DeploymentSpec = { where: yaml.locate([]), kind: type === 'kubernetes' ? 'Kubernetes' : 'Managed' };
  if (doc.model !== undefined) {
    if (typeof doc.model !== 'string') {
      throw yaml.error(
        ['model'],
        'profile takes a registered model here (azureml:<name>:<version>)',
        'Register the model first (register-model step), then refer to it.',
      );
    }
    spec.model = { ref: doc.model, where: yaml.locate(['model']) };
  }
  const cc = doc.code_configuration;
  if (cc !== undefined) {
    if (!isRecord(cc) || typeof cc.scoring_script !== 'string' || typeof cc.code !== 'string') {
      throw yaml.error(['code_configuration'], 'code_configuration needs code (a folder) and scoring_script');
    }
    const where = yaml.locate(['code_configuration', 'code']);
    if (/^azureml:|^\/subscriptions\//.test(cc.code)) {
      spec.code = { ref: cc.code, scoringScript: cc.scoring_script, where };
    } else {
      const localDir = path.resolve(dir, cc.code);
      if (!fs.existsSync(localDir) || !fs.statSync(localDir).isDirectory())
        throw yaml.error(['code_configuration', 'code'], `code folder ${cc.code} does not exist`);
      if (!fs.existsSync(path.join(localDir, cc.scoring_script))) {
        throw yaml.error(
          ['code_configuration', 'scoring_script'],
          `scoring script ${cc.scoring_script} is not in ${cc.code}`,
        );
      }
      spec.code = { localDir, scoringScript: cc.scoring_script, where };
    }
  }
  const env = doc.environment;
  if (typeof env === 'string') spec.environment = { ref: env, where: yaml.locate(['environment']) };
  else if (isRecord(env)) {
    if (typeof env.image !== 'string')
      throw yaml.error(['environment'], 'an inline environment needs image (and optionally conda_file)');
    let condaFile: string | undefined;
    if (env.conda_file !== undefined) {
      condaFile = path.resolve(dir, String(env.conda_file));
      if (!fs.existsSync(condaFile))
        throw yaml.error(['environment', 'conda_file'], `conda file ${String(env.conda_file)} does not exist`);
    }
    spec.environment = { image: env.image, condaFile, where: yaml.locate(['environment']) };
  } else if (env !== undefined) throw yaml.error(['environment'], 'environment must be a reference or a mapping');
  if (doc.environment_variables !== undefined) {
    if (!isRecord(doc.environment_variables))
      throw yaml.error(['environment_variables'], 'environment_variables must be a mapping');
    spec.environmentVariables = Object.fromEntries(
      Object.entries(doc.environment_variables).map(([k, v]) => [k, String(v)]),
    );
  }
  const camel = (o: unknown) =>
    isRecord(o)
      ? Object.fromEntries(
          Object.entries(o).map(([k, v]) => [k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()), v]),
        )
      : undefined;
  spec.requestSettings = camel(doc.request_settings);
  spec.livenessProbe = camel(doc.liveness_probe);
  spec.readinessProbe = camel(doc.readiness_probe);
  return spec;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Durations in request settings and probes are ISO 8601 on the wire; YAML gives milliseconds or seconds. */
function requestSettingsBody(s: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!s) return undefined;
  const out: Record<string, unknown> = {};
  if (s.requestTimeoutMs !== undefined) out.requestTimeout = `PT${Number(s.requestTimeoutMs) / 1000}S`;
  if (s.maxQueueWaitMs !== undefined) out.maxQueueWait = `PT${Number(s.maxQueueWaitMs) / 1000}S`;
  if (s.maxConcurrentRequestsPerInstance !== undefined)
    out.maxConcurrentRequestsPerInstance = Number(s.maxConcurrentRequestsPerInstance);
  return out;
}

function probeBody(p: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!p) return undefined;
  const out: Record<string, unknown> = {};
  for (const key of ['initialDelay', 'period', 'timeout']) if (p[key] !== undefined) out[key] = `PT${Number(p[key])}S`;
  for (const key of ['failureThreshold', 'successThreshold']) if (p[key] !== undefined) out[key] = Number(p[key]);
  return out;
}

export interface DeploymentTemplate {
  bodyFor(instanceType: string, instanceCount: number): unknown;
}

/** Creates the shared assets once (content-keyed, so re-runs create nothing) and returns the body maker. */
export async function prepareTemplate(
  ctx: AmlContext,
  host: Host,
  spec: DeploymentSpec,
  location: string,
): Promise<DeploymentTemplate> {
  const assets = new WorkspaceAssets(ctx, host);
  const resolve = async (ref: string, kind: 'models' | 'environments' | 'codes', where: SourceLocation | string) => {
    const location = typeof where === 'string' ? { file: where } : where;
    const parsed = parseReference(ref, kind, location);
    if (parsed.form === 'id') return parsed.id;
    if (parsed.form === 'label') return assets.resolveReference({ ...parsed, key: ref, where: location });
    return versionedId(ctx.workspace, kind, parsed.name, parsed.version);
  };
  const model = spec.model ? await resolve(spec.model.ref, 'models', spec.model.where) : undefined;
  let codeId: string | undefined;
  if (spec.code?.localDir)
    codeId = await assets.uploadCode({
      key: 'code',
      localDir: spec.code.localDir,
      where: { file: spec.code.localDir },
    });
  else if (spec.code?.ref) codeId = await resolve(spec.code.ref, 'codes', spec.code.where);
  let environmentId: string | undefined;
  if (spec.environment?.ref)
    environmentId = await resolve(spec.environment.ref, 'environments', spec.environment.where);
  else if (spec.environment?.image) {
    const conda = spec.environment.condaFile ? YamlFile.load(spec.environment.condaFile, host.cwd).toJS() : undefined;
    const where =
      typeof spec.environment.where === 'string' ? { file: spec.environment.where } : spec.environment.where;
    environmentId = await assets.ensureEnvironment(
      anonymousEnvironment({ kind: 'inline', image: spec.environment.image, conda: conda as never, where }),
    );
  }
  return {
    bodyFor(instanceType, instanceCount) {
      const properties: Record<string, unknown> = {
        endpointComputeType: spec.kind,
        description: 'Temporary deployment of amlops profile; deleted when profiling ends.',
        instanceType,
        model,
        codeConfiguration: codeId ? { codeId, scoringScript: spec.code!.scoringScript } : undefined,
        environmentId,
        environmentVariables: spec.environmentVariables,
        requestSettings: requestSettingsBody(spec.requestSettings),
        livenessProbe: probeBody(spec.livenessProbe),
        readinessProbe: probeBody(spec.readinessProbe),
      };
      for (const k of Object.keys(properties)) if (properties[k] === undefined) delete properties[k];
      return { location, properties, sku: { name: 'Default', capacity: instanceCount } };
    },
  };
}
