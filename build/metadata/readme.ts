import { camelCase, type Face, type InputDeclaration, type StepDeclaration } from '../../shared/declarations/types';
import { checkExamples, snippetExamples, type ExampleValue } from './examples';
import { describeInput, onFace } from './faces';

export const START = '<!-- amlops:steps:start -->';
export const END = '<!-- amlops:steps:end -->';

const cell = (text: string): string => text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
const code = (text: string): string => `\`${text}\``;
const or = (present: boolean, text: string): string => (present ? text : '—');

/** A placeholder for a required input the examples do not fill in. */
function placeholder(input: InputDeclaration): string {
  if (input.name === 'azure-subscription') return 'my-azure-connection';
  if (input.type === 'choice' && input.options?.length) return input.options[0];
  return `<${input.name}>`;
}

const githubId = (step: string): string => step.replace(/-/g, '_');

/** The value of an example on one face, or undefined when that face leaves the input out. */
function exampleOn(value: ExampleValue, face: Face): string | undefined {
  if (typeof value === 'string') return value;
  if ('output' in value) {
    const [step, output] = value.output;
    if (face === 'github') return `\${{ steps.${githubId(step)}.outputs.${output} }}`;
    if (face === 'azure-devops') return `$(${camelCase(step)}.${camelCase(output)})`;
    return `"$${output.replace(/-/g, '_').toUpperCase()}"`;
  }
  return value[face];
}

/** The inputs a snippet shows on one face, in declaration order, with their values. */
function snippetInputs(decl: StepDeclaration, face: Face): [InputDeclaration, string][] {
  const examples = snippetExamples[decl.id] ?? { environment: 'dev' };
  const shown: [InputDeclaration, string][] = [];
  for (const input of decl.inputs.filter((i) => onFace(i, face))) {
    const example = examples[input.name];
    const value = example === undefined ? undefined : exampleOn(example, face);
    if (value !== undefined) shown.push([input, value]);
    else if (input.required) shown.push([input, placeholder(input)]);
  }
  return shown;
}

const shellWord = (text: string): string =>
  /^"\$[A-Z_]+"$/.test(text) || /^[\w@%+=:,./<>-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;

function usage(decl: StepDeclaration): string {
  const gh = snippetInputs(decl, 'github');
  const ado = snippetInputs(decl, 'azure-devops');
  const cli = snippetInputs(decl, 'cli');
  const lines = [
    'GitHub Actions:',
    '',
    '```yaml',
    `- uses: OWNER/amlops/actions/${decl.id}@v1`,
    `  id: ${githubId(decl.id)}`,
  ];
  if (gh.length) lines.push('  with:', ...gh.map(([i, v]) => `    ${i.name}: ${v}`));
  lines.push(
    '```',
    '',
    'Azure Pipelines:',
    '',
    '```yaml',
    `- task: Aml${decl.pascal}@${decl.version.major}`,
    `  name: ${camelCase(decl.id)}`,
  );
  if (ado.length) lines.push('  inputs:', ...ado.map(([i, v]) => `    ${camelCase(i.name)}: ${v}`));
  lines.push(
    '```',
    '',
    'Command line:',
    '',
    '```sh',
    [`npx amlops ${decl.id}`, ...cli.map(([i, v]) => `--${i.name} ${shellWord(v)}`)].join(' '),
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
  const problems = checkExamples(decls);
  if (problems.length) {
    throw new Error(`build/metadata/examples.ts is out of step with the declarations:\n  ${problems.join('\n  ')}`);
  }
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
