import { camelCase, type InputDeclaration, type StepDeclaration } from '../../shared/declarations/types';
import { describeInput, onFace } from './faces';

export const START = '<!-- amlops:steps:start -->';
export const END = '<!-- amlops:steps:end -->';

const cell = (text: string): string => text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
const code = (text: string): string => `\`${text}\``;
const or = (present: boolean, text: string): string => (present ? text : '—');

/** A value that reads as an example in snippets. */
function example(input: InputDeclaration): string {
  if (input.name === 'environment') return 'dev';
  if (input.name === 'azure-subscription') return 'my-azure-connection';
  if (input.type === 'file') return `${input.name}.yml`;
  if (input.type === 'choice' && input.options?.length) return input.options[0];
  return `<${input.name}>`;
}

/** Required inputs plus the environment (most steps get everything else from it or from connect). */
function snippetInputs(decl: StepDeclaration, face: 'github' | 'azure-devops' | 'cli'): InputDeclaration[] {
  return decl.inputs.filter((i) => onFace(i, face) && (i.required || i.name === 'environment'));
}

function usage(decl: StepDeclaration): string {
  const gh = snippetInputs(decl, 'github');
  const ado = snippetInputs(decl, 'azure-devops');
  const cli = snippetInputs(decl, 'cli');
  const lines = [
    'GitHub Actions:',
    '',
    '```yaml',
    `- uses: OWNER/amlops/actions/${decl.id}@v1`,
    `  id: ${decl.id.replace(/-/g, '_')}`,
  ];
  if (gh.length) lines.push('  with:', ...gh.map((i) => `    ${i.name}: ${example(i)}`));
  lines.push(
    '```',
    '',
    'Azure Pipelines:',
    '',
    '```yaml',
    `- task: Aml${decl.pascal}@${decl.version.major}`,
    `  name: ${camelCase(decl.id)}`,
  );
  if (ado.length) lines.push('  inputs:', ...ado.map((i) => `    ${camelCase(i.name)}: ${example(i)}`));
  lines.push(
    '```',
    '',
    'Command line:',
    '',
    '```sh',
    [`npx amlops ${decl.id}`, ...cli.map((i) => `--${i.name} ${example(i)}`)].join(' '),
    '```',
  );
  return lines.join('\n');
}

function inputsTable(decl: StepDeclaration): string {
  const rows = decl.inputs.map((i) =>
    [
      or(onFace(i, 'github'), code(i.name)),
      or(onFace(i, 'azure-devops'), code(camelCase(i.name))),
      or(onFace(i, 'cli'), code(`--${i.name}`)),
      i.type === 'choice' ? `choice: ${(i.options ?? []).join(', ')}` : i.type,
      i.required ? 'yes' : 'no',
      i.default !== undefined ? code(i.default) : '',
      cell(describeInput(i)),
    ].join(' | '),
  );
  return [
    '| GitHub | Azure Pipelines | CLI | Type | Required | Default | Description |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r} |`),
  ].join('\n');
}

function outputsTable(decl: StepDeclaration): string {
  return [
    '| Output (GitHub, CLI JSON) | Azure Pipelines variable | Description |',
    '|---|---|---|',
    ...decl.outputs.map((o) => `| ${code(o.name)} | ${code(camelCase(o.name))} | ${cell(o.description)} |`),
  ].join('\n');
}

/** The generated part of README.md: one section per step. */
export function renderStepsBlock(decls: readonly StepDeclaration[]): string {
  const parts = [
    START,
    '<!-- Generated from shared/declarations by `npm run generate`; edit the declarations, not this block. -->',
    '',
    ...decls.map((d) => `- [${d.id}](#${d.id}): ${cell(d.description)}`),
  ];
  for (const d of decls) {
    parts.push(
      '',
      `### ${d.id}`,
      '',
      d.description,
      '',
      usage(d),
      '',
      '#### Inputs',
      '',
      inputsTable(d),
      '',
      '#### Outputs',
      '',
      outputsTable(d),
    );
  }
  parts.push('', END);
  return parts.join('\n');
}

/** Replaces the block between the markers, keeping everything the authors wrote around it. */
export function spliceReadme(existing: string | undefined, block: string): string {
  if (existing === undefined) return `# amlops\n\n${block}\n`;
  const start = existing.indexOf(START);
  const end = existing.indexOf(END);
  if (start < 0 || end < start) return `${existing.trimEnd()}\n\n## Steps\n\n${block}\n`;
  return existing.slice(0, start) + block + existing.slice(end + END.length);
}
