import { promoteModel } from '../declarations/promote-model';
import { UserError } from '../errors';
import type { StepModule } from '.';

export const promoteModelStep: StepModule = {
  declaration: promoteModel,
  async run() {
    throw new UserError('promote-model is not available yet');
  },
};
