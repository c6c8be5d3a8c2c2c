import type { InputDeclaration, StepDeclaration } from '../shared/declarations/types';
import { envName, GLOBAL_OPTIONS, onCli } from './args';

const WIDTH = 100;

/** Two columns: the option, and its text wrapped beside it. */
function columns(rows: readonly [string, string][]): string {
  const left = Math.min(34, Math.max(...rows.map(([l]) => l.length)) + 2);
  return rows
    .map(([l, r]) => {
      const lines = wrap(r, WIDTH - left - 2);
      const first = `  ${l.padEnd(left)}${lines[0] ?? ''}`;
      const head =
        l.length >= left
          ? [`  ${l}`, ...lines.map((x) => ' '.repeat(left + 2) + x)]
          : [first, ...lines.slice(1).map((x) => ' '.repeat(left + 2) + x)];
      return head.join('\n');
    })
    .join('\n');
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

function optionRow(i: InputDeclaration): [string, string] {
  const flag =
    i.type === 'boolean'
      ? `--${i.name}, --no-${i.name}`
      : `--${i.name} <${i.type === 'choice' ? (i.options ?? []).join('|') : i.type}>`;
  let text = i.description;
  if (i.required) text += ' Required.';
  if (i.default !== undefined) text += ` Default: ${i.default}.`;
  return [flag, text];
}

export function stepHelp(decl: StepDeclaration): string {
  const inputs = decl.inputs.filter(onCli);
  return [
    `Usage: amlops ${decl.id} [options]`,
    '',
    wrap(decl.description, WIDTH).join('\n'),
    '',
    'Options:',
    columns(inputs.map(optionRow)),
    '',
    'Global options:',
    columns(GLOBAL_OPTIONS.map((o) => [o.flag, o.text])),
    '',
    wrap(
      `An option not given falls back to the environment variable AMLOPS_<NAME>, e.g. ${envName(inputs[0]?.name ?? 'workspace')}; ` +
        'the connection settings connect exports (to the file AMLOPS_ENV_FILE names) are the exception: ' +
        'they apply below --environment, so a later step can point at another environment.',
      WIDTH,
    ).join('\n'),
    '',
    'Outputs, printed as one JSON object on stdout (logs go to stderr):',
    columns(decl.outputs.map((o) => [o.name, o.description])),
    '',
  ].join('\n');
}

export function mainHelp(decls: readonly StepDeclaration[], version: string): string {
  return [
    `amlops ${version}: Azure Machine Learning CI/CD steps (the same steps as the GitHub Actions and Azure DevOps tasks).`,
    '',
    'Usage:',
    '  amlops <step> [--input value ...] [--json]   run a step; outputs are printed as JSON on stdout',
    "  amlops <step> --help                          the step's inputs and outputs",
    '  amlops emulator [--port N] [--state DIR] [--ready-file FILE]   a local Azure ML workspace emulator',
    '  amlops init <dir> --ci github|azure-devops|both   scaffold a data-science repository',
    '  amlops --version',
    '',
    'Steps:',
    columns(decls.map((d) => [d.id, d.description])),
    '',
  ].join('\n');
}

export function initHelp(): string {
  return [
    'Usage: amlops init <dir> --ci github|azure-devops|both [--person NAME] [--registry NAME] [--force]',
    '',
    wrap(
      'Writes a data-science repository laid out the standard way: .cloud/ (dev and prod workspaces, compute, model, endpoints and deployments), ' +
        '.github/ and/or .ado/ (the pipeline calling the amlops templates, CODEOWNERS), code/ (prep, train, evaluate, score with their environments), ' +
        'data/ (a tiny sample), pipelines/ (the Azure ML training pipeline), tests/ (unit tests and an emulator integration test), ' +
        'notebooks/<person>/ (sample notebooks) and docs/.',
      WIDTH,
    ).join('\n'),
    '',
    'Options:',
    columns([
      ['--ci <github|azure-devops|both>', 'Which CI pipeline to write. Required.'],
      ['--person <name>', 'Folder under notebooks/ for your notebooks. Default: your user name.'],
      [
        '--registry <name>',
        'Azure ML registry dev promotes into and prod deploys from (the pipelines and .cloud/prod/). Default: ml-registry.',
      ],
      ['--force', 'Overwrite files that exist already. Without it, nothing is written when any exists.'],
      ['-h, --help', 'Show this help.'],
    ]),
    '',
  ].join('\n');
}
