import { deployBatch } from '../declarations/deploy-batch';
import { UserError } from '../errors';
import type { StepModule } from '.';

export const deployBatchStep: StepModule = {
  declaration: deployBatch,
  async run() {
    throw new UserError('deploy-batch is not available yet');
  },
};
