import { connect } from '../declarations/connect';
import type { StepModule } from '.';

export const connectStep: StepModule = {
  declaration: connect,
  async run() {
    throw new Error('not implemented yet');
  },
};
