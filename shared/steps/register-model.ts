import { registerModel } from '../declarations/register-model';
import { UserError } from '../errors';
import type { StepModule } from '.';

export const registerModelStep: StepModule = {
  declaration: registerModel,
  async run() {
    throw new UserError('register-model is not available yet');
  },
};
