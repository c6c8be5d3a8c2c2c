import type { StepDeclaration } from '../declarations/types';
import { connect } from '../declarations/connect';
import { ensureCompute } from '../declarations/ensure-compute';
import { submitJob } from '../declarations/submit-job';
import { registerModel } from '../declarations/register-model';
import { promoteModel } from '../declarations/promote-model';
import { deployOnline } from '../declarations/deploy-online';
import { smokeTest } from '../declarations/smoke-test';
import { deployBatch } from '../declarations/deploy-batch';
import { profile } from '../declarations/profile';
import type { Host } from '../host';

export interface StepModule {
  declaration: StepDeclaration;
  /** Parses inputs, acts, and returns outputs keyed by their declared names. */
  run(host: Host): Promise<Record<string, string>>;
}

/**
 * A step whose code loads only when it runs: every face bundles all steps, and a step should not
 * pay at start-up for the others' libraries (storage, job translation).
 */
function lazy(declaration: StepDeclaration, load: () => Promise<StepModule>): StepModule {
  return { declaration, run: async (host) => (await load()).run(host) };
}

export const steps: Record<string, StepModule> = {
  connect: lazy(connect, async () => (await import('./connect')).connectStep),
  'ensure-compute': lazy(ensureCompute, async () => (await import('./ensure-compute')).ensureComputeStep),
  'submit-job': lazy(submitJob, async () => (await import('./submit-job')).submitJobStep),
  'register-model': lazy(registerModel, async () => (await import('./register-model')).registerModelStep),
  'promote-model': lazy(promoteModel, async () => (await import('./promote-model')).promoteModelStep),
  'deploy-online': lazy(deployOnline, async () => (await import('./deploy-online')).deployOnlineStep),
  'smoke-test': lazy(smokeTest, async () => (await import('./smoke-test')).smokeTestStep),
  'deploy-batch': lazy(deployBatch, async () => (await import('./deploy-batch')).deployBatchStep),
  profile: lazy(profile, async () => (await import('./profile')).profileStep),
};
