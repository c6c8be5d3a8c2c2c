import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../../errors';
import type { Host } from '../../host';
import type { Inputs } from '../../inputs';
import type { AmlContext } from '../context';
import { deploymentBody, type Json } from '../endpoints/body';
import { loadOnlineDeployment, modelReference, type OnlineDeploymentSpec } from '../endpoints/load';

/**
 * What every candidate deployment shares: model, code, environment and settings, read from an
 * `az ml` online deployment YAML (as deploy-online reads it) or from inputs. Per candidate only
 * the instance type and count change.
 */
export function readDeploymentSpec(inputs: Inputs, host: Host): OnlineDeploymentSpec {
  const file = inputs.file('deployment-file');
  const fromInputs = ['model', 'code-path', 'scoring-script', 'scoring-environment'].filter((n) => inputs.string(n));
  if (file && fromInputs.length) {
    inputs.fail(
      fromInputs[0],
      `cannot be combined with ${host.describeInput('deployment-file')}`,
      'Give one or the other.',
    );
  }
  if (file) return loadOnlineDeployment(file, host.cwd);
  const model = inputs.string('model');
  const scoringScript = inputs.string('scoring-script');
  const codePath = inputs.string('code-path');
  if (!model && !scoringScript) {
    throw new UserError(
      `nothing to profile: give ${host.describeInput('deployment-file')}, or ${host.describeInput('model')} and/or ${host.describeInput('code-path')} with ${host.describeInput('scoring-script')}`,
    );
  }
  if (!!codePath !== !!scoringScript) {
    inputs.fail(
      codePath ? 'scoring-script' : 'code-path',
      `is required together with ${host.describeInput(codePath ? 'code-path' : 'scoring-script')}`,
    );
  }
  const spec: OnlineDeploymentSpec = {
    name: 'profile',
    kind: 'Managed',
    tags: {},
    properties: {},
    where: host.describeInput('model'),
  };
  if (model) {
    spec.model = modelReference(
      model,
      host.describeInput('model'),
      (message) => new UserError(`${host.describeInput('model')}: ${message}`),
    );
  }
  if (codePath) {
    const dir = path.resolve(host.cwd, codePath);
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory())
      inputs.fail('code-path', `names no folder: ${codePath}`);
    if (!fs.existsSync(path.join(dir, scoringScript!))) {
      inputs.fail('scoring-script', `names no file in ${codePath}: ${scoringScript}`);
    }
    spec.code = { path: dir, local: true, scoringScript: scoringScript!, where: host.describeInput('code-path') };
  }
  const environment = inputs.string('scoring-environment');
  if (codePath && !environment) {
    inputs.fail(
      'scoring-environment',
      `is required with a scoring script (${host.describeInput('code-path')})`,
      'E.g. azureml:my-env:1.',
    );
  }
  if (environment)
    spec.environment = { kind: 'reference', ref: environment, where: host.describeInput('scoring-environment') };
  return spec;
}

export interface DeploymentTemplate {
  bodyFor(instanceType: string, instanceCount: number): Json;
}

/** Creates the shared assets once (content-keyed, so re-runs create nothing) and returns the body maker. */
export async function prepareTemplate(
  ctx: AmlContext,
  host: Host,
  spec: OnlineDeploymentSpec,
  location: string,
): Promise<DeploymentTemplate> {
  const body = await deploymentBody(ctx, host, spec, location);
  return {
    bodyFor(instanceType, instanceCount) {
      const copy = structuredClone(body);
      (copy.properties as Json).instanceType = instanceType;
      (copy.properties as Json).description = 'Temporary deployment of amlops profile; deleted when profiling ends.';
      copy.sku = { ...(copy.sku as Json), name: 'Default', capacity: instanceCount };
      return copy;
    },
  };
}
