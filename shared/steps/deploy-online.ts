import * as path from 'node:path';
import { deployOnline } from '../declarations/deploy-online';
import { UserError } from '../errors';
import type { Host } from '../host';
import { Inputs } from '../inputs';
import { getWorkspace, resolveContext } from '../aml/context';
import { applyDeployment, applyEndpoint, DeploymentFailedError } from '../aml/endpoints/apply';
import type { Traffic } from '../aml/endpoints/body';
import {
  checkEndpointName,
  endpointFromInputs,
  loadOnlineDeployment,
  loadOnlineEndpoint,
  modelReference,
  parseAuthMode,
  type OnlineDeploymentSpec,
  type OnlineEndpointSpec,
} from '../aml/endpoints/load';
import { deleteDeployment, scoringCredential, trafficOf } from '../aml/endpoints/online';
import { Rollout, RolloutFailed, type RolloutRow } from '../aml/endpoints/rollout';
import { formatTraffic, parseTrafficSteps, share } from '../aml/endpoints/traffic';
import { loadSmokeCases } from '../aml/smoke/cases';
import type { SmokeCase } from '../aml/smoke/types';
import type { StepModule } from '.';

interface Plan {
  endpoint: OnlineEndpointSpec;
  deployment: OnlineDeploymentSpec;
  cases: SmokeCase[];
  steps: number[];
  stepWaitMs: number;
  maxErrorRate: number;
  mirrorPercent: number;
  mirrorMs: number;
  deleteFailed: boolean;
  deleteOld: boolean;
  requestTimeoutMs: number;
  timeoutMs: number;
}

/** Reads and checks every input and file before anything reaches Azure. */
function readPlan(inputs: Inputs, host: Host): Plan {
  const endpointFile = inputs.file('endpoint-file');
  const deploymentFile = inputs.file('deployment-file');
  const endpointName = inputs.string('endpoint-name');
  const deploymentName = inputs.string('deployment-name');
  for (const [input, name] of [
    ['endpoint-name', endpointName],
    ['deployment-name', deploymentName],
  ] as const) {
    const problem = name === undefined ? undefined : checkEndpointName(name);
    if (problem) inputs.fail(input, problem);
  }
  const deployment = deploymentFile
    ? loadOnlineDeployment(deploymentFile, host.cwd)
    : deploymentFromInputs(inputs, host, deploymentName);
  applyOverrides(inputs, host, deployment);
  if (deploymentName) deployment.name = deploymentName;

  let endpoint: OnlineEndpointSpec;
  const authText = inputs.string('auth-mode');
  if (endpointFile) {
    endpoint = loadOnlineEndpoint(endpointFile, host.cwd);
    if (endpointName) endpoint.name = endpointName;
  } else {
    const name = endpointName ?? deployment.endpointName;
    if (!name) {
      throw new UserError(
        `no endpoint named: give ${host.describeInput('endpoint-file')}, ${host.describeInput('endpoint-name')}, or endpoint_name in the deployment file`,
      );
    }
    endpoint = endpointFromInputs(name, parseAuthMode(authText ?? 'key')!, host.describeInput('endpoint-name'));
  }
  if (endpoint.fileTraffic) {
    host.warning(
      "the endpoint file's traffic is ignored: the rollout moves traffic to the new deployment step by step",
      endpoint.fileTraffic,
    );
  }
  if (endpoint.kind === 'Kubernetes' && deployment.kind !== 'Kubernetes') {
    throw new UserError(
      `endpoint '${endpoint.name}' runs on Kubernetes compute, but deployment '${deployment.name}' is managed: add 'type: kubernetes' to the deployment`,
      { where: deployment.where },
    );
  }
  if (endpoint.kind === 'Managed' && deployment.kind === 'Kubernetes' && endpointFile) {
    throw new UserError(
      `deployment '${deployment.name}' is a Kubernetes deployment, but endpoint '${endpoint.name}' names no Kubernetes compute`,
      { where: endpoint.where },
    );
  }

  const stepsText = inputs.string('traffic-steps') ?? '10,50,100';
  const steps = parseTrafficSteps(stepsText);
  if (typeof steps === 'string') inputs.fail('traffic-steps', steps);
  const casesFile = inputs.file('smoke-cases');
  const maxErrorPct = inputs.number('max-error-rate', { min: 0, max: 100, integer: false }) ?? 0;
  const mirrorPercent = inputs.number('mirror-percent', { min: 0, max: 50 }) ?? 0;
  return {
    endpoint,
    deployment,
    cases: casesFile ? loadSmokeCases(casesFile, host.cwd) : [],
    steps,
    stepWaitMs: inputs.duration('step-wait') ?? 60_000,
    maxErrorRate: maxErrorPct / 100,
    mirrorPercent,
    mirrorMs: inputs.duration('mirror-duration') ?? 60_000,
    deleteFailed: inputs.boolean('delete-failed') ?? true,
    deleteOld: inputs.boolean('delete-old') ?? false,
    requestTimeoutMs: inputs.duration('request-timeout') ?? 30_000,
    timeoutMs: inputs.duration('timeout') ?? 3_600_000,
  };
}

