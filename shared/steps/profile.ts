import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { profile } from '../declarations/profile';
import { CanceledError, UserError, errorMessage } from '../errors';
import type { Host } from '../host';
import { Inputs } from '../inputs';
import { getWorkspace, resolveContext, explainArmError } from '../aml/context';
import { runLoad, type LoadResult } from '../aml/load/load-generator';
import { sleep } from '../sleep';
import { probe } from '../aml/load/probe';
import { decide, label, levelResult, type CandidateResult, type LevelResult } from '../aml/profile/decide';
import { prepareTemplate, readDeploymentSpec, type DeploymentTemplate } from '../aml/profile/deployment-template';
import { DeploymentFailed, OnlineEndpoints, type TestEndpoint } from '../aml/profile/online';
import { readSettings, type Candidate, type ProfileSettings } from '../aml/profile/plan';
import { buildReport, summaryMarkdown } from '../aml/profile/report';
import type { StepModule } from '.';

/** Cleanup gets its own time: it also runs after a cancel or a failure. */
const CLEANUP_TIMEOUT_MS = 10 * 60_000;

type Measured = Omit<CandidateResult, 'verdict' | 'shortfalls' | 'reason' | 'judgedAt'>;

export const profileStep: StepModule = {
  declaration: profile,
  async run(host) {
    const inputs = new Inputs(profile, host);
    // Everything the user gave is read and checked before anything reaches Azure.
    const spec = readDeploymentSpec(inputs, host);
    const settings = readSettings(inputs, host);
    const ctx = resolveContext(inputs, host);

    const workspace = await getWorkspace<{ location?: string }>(ctx);
    const template = await prepareTemplate(ctx, host, spec, workspace.location ?? '');
    const online = new OnlineEndpoints(ctx, host);
    const runId = randomBytes(2).toString('hex');
    const temporary = new Set<string>();
    let endpointCreated = false;
    const measured: Measured[] = [];
    try {
      let endpoint: TestEndpoint;
      try {
        endpoint = await online.ensureEndpoint(settings.endpoint, settings.deploymentTimeoutMs);
      } catch (err) {
        endpointCreated = (err as { endpointCreated?: boolean }).endpointCreated ?? false;
        throw err;
      }
      endpointCreated = endpoint.created;
      for (const [index, candidate] of settings.candidates.entries()) {
        const deployment = deploymentName(index, candidate, runId);
        temporary.add(deployment);
        const result = await profileCandidate(host, online, endpoint, template, settings, candidate, deployment, index);
        measured.push(result);
        await removeDeployment(host, online, settings.endpoint, deployment);
        temporary.delete(deployment);
      }
    } finally {
      await cleanUp(host, online, settings.endpoint, temporary, endpointCreated);
    }

    const { results, recommended } = decide(measured, settings.goal, settings.prices.currency);
    const report = buildReport(settings.endpoint, settings.goal, settings.prices, results, recommended);
    for (const r of results) host.info(`${label(r)}: ${r.verdict} — ${r.reason}`);
    await host.appendSummary(summaryMarkdown(report));
    const json = JSON.stringify(report);
    if (settings.reportFile) {
      fs.mkdirSync(path.dirname(settings.reportFile), { recursive: true });
      fs.writeFileSync(settings.reportFile, `${JSON.stringify(report, null, 2)}\n`);
      host.info(`Report written to ${path.relative(host.cwd, settings.reportFile) || settings.reportFile}`);
    }
    const outputs = {
      'recommended-instance-type': recommended?.instanceType ?? '',
      'recommended-instance-count': recommended ? String(recommended.count) : '',
      results: json,
      'report-file': settings.reportFile ?? '',
    };
    if (recommended) {
      host.info(`Recommended: ${label(recommended)} (${recommended.reason})`);
    } else if (settings.failIfNoneMeetsGoal) {
      for (const [name, value] of Object.entries(outputs)) host.setOutput(name, value);
      throw new UserError('no candidate meets the goal', {
        hint: `${results.map((r) => `${label(r)}: ${r.reason}`).join('\n')}\nTry larger instance types or more instances, or relax the goal.`,
      });
    } else {
      host.warning('No candidate meets the goal; see the summary for why.');
    }
    return outputs;
  },
};

