import { deployOnline } from '../declarations/deploy-online';
import { UserError } from '../errors';
import type { StepModule } from '.';

export const deployOnlineStep: StepModule = {
  declaration: deployOnline,
  async run() {
    throw new UserError('deploy-online is not available yet');
  },
};