function deploymentFromInputs(inputs: Inputs, host: Host, name: string | undefined): OnlineDeploymentSpec {
  if (!name) {
    throw new UserError(
      `no deployment described: give ${host.describeInput('deployment-file')}, or ${host.describeInput('deployment-name')} with ${host.describeInput('model')} and ${host.describeInput('instance-type')}`,
    );
  }
  if (!inputs.string('instance-type')) {
    inputs.fail('instance-type', 'is required without a deployment file (e.g. Standard_DS3_v2)');
  }
  return { name, kind: 'Managed', tags: {}, properties: {}, where: host.describeInput('deployment-name') };
}

/** Inputs replace what the deployment file says, field by field. */
function applyOverrides(inputs: Inputs, host: Host, d: OnlineDeploymentSpec): void {
  const model = inputs.string('model');
  if (model) {
    const where = host.describeInput('model');
    d.model = /^(azureml:|\/subscriptions\/)/.test(model)
      ? modelReference(model, where, (m) => new UserError(m, { where }))
      : { kind: 'local', path: path.resolve(host.cwd, model), type: 'custom_model', where };
  }
  const codePath = inputs.string('code-path');
  const script = inputs.string('scoring-script');
  if (codePath || script) {
    const dir = codePath ?? d.code?.path;
    const scoringScript = script ?? d.code?.scoringScript;
    if (!dir) inputs.fail('code-path', `is required with ${host.describeInput('scoring-script')}`);
    if (!scoringScript) inputs.fail('scoring-script', `is required with ${host.describeInput('code-path')}`);
    const local = codePath ? !/^(azureml:|https?:|\/subscriptions\/)/.test(codePath) : (d.code?.local ?? true);
    d.code = {
      path: codePath && local ? path.resolve(host.cwd, codePath) : dir,
      local,
      scoringScript,
      where: host.describeInput(codePath ? 'code-path' : 'scoring-script'),
    };
  }
  const env = inputs.string('deployment-environment');
  if (env) {
    const where = host.describeInput('deployment-environment');
    d.environment = env.startsWith('azureml:')
      ? { kind: 'reference', ref: env, where }
      : { kind: 'inline', image: env, where: { file: where } };
  }
  const instanceType = inputs.string('instance-type');
  if (instanceType) d.instanceType = instanceType;
  const count = inputs.number('instance-count', { min: 1 });
  if (count !== undefined) d.instanceCount = count;
  if (!d.model && !d.code) {
    throw new UserError(`deployment '${d.name}' has neither a model nor a scoring script`, {
      where: d.where,
      hint: `Give ${host.describeInput('model')} (and for non-MLflow models ${host.describeInput('code-path')} with ${host.describeInput('scoring-script')}).`,
    });
  }
  if (d.code && !d.environment) {
    inputs.fail(
      'deployment-environment',
      `is required: deployment '${d.name}' has a scoring script but no environment`,
    );
  }
}

