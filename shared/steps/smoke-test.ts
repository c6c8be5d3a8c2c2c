import * as path from 'node:path';
import { smokeTest } from '../declarations/smoke-test';
import { UserError } from '../errors';
import type { Host } from '../host';
import { Inputs } from '../inputs';
import { resolveContext } from '../aml/context';
import { getEndpoint, scoringCredential } from '../aml/endpoints/online';
import { checkRegex, loadSmokeCases, readBodyFile } from '../aml/smoke/cases';
import { runBatchSmokeCases } from '../aml/smoke/batch';
import { runOnlineSmokeCases } from '../aml/smoke/online';
import { failureReasons, resultLines, smokeTable } from '../aml/smoke/report';
import type { SmokeCase, SmokeCaseResult, SmokeExpectation } from '../aml/smoke/types';
import type { StepModule } from '.';

/** The single case the request-file / batch-input and expect-* inputs describe. */
function singleCase(inputs: Inputs, host: Host, type: 'online' | 'batch'): SmokeCase | undefined {
  const requestFile = inputs.file('request-file');
  const batchInput = inputs.string('batch-input');
  if (type === 'online' && batchInput) inputs.fail('batch-input', 'applies to batch endpoints only');
  if (type === 'batch' && requestFile) inputs.fail('request-file', 'applies to online endpoints only; use batch-input');
  const given = type === 'online' ? requestFile : batchInput;
  if (!given) return undefined;
  const expect: SmokeExpectation = { status: inputs.number('expect-status', { min: 100, max: 599 }) ?? 200 };
  const json = inputs.string('expect-json');
  if (json !== undefined) {
    try {
      expect.json = JSON.parse(json);
    } catch (err) {
      inputs.fail('expect-json', `is not valid JSON: ${(err as Error).message}`);
    }
  }
  const regex = inputs.string('expect-regex');
  if (regex !== undefined) {
    checkRegex(regex, (m) => new UserError(`${host.describeInput('expect-regex')}: ${m}`));
    expect.regex = regex;
  }
  const latency = inputs.duration('max-latency');
  if (latency !== undefined) expect.maxLatencyMs = latency;
  const source = host.describeInput(type === 'online' ? 'request-file' : 'batch-input');
  return type === 'online'
    ? { name: path.basename(given), source, body: readBodyFile(given, source), headers: {}, expect }
    : {
        name: path.basename(given),
        source,
        input: /^(azureml:|https?:|wasbs?:|abfss?:)/i.test(given) ? given : path.resolve(host.cwd, given),
        headers: {},
        expect,
      };
}

export const smokeTestStep: StepModule = {
  declaration: smokeTest,
  async run(host) {
    const inputs = new Inputs(smokeTest, host);
    const endpointName = inputs.required('endpoint');
    const type = inputs.choice<'online' | 'batch'>('endpoint-type') ?? 'online';
    const deployment = inputs.string('deployment');
    const casesFile = inputs.file('cases');
    const single = singleCase(inputs, host, type);
    if (casesFile && single) {
      inputs.fail(
        type === 'online' ? 'request-file' : 'batch-input',
        `cannot be combined with ${host.describeInput('cases')}`,
      );
    }
    if (!casesFile && !single) {
      throw new UserError(
        `nothing to test: give ${host.describeInput('cases')} or ${host.describeInput(type === 'online' ? 'request-file' : 'batch-input')}`,
      );
    }
    const cases = casesFile ? loadSmokeCases(casesFile, host.cwd) : [single!];
    if (type === 'online') {
      const noBody = cases.find((c) => c.body === undefined);
      if (noBody)
        throw new UserError(`smoke case '${noBody.name}' has no 'request' or 'body'`, { where: noBody.source });
    } else {
      const noInput = cases.find((c) => c.input === undefined);
      if (noInput)
        throw new UserError(`smoke case '${noInput.name}' has no 'input' for the batch endpoint`, {
          where: noInput.source,
        });
    }
    const timeoutMs = inputs.duration('timeout') ?? (type === 'online' ? 30_000 : 1_800_000);
    const ctx = resolveContext(inputs, host);

    let results: SmokeCaseResult[];
    if (type === 'online') {
      const endpoint = await getEndpoint(ctx, endpointName);
      if (!endpoint) {
        throw new UserError(
          `online endpoint '${endpointName}' does not exist in workspace '${ctx.workspace.workspace}'`,
        );
      }
      const scoringUri = endpoint.properties?.scoringUri;
      if (!scoringUri) throw new UserError(`online endpoint '${endpointName}' has no scoring URI yet`);
      const credential = await scoringCredential(ctx, host, endpoint);
      host.info(
        `Sending ${cases.length} case(s) to ${deployment ? `deployment '${deployment}' of ` : ''}endpoint '${endpointName}'`,
      );
      results = await runOnlineSmokeCases({ scoringUri, credential, deployment }, cases, {
        timeoutMs,
        signal: host.signal,
      });
    } else {
      host.info(`Invoking batch endpoint '${endpointName}' once per case (${cases.length})`);
      results = await runBatchSmokeCases(ctx, host, { endpoint: endpointName, deployment }, cases, { timeoutMs });
    }
    for (const line of resultLines(results)) host.info(line);
    const passed = results.filter((r) => r.passed).length;
    const failed = results.length - passed;
    const title = `### ${failed ? '❌' : '✅'} Smoke test of ${type} endpoint \`${endpointName}\`${deployment ? `, deployment \`${deployment}\`` : ''}: ${passed}/${results.length} passed`;
    await host.appendSummary(`${title}\n\n${smokeTable(results)}\n`);
    const outputs = { passed: String(passed), failed: String(failed), results: JSON.stringify(results) };
    if (failed) {
      for (const [k, v] of Object.entries(outputs)) host.setOutput(k, v);
      throw new UserError(
        `${failed} of ${results.length} smoke case(s) failed:\n${failureReasons(results).join('\n')}`,
      );
    }
    return outputs;
  },
};
