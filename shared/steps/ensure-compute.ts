import { ensureCompute } from '../declarations/ensure-compute';
import type { StepModule } from '.';

export const ensureComputeStep: StepModule = {
  declaration: ensureCompute,
  async run() {
    throw new Error('not implemented yet');
  },
};
