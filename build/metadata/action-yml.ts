import { stringify } from 'yaml';
import type { StepDeclaration } from '../../shared/declarations/types';
import { declarationFile, describeInput, inputsFor } from './faces';

/** actions/<id>/action.yml: a JavaScript action whose main is the step's entry in the shared dist. */
export function renderActionYml(decl: StepDeclaration): string {
  const inputs: Record<string, Record<string, unknown>> = {};
  for (const input of inputsFor(decl, 'github')) {
    inputs[input.name] = {
      description: describeInput(input),
      required: input.required ?? false,
      ...(input.default !== undefined ? { default: input.default } : {}),
    };
  }
  const outputs: Record<string, { description: string }> = {};
  for (const output of decl.outputs) outputs[output.name] = { description: output.description };
  const doc = {
    name: decl.title,
    description: decl.description,
    author: 'amlops',
    branding: decl.branding,
    inputs,
    outputs,
    // A JavaScript action, not composite: composite sub-actions resolve `./` against the caller's workspace.
    runs: { using: 'node24', main: `../dist/${decl.id}.js` },
  };
  const header = [
    `# Generated from ${declarationFile(decl)} by \`npm run generate\`. Do not edit by hand:`,
    '# change the declaration and regenerate (`npm run generate -- --check` lists stale files).',
  ].join('\n');
  return `${header}\n${stringify(doc, { lineWidth: 0 })}`;
}