/** Azure's deployment name rule: 3-32 letters, digits and '-', starting with a letter. */
export function deploymentName(index: number, candidate: Candidate, runId: string): string {
  const size = candidate.instanceType
    .replace(/^Standard_/i, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-');
  const count = candidate.count > 1 ? `x${candidate.count}-` : '';
  return (
    `p${index + 1}-${size}`.slice(0, 32 - runId.length - count.length - 1).replace(/-+$/, '') + `-${count}${runId}`
  );
}

async function profileCandidate(
  host: Host,
  online: OnlineEndpoints,
  endpoint: TestEndpoint,
  template: DeploymentTemplate,
  settings: ProfileSettings,
  candidate: Candidate,
  deployment: string,
  index: number,
): Promise<Measured> {
  const tag = `[${index + 1}/${settings.candidates.length}] ${label(candidate)}`;
  const base: Measured = { ...candidate, deployment, levels: [] };
  host.info(`${tag}: deploying as '${deployment}' (no traffic; reached through the deployment header only)`);
  const started = Date.now();
  try {
    await online.createDeployment(
      settings.endpoint,
      deployment,
      template.bodyFor(candidate.instanceType, candidate.count),
      settings.deploymentTimeoutMs,
    );
  } catch (err) {
    if (!(err instanceof DeploymentFailed)) throw err;
    host.warning(`${tag}: deployment failed; going on with the next candidate\n${err.message}`);
    return { ...base, failure: `deployment failed: ${err.message.split('\n')[0]}` };
  }
  host.info(`${tag}: ready after ${Math.round((Date.now() - started) / 1000)}s`);

  const headers = {
    authorization: `Bearer ${endpoint.key}`,
    'azureml-model-deployment': deployment,
    'content-type': 'application/json',
  };
  const first = await probe(
    endpoint.scoringUri,
    headers,
    settings.payloads[0].body,
    settings.requestTimeoutMs,
    host.signal,
  ).catch((err: unknown) => {
    if (host.signal.aborted) throw new CanceledError();
    return { status: 0, text: errorMessage(err) };
  });
  if (first.status < 200 || first.status >= 300) {
    const answer = first.status ? `answered ${first.status}: ${first.text}` : `did not answer: ${first.text}`;
    host.warning(
      `${tag}: the first request (${settings.payloads[0].file}) ${answer}; going on with the next candidate`,
    );
    return { ...base, failure: `first request (${settings.payloads[0].file}) ${answer}`.slice(0, 300) };
  }

  const load = (connections: number, durationMs: number, onTick?: (n: number, ms: number) => void) =>
    runLoad({
      url: endpoint.scoringUri,
      headers,
      bodies: settings.payloads.map((p) => p.body),
      connections,
      durationMs,
      maxRequests: Math.max(settings.maxRequests, connections),
      requestTimeoutMs: settings.requestTimeoutMs,
      signal: host.signal,
      onTick,
    });
  // A run ends with requests in flight; the server finishes them anyway. Waiting as long as the
  // slowest answer took (the whole run when few came back) keeps that leftover work out of the
  // next level's measurements.
  const settle = (r: LoadResult, runMs: number) =>
    sleep(
      Math.min(settings.requestTimeoutMs, r.responses < r.connections ? Math.max(runMs, r.latency.max) : r.latency.max),
      host.signal,
    );
  if (settings.warmUpMs > 0) {
    host.info(`${tag}: warming up for ${Math.round(settings.warmUpMs / 1000)}s`);
    await settle(await load(settings.concurrency[0], settings.warmUpMs), settings.warmUpMs);
  }
  const levels: LevelResult[] = [];
  for (const concurrency of settings.concurrency) {
    let lastReport = Date.now();
    const result = await load(concurrency, settings.durationMs, (responses, elapsedMs) => {
      if (Date.now() - lastReport < 10_000) return;
      lastReport = Date.now();
      host.info(`${tag}: concurrency ${concurrency}, ${Math.round(elapsedMs / 1000)}s, ${responses} responses`);
    });
    await settle(result, settings.durationMs);
    const level = levelResult(concurrency, result);
    levels.push(level);
    host.info(
      `${tag}: concurrency ${concurrency}: ${level.rps} rps, p50 ${level.p50Ms} ms, p95 ${level.p95Ms} ms, p99 ${level.p99Ms} ms, ${Math.round(level.errorRate * 1000) / 10}% errors (${level.requests} requests)`,
    );
  }
  return { ...base, levels };
}

async function removeDeployment(host: Host, online: OnlineEndpoints, endpoint: string, deployment: string) {
  host.info(`Deleting deployment '${deployment}'`);
  await online.deleteDeployment(endpoint, deployment, CLEANUP_TIMEOUT_MS);
}

/** Deletes what this run created and still exists; reports but never hides the original failure. */
async function cleanUp(
  host: Host,
  online: OnlineEndpoints,
  endpoint: string,
  deployments: Set<string>,
  endpointCreated: boolean,
): Promise<void> {
  const problems: string[] = [];
  if (endpointCreated) {
    // Deleting the endpoint deletes its deployments too.
    host.info(`Deleting endpoint '${endpoint}' created for profiling`);
    await online.deleteEndpoint(endpoint, CLEANUP_TIMEOUT_MS).catch((err: unknown) => problems.push(errorMessage(err)));
  } else {
    for (const deployment of deployments) {
      await removeDeployment(host, online, endpoint, deployment).catch((err: unknown) =>
        problems.push(errorMessage(explainArmError(err, online.ctx, `deployment '${deployment}'`))),
      );
    }
  }
  for (const p of problems) host.warning(`Cleanup: ${p}; delete it by hand.`);
}
