import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { declarations } from '../../shared/declarations';
import { camelCase, type StepDeclaration } from '../../shared/declarations/types';

export const templatesRoot = path.resolve(__dirname, '..', '..', 'pipeline-templates');
export const githubDir = path.join(templatesRoot, 'github');
export const adoDir = path.join(templatesRoot, 'azure-pipelines');

export const readYaml = (file: string): Record<string, unknown> =>
  parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;

export const githubTemplates = ['train', 'deploy-online', 'promote', 'batch-score'];
export const adoTemplates = ['train', 'deploy-online', 'promote', 'batch-score'];

/** `OWNER/amlops/actions/<step>@<ref>` -> the step, else undefined (other actions). */
export function amlopsAction(uses: string): { step: StepDeclaration; ref: string } | undefined {
  const m = /^[^/]+\/amlops\/actions\/([a-z-]+)@(.+)$/.exec(uses);
  if (!m) return undefined;
  const step = declarations.find((d) => d.id === m[1]);
  if (!step) throw new Error(`${uses}: no amlops step '${m[1]}'`);
  return { step, ref: m[2] };
}

/** `Aml<Pascal>@1` -> the step, else undefined. */
export function amlopsTask(task: string): StepDeclaration | undefined {
  const m = /^Aml([A-Za-z]+)@(\d+)$/.exec(task);
  if (!m) return undefined;
  const step = declarations.find((d) => d.pascal === m[1]);
  if (!step) throw new Error(`${task}: no amlops task Aml${m[1]}`);
  if (Number(m[2]) !== step.version.major)
    throw new Error(`${task}: the task's major version is ${step.version.major}`);
  return step;
}

const offered = (step: StepDeclaration, face: 'github' | 'azure-devops') =>
  step.inputs.filter((i) => !i.faces || i.faces.includes(face));

/** Input names a template passes that the step does not declare on that face. */
export function unknownInputs(step: StepDeclaration, face: 'github' | 'azure-devops', names: string[]): string[] {
  const known = new Set(offered(step, face).map((i) => (face === 'github' ? i.name : camelCase(i.name))));
  return names.filter((n) => !known.has(n));
}

/** Azure Pipelines camelCase input name -> the declared kebab name. */
export function kebabOf(step: StepDeclaration, adoName: string): string {
  const input = offered(step, 'azure-devops').find((i) => camelCase(i.name) === adoName);
  if (!input) throw new Error(`Aml${step.pascal}@1 has no input '${adoName}'`);
  return input.name;
}

/** Where a `- template:` reference points: relative to the including file, or `<repo path>@amlops`. */
export function resolveTemplate(from: string, ref: string): string {
  const bare = ref.replace(/@amlops$/, '');
  return bare.startsWith('pipeline-templates/')
    ? path.join(templatesRoot, '..', bare)
    : path.resolve(path.dirname(from), bare);
}