export const deployOnlineStep: StepModule = {
  declaration: deployOnline,
  async run(host) {
    const inputs = new Inputs(deployOnline, host);
    const plan = readPlan(inputs, host);
    const ctx = resolveContext(inputs, host);
    const { endpoint: epSpec, deployment: dSpec } = plan;
    const workspace = await getWorkspace<{ location?: string }>(ctx);
    const location = workspace.location ?? '';

    const ep = await applyEndpoint(ctx, host, epSpec, location, { timeoutMs: plan.timeoutMs });
    const previous = trafficOf(ep.endpoint).traffic;
    const scoringUri = ep.endpoint.properties?.scoringUri ?? '';
    const outputs: Record<string, string> = {
      endpoint: epSpec.name,
      deployment: dSpec.name,
      'scoring-uri': scoringUri,
      traffic: JSON.stringify(previous),
      'previous-traffic': JSON.stringify(previous),
      action: 'unchanged',
    };
    const hadTraffic = share(previous, dSpec.name) > 0;
    const hadMirror = share(trafficOf(ep.endpoint).mirrorTraffic, dSpec.name) > 0;

    let applied;
    try {
      applied = await applyDeployment(ctx, host, epSpec.name, dSpec, location, { timeoutMs: plan.timeoutMs });
    } catch (err) {
      if (err instanceof DeploymentFailedError) {
        await reportProvisioningFailure(host, err, dSpec.name);
        if (plan.deleteFailed && !hadTraffic && !hadMirror) {
          host.info(
            `Deleting the failed deployment '${dSpec.name}' (traffic was not touched: ${formatTraffic(previous)})`,
          );
          await deleteDeployment(ctx, host, epSpec.name, dSpec.name, {
            timeoutMs: plan.timeoutMs,
            signal: AbortSignal.timeout(plan.timeoutMs),
          });
        }
        setAll(host, { ...outputs, action: 'rolled-back' });
        await summary(host, outputs, [{ step: 'provisioning', traffic: previous, smoke: '❌ Failed' }], 'rolled-back');
      }
      throw err;
    }

    const finalShare = plan.steps[plan.steps.length - 1];
    const live = Object.keys(previous).length > 0;
    const target = live ? finalShare : 100;
    if (!applied.changed && share(previous, dSpec.name) >= target) {
      host.info(
        `Nothing to do: deployment '${dSpec.name}' is as described and has ${share(previous, dSpec.name)}% of traffic`,
      );
      await summary(host, outputs, [], 'unchanged');
      return outputs;
    }
    if (applied.changed && hadTraffic) {
      host.warning(
        `deployment '${dSpec.name}' already served ${share(previous, dSpec.name)}% of traffic: it was updated in place (Azure replaces its instances gradually). Give a new deployment name for a canary rollout.`,
      );
    }

    const credential = await scoringCredential(ctx, host, ep.endpoint);
    const rollout = new Rollout(ctx, host, ep.endpoint, {
      deployment: dSpec.name,
      cases: plan.cases,
      steps: plan.steps,
      stepWaitMs: plan.stepWaitMs,
      maxErrorRate: plan.maxErrorRate,
      mirrorPercent: plan.mirrorPercent,
      mirrorMs: plan.mirrorMs,
      deleteFailed: plan.deleteFailed,
      deleteOld: plan.deleteOld,
      deploymentIsNew: !hadTraffic && !hadMirror,
      requestTimeoutMs: plan.requestTimeoutMs,
      operationTimeoutMs: plan.timeoutMs,
      credential,
    });
    if (plan.cases.length === 0) {
      host.warning(
        `no smoke cases (${host.describeInput('smoke-cases')}): deployment '${dSpec.name}' gets traffic untested`,
      );
    }
    try {
      const result = await rollout.run();
      const action = !live ? 'created' : hadTraffic ? 'updated' : 'rolled-out';
      Object.assign(outputs, { traffic: JSON.stringify(result.traffic), action });
      host.info(`Traffic now: ${formatTraffic(result.traffic)}`);
      if (result.deleted.length) host.info(`Deleted old deployment(s): ${result.deleted.join(', ')}`);
      await summary(host, outputs, result.rows, action);
      return outputs;
    } catch (err) {
      if (err instanceof RolloutFailed) {
        setAll(host, { ...outputs, action: 'rolled-back' });
        await summary(host, outputs, err.rows, 'rolled-back');
      }
      throw err;
    }
  },
};

function setAll(host: Host, outputs: Record<string, string>): void {
  for (const [k, v] of Object.entries(outputs)) host.setOutput(k, v);
}

async function reportProvisioningFailure(host: Host, err: DeploymentFailedError, deployment: string): Promise<void> {
  await host.group(`Container log of deployment '${deployment}' (last lines)`, async () => {
    host.info(err.logs || '(the container wrote nothing)');
  });
}

async function summary(host: Host, outputs: Record<string, string>, rows: RolloutRow[], action: string): Promise<void> {
  const icon = action === 'rolled-back' ? '❌' : '✅';
  const traffic = (t: Traffic) => formatTraffic(t).replace(/\|/g, '\\|');
  const lines = [
    `### ${icon} Online endpoint \`${outputs.endpoint}\`, deployment \`${outputs.deployment}\`: ${action}`,
    '',
    `Scoring URI: \`${outputs['scoring-uri']}\``,
    '',
    `Traffic before: ${traffic(JSON.parse(outputs['previous-traffic']) as Traffic)} · now: ${traffic(JSON.parse(outputs.traffic) as Traffic)}`,
    '',
  ];
  if (rows.length) {
    lines.push('| step | traffic | smoke / health |', '|---|---|---|');
    for (const r of rows) lines.push(`| ${r.step} | ${traffic(r.traffic)} | ${r.smoke} |`);
    lines.push('');
  }
  await host.appendSummary(lines.join('\n'));
}
