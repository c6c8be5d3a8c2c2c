import * as core from '@actions/core';
import { errorMessage } from '../../shared/errors';
import { runStep } from '../../shared/run-step';
import { GithubHost } from './github-host';

/**
 * The GitHub face's single error boundary: every failure of a step, whatever threw it, becomes one
 * `::error::<step> failed: <message>` line and exit code 1; never a stack trace.
 */
export async function run(stepId: string): Promise<void> {
  try {
    await runStep(stepId, new GithubHost());
  } catch (err) {
    core.setFailed(`${stepId} failed: ${errorMessage(err)}`);
  }
}

/**
 * What actions/dist/<step>.js runs: the step, then exit once the logs are flushed, so an idle
 * keep-alive socket or timer left by a library cannot hold the job until its timeout.
 */
export async function main(stepId: string): Promise<void> {
  await run(stepId);
  process.stdout.write('', () => process.stderr.write('', () => process.exit()));
}
