import type { StepDeclaration } from '../declarations/types';
import type { Host } from '../host';
import { connectStep } from './connect';
import { ensureComputeStep } from './ensure-compute';

export interface StepModule {
  declaration: StepDeclaration;
  /** Parses inputs, acts, and returns outputs keyed by their declared names. */
  run(host: Host): Promise<Record<string, string>>;
}

export const steps: Record<string, StepModule> = {
  connect: connectStep,
  'ensure-compute': ensureComputeStep,
};
