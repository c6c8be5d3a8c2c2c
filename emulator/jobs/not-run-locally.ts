import { LIFECYCLER_LOG } from './logs';
import type { JobContext, Outcome } from './runner';

/**
 * Job types Azure ML runs on services the emulator does not have: AutoML trains many models with
 * Microsoft's AutoML runtime, Spark needs a Spark pool. Their definitions are accepted and kept as
 * sent (so clients can submit, read and list them, and a pipeline holding such a step is
 * translated and stored whole), but running one ends Failed with a message that says why, rather
 * than pretending to have trained or transformed anything.
 */
export const NOT_RUN_LOCALLY: Record<string, string> = {
  AutoML:
    "automl jobs do not run in the local emulator: AutoML needs Azure ML's AutoML service. Submit it to a real workspace.",
  Spark:
    'spark jobs do not run in the local emulator: they need a Spark pool (serverless or attached Synapse). Submit it to a real workspace.',
};

export async function runNotLocally(job: JobContext): Promise<Outcome> {
  const message = NOT_RUN_LOCALLY[job.rec.jobType] ?? `${job.rec.jobType} jobs do not run in the local emulator.`;
  job.setStatus('Queued');
  await job.pause();
  job.logs.line(LIFECYCLER_LOG, message);
  return { status: 'Failed', error: { code: 'JobTypeNotSupportedByEmulator', message } };
}
