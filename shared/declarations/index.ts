import { connect } from './connect';
import { ensureCompute } from './ensure-compute';
import { submitJob } from './submit-job';
import { registerModel } from './register-model';
import { promoteModel } from './promote-model';
import { deployOnline } from './deploy-online';
import { smokeTest } from './smoke-test';
import { deployBatch } from './deploy-batch';
import { profile } from './profile';
import type { StepDeclaration } from './types';

/** Every published step, in the order the README lists them. */
export const declarations: readonly StepDeclaration[] = [
  connect,
  ensureCompute,
  submitJob,
  registerModel,
  promoteModel,
  deployOnline,
  smokeTest,
  deployBatch,
  profile,
];
