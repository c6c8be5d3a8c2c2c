import { deployBatch } from '../declarations/deploy-batch';
import { UserError } from '../errors';
import type { Host } from '../host';
import { Inputs } from '../inputs';
import { resolveContext } from '../aml/context';
import { applyBatchDeployment } from '../aml/batch/apply';
import { invokeBatchEndpoint } from '../aml/batch/invoke';
import { loadBatchDeployment, loadBatchEndpoint } from '../aml/batch/load';
import type { StepModule } from '.';

/** Lines of the test output shown in the log and the summary. */
const PREVIEW_LINES = 5;

export const deployBatchStep: StepModule = {
  declaration: deployBatch,
  async run(host) {
    const inputs = new Inputs(deployBatch, host);
    // Everything the user gave is read and checked before anything reaches Azure.
    const endpointName = inputs.string('endpoint-name');
    if (endpointName !== undefined && !/^[a-zA-Z][a-zA-Z0-9-]{1,30}[a-zA-Z0-9]$/.test(endpointName)) {
      inputs.fail(
        'endpoint-name',
        `'${endpointName}' is not a valid endpoint name: 3 to 32 letters, digits and '-', starting with a letter`,
      );
    }
    const endpoint = loadBatchEndpoint(inputs.file('endpoint-file')!, host.cwd, endpointName);
    const deployment = loadBatchDeployment(inputs.file('deployment-file')!, host.cwd);
    const setDefault = inputs.boolean('default') ?? true;
    const testInput = inputs.string('test-input');
    const timeoutMs = inputs.duration('timeout') ?? 3600_000;
    const ctx = resolveContext(inputs, host);

    const applied = await applyBatchDeployment(ctx, host, endpoint, deployment, { setDefault, timeoutMs });
    host.info(
      applied.changed.length
        ? `Changed: ${applied.changed.join(', ')}`
        : 'Nothing to change: the endpoint and deployment are as described',
    );
    host.info(`Scoring URI: ${applied.scoringUri}`);
    const outputs: Record<string, string> = {
      endpoint: applied.endpoint,
      deployment: applied.deployment,
      'scoring-uri': applied.scoringUri,
      'test-job-name': '',
      'test-output': '',
    };
    for (const [k, v] of Object.entries(outputs)) if (v) host.setOutput(k, v);

    let test: Awaited<ReturnType<typeof invokeBatchEndpoint>> | undefined;
    if (testInput) {
      test = await host.group(`Test invocation of '${applied.deployment}'`, () =>
        invokeBatchEndpoint(ctx, host, {
          endpoint: applied.endpoint,
          deployment: applied.deployment,
          input: testInput,
          timeoutMs,
          streamLogs: true,
        }),
      );
      outputs['test-job-name'] = test.jobName;
      outputs['test-output'] = test.outputUri ?? '';
      host.setOutput('test-job-name', test.jobName);
      if (test.outputUri) host.setOutput('test-output', test.outputUri);
      if (test.outputUri) host.info(`Test output: ${test.outputUri}`);
      const preview = previewLines(test.outputText);
      if (preview.length) host.info(preview.join('\n'));
    }
    await summary(host, applied, test);
    if (test && test.status !== 'Completed') {
      throw new UserError(
        `the test job '${test.jobName}' of deployment '${applied.deployment}' ${test.status.toLowerCase()}: ${test.error}`,
        {
          hint: `The endpoint and deployment were created; see the job's logs (az ml job stream -n ${test.jobName}).`,
        },
      );
    }
    return outputs;
  },
};

const previewLines = (text: string | undefined): string[] =>
  (text ?? '').split(/\r?\n/).filter(Boolean).slice(0, PREVIEW_LINES);

async function summary(
  host: Host,
  applied: { endpoint: string; deployment: string; scoringUri: string; changed: string[] },
  test: { jobName: string; status: string; outputUri?: string; outputText?: string } | undefined,
): Promise<void> {
  const icon = !test || test.status === 'Completed' ? '✅' : '❌';
  const lines = [
    `### ${icon} Azure ML batch endpoint \`${applied.endpoint}\`, deployment \`${applied.deployment}\``,
    '',
    `Scoring URI: \`${applied.scoringUri}\``,
    '',
    applied.changed.length ? `Changed: ${applied.changed.join(', ')}` : 'Nothing changed (already as described).',
    '',
  ];
  if (test) {
    lines.push(
      `Test job \`${test.jobName}\`: ${test.status}${test.outputUri ? ` · output \`${test.outputUri}\`` : ''}`,
      '',
    );
    const preview = previewLines(test.outputText);
    if (preview.length) lines.push('```', ...preview, '```', '');
  }
  await host.appendSummary(lines.join('\n'));
}
