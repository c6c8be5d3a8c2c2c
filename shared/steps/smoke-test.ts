import { smokeTest } from '../declarations/smoke-test';
import { UserError } from '../errors';
import type { StepModule } from '.';

export const smokeTestStep: StepModule = {
  declaration: smokeTest,
  async run() {
    throw new UserError('smoke-test is not available yet');
  },
};
