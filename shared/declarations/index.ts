import { connect } from './connect';
import { ensureCompute } from './ensure-compute';
import { submitJob } from './submit-job';
import type { StepDeclaration } from './types';

/** Every published step, in the order the README lists them. */
export const declarations: readonly StepDeclaration[] = [connect, ensureCompute, submitJob];
