import type { Host } from './host';
import { steps } from './steps';

/**
 * Runs one step on any face: the step parses and validates its inputs before it touches Azure,
 * acts, and reports outputs through the host. Errors propagate to the face's single boundary.
 */
export async function runStep(id: string, host: Host): Promise<Record<string, string>> {
  const step = steps[id];
  if (!step) throw new Error(`unknown step '${id}'`);
  const outputs = await step.run(host);
  for (const [name, value] of Object.entries(outputs)) host.setOutput(name, value);
  return outputs;
}
