import * as tl from 'azure-pipelines-task-lib/task';
import { errorMessage } from '../../shared/errors';
import { runStep } from '../../shared/run-step';
import { AdoHost } from './ado-host';

/**
 * The Azure DevOps face's single error boundary: any failure becomes one error issue and a Failed
 * task result, `<step> failed: <message>`; never a stack trace.
 */
export async function run(stepId: string): Promise<void> {
  let host: AdoHost | undefined;
  try {
    host = new AdoHost(stepId);
    await runStep(stepId, host);
  } catch (err) {
    tl.setResult(tl.TaskResult.Failed, `${stepId} failed: ${errorMessage(err)}`);
    // The agent reads the result from task.complete; the exit code is for anyone running index.js by hand.
    process.exitCode = 1;
  } finally {
    host?.finish();
  }
}

/**
 * What tasks/Aml<Step>V1/index.js runs: the step, then exit once the logs are flushed, so an idle
 * keep-alive socket or timer left by a library cannot hold the agent until the job times out.
 */
export async function main(stepId: string): Promise<void> {
  await run(stepId);
  process.stdout.write('', () => process.stderr.write('', () => process.exit()));
}
