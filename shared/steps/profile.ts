import { profile } from '../declarations/profile';
import { UserError } from '../errors';
import type { StepModule } from '.';

export const profileStep: StepModule = {
  declaration: profile,
  async run() {
    throw new UserError('profile is not available yet');
  },
};
