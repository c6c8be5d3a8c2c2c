import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { submitJob } from '../declarations/submit-job';
import { UserError } from '../errors';
import type { Host } from '../host';
import { Inputs } from '../inputs';
import { explainArmError, resolveContext } from '../aml/context';
import { TERMINAL_STATUSES, studioUrl, type JobResource } from '../aml/jobs/job-status';
import { gitProperties, withGitProperties } from '../aml/jobs/git-properties';
import { loadJob } from '../aml/jobs/load';
import { planJob } from '../aml/jobs/plan';
import { toJsonText, translateJob } from '../aml/jobs/translate';
import { waitForJob } from '../aml/jobs/wait';
import { WorkspaceAssets } from '../aml/jobs/workspace-assets';
import type { StepModule } from '.';

export const submitJobStep: StepModule = {
  declaration: submitJob,
  async run(host) {
    const inputs = new Inputs(submitJob, host);
    // Everything the user gave is read and checked before anything reaches Azure.
    const file = inputs.file('file')!;
    const overrides = readOverrides(inputs);
    // Names are plain text: only `set` values are read as YAML, as az ml's --set does.
    const literals = {
      fields: {
        experiment_name: inputs.string('experiment-name'),
        display_name: inputs.string('display-name'),
        compute: inputs.string('compute'),
      },
      origin: (key: string) => `input '${key.replace('_', '-')}'`,
    };
    const job = loadJob(file, { overrides, literals, cwd: host.cwd });
    job.properties = withGitProperties(job.properties, gitProperties(path.dirname(file), host.env));
    const plan = planJob(job);
    const wait = inputs.boolean('wait') ?? true;
    const streamLogs = inputs.boolean('stream-logs') ?? true;
    const timeoutMs = inputs.duration('timeout') ?? 6 * 3600_000;
    const cancelOnAbort = inputs.boolean('cancel-on-abort') ?? true;
    const jobName = inputs.string('name') ?? job.name ?? generatedName();
    if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$/.test(jobName)) {
      inputs.fail(
        'name',
        `'${jobName}' is not a valid job name: letters, digits, '-' and '_' only, starting with a letter or digit`,
      );
    }
    const ctx = resolveContext(inputs, host);

    const assets = new WorkspaceAssets(ctx, host);
    const requests = await translateJob(plan, assets, {
      scope: ctx.workspace,
      jobName,
      defaultExperimentName: path.basename(host.cwd),
    });
    const jobPath = `${ctx.workspacePath}/jobs/${encodeURIComponent(jobName)}`;
    let created: JobResource;
    try {
      created = (await ctx.arm.request<JobResource>('PUT', jobPath, toJsonText(requests.job))).body;
    } catch (err) {
      throw explainArmError(err, ctx, `job '${jobName}'`);
    }
    const link = studioUrl(created, ctx.connection.cloud.studioUrl, ctx.workspacePath);
    host.info(
      `Submitted ${job.type} job '${jobName}'${assets.bytesUploaded ? ` (${formatBytes(assets.bytesUploaded)} uploaded)` : ''}`,
    );
    host.info(`Studio: ${link}`);
    host.setOutput('job-name', jobName);
    host.setOutput('studio-url', link);

    if (!wait) {
      const status = created.properties?.status ?? 'NotStarted';
      await summary(host, jobName, status, link, undefined, {}, {});
      return {
        'job-name': jobName,
        status,
        'studio-url': link,
        'duration-seconds': '',
        metrics: '{}',
        outputs: '{}',
        'best-trial': '',
      };
    }
    const result = await waitForJob(ctx, host, jobName, { timeoutMs, streamLogs, cancelOnAbort });
    const outputs = Object.fromEntries(
      Object.entries(result.job.properties?.outputs ?? {}).map(([name, o]) => [name, o.uri ?? '']),
    );
    if (result.bestTrial) host.info(`Best trial: ${result.bestTrial}`);
    await summary(host, jobName, result.status, link, result.durationSeconds, result.metrics, outputs);
    if (result.status !== 'Completed') {
      const reason = result.error ?? result.job.properties?.error?.message ?? 'no reason given by Azure ML';
      throw new UserError(`job '${jobName}' ${result.status.toLowerCase()}: ${reason}`, { hint: `Details: ${link}` });
    }
    return {
      'job-name': jobName,
      status: result.status,
      'studio-url': link,
      'duration-seconds': result.durationSeconds === undefined ? '' : String(result.durationSeconds),
      metrics: JSON.stringify(result.metrics),
      outputs: JSON.stringify(outputs),
      'best-trial': result.bestTrial ?? '',
    };
  },
};

function readOverrides(inputs: Inputs): string[] {
  const lines = (inputs.string('set') ?? '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  for (const line of lines) {
    if (!/^[^=\s]+=/.test(line)) inputs.fail('set', `needs one path=value per line, got '${line}'`);
  }
  return lines;
}

/** Like az ml's generated names: readable and unique enough. */
function generatedName(): string {
  const words = ['amber', 'brave', 'calm', 'eager', 'gentle', 'happy', 'keen', 'lively', 'quiet', 'witty'];
  const things = ['river', 'cloud', 'forest', 'harbor', 'meadow', 'pepper', 'rocket', 'tiger', 'violin', 'yacht'];
  const b = randomBytes(7);
  return `${words[b[0] % words.length]}_${things[b[1] % things.length]}_${b.subarray(2).toString('hex').slice(0, 10)}`;
}

const formatBytes = (n: number) => (n > 1048576 ? `${(n / 1048576).toFixed(1)} MB` : `${(n / 1024).toFixed(1)} KB`);

async function summary(
  host: Host,
  jobName: string,
  status: string,
  link: string,
  durationSeconds: number | undefined,
  metrics: Record<string, number>,
  outputs: Record<string, string>,
): Promise<void> {
  const icon = status === 'Completed' ? '✅' : TERMINAL_STATUSES.has(status) ? '❌' : '⏳';
  const lines = [
    `### ${icon} Azure ML job \`${jobName}\`: ${status}`,
    '',
    `[Open in Azure ML studio](${link})${durationSeconds !== undefined ? ` · ran ${durationSeconds}s` : ''}`,
    '',
  ];
  if (Object.keys(metrics).length) {
    lines.push('| metric | value |', '|---|---|', ...Object.entries(metrics).map(([k, v]) => `| ${k} | ${v} |`), '');
  }
  if (Object.keys(outputs).length) {
    lines.push(
      '| output | location |',
      '|---|---|',
      ...Object.entries(outputs).map(([k, v]) => `| ${k} | \`${v}\` |`),
      '',
    );
  }
  await host.appendSummary(lines.join('\n'));
}
