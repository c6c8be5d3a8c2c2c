import type { InputDeclaration, StepDeclaration } from '../shared/declarations/types';

/** A mistake in the command line itself: exit code 2, with a pointer to --help. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface GlobalOptions {
  json: boolean;
  debug: boolean;
  help: boolean;
  summaryFile?: string;
}

export interface ParsedStepArgs {
  /** Values by declared (kebab) input name, as typed. */
  inputs: Record<string, string>;
  options: GlobalOptions;
}

/** Options every step takes besides its inputs. */
export const GLOBAL_OPTIONS = [
  { flag: '--json', text: 'Also on failure print one JSON object on stdout: {"error": "..."}.' },
  { flag: '--summary-file <path>', text: "Append the step's markdown summary to this file." },
  { flag: '--debug', text: 'Print debug messages (also AMLOPS_DEBUG=1).' },
  { flag: '-h, --help', text: 'Show this help.' },
];

export const onCli = (i: InputDeclaration): boolean => !i.faces || i.faces.includes('cli');

/**
 * Parses `--name value`, `--name=value`, `--flag`/`--no-flag` (boolean inputs) for one step.
 * Strict: unknown or repeated options and stray arguments are errors, so a typo never goes unnoticed.
 */
export function parseStepArgs(decl: StepDeclaration, argv: readonly string[]): ParsedStepArgs {
  const inputs: Record<string, string> = {};
  const options: GlobalOptions = { json: false, debug: false, help: false };
  const byName = new Map(decl.inputs.filter(onCli).map((i) => [i.name, i]));
  for (let k = 0; k < argv.length; k++) {
    const arg = argv[k];
    if (arg === '-h' || arg === '--help') {
      options.help = true;
      continue;
    }
    if (!arg.startsWith('--') || arg === '--') {
      throw new UsageError(`unexpected argument '${arg}': inputs are given as --name value`);
    }
    const eq = arg.indexOf('=');
    const flag = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    const inline = eq < 0 ? undefined : arg.slice(eq + 1);
    const next = (): string => {
      if (inline !== undefined) return inline;
      const value = argv[k + 1];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`--${flag} needs a value`);
      k++;
      return value;
    };
    if (flag === 'json' || flag === 'debug') {
      if (inline !== undefined) throw new UsageError(`--${flag} takes no value`);
      options[flag] = true;
      continue;
    }
    if (flag === 'summary-file') {
      options.summaryFile = next();
      continue;
    }
    let input = byName.get(flag);
    let value: string;
    if (!input && flag.startsWith('no-') && byName.get(flag.slice(3))?.type === 'boolean') {
      if (inline !== undefined) throw new UsageError(`--${flag} takes no value`);
      input = byName.get(flag.slice(3))!;
      value = 'false';
    } else if (!input) {
      throw unknownOption(decl, flag);
    } else if (input.type === 'boolean') {
      // `--wait`, `--wait=false`, or `--wait false`; any other following word is not its value.
      const following = argv[k + 1];
      if (inline !== undefined) value = inline;
      else if (following !== undefined && /^(true|false)$/i.test(following)) value = argv[++k];
      else value = 'true';
    } else {
      value = next();
    }
    if (input.name in inputs) throw new UsageError(`--${input.name} given more than once`);
    inputs[input.name] = value;
  }
  return { inputs, options };
}

function unknownOption(decl: StepDeclaration, flag: string): UsageError {
  const elsewhere = decl.inputs.find((i) => i.name === flag);
  if (elsewhere) {
    return new UsageError(
      `--${flag} is not available on the command line (only in: ${(elsewhere.faces ?? []).join(', ')})`,
    );
  }
  const known = [...decl.inputs.filter(onCli).map((i) => i.name), 'json', 'summary-file', 'debug', 'help'];
  const close = closeMatches(flag, known).map((m) => `--${m}`);
  return new UsageError(`unknown option --${flag}${close.length ? `. Did you mean ${close.join(' or ')}?` : ''}`);
}

/** Candidates within a small edit distance, or that contain / are contained in the word. */
export function closeMatches(word: string, candidates: readonly string[], max = 3): string[] {
  const scored = candidates
    .map((c) => ({ c, d: distance(word, c) }))
    .filter(
      ({ c, d }) =>
        d <= Math.max(2, Math.floor(c.length / 3)) || (word.length >= 3 && (c.includes(word) || word.includes(c))),
    )
    .sort((a, b) => a.d - b.d || a.c.localeCompare(b.c));
  return scored.slice(0, max).map(({ c }) => c);
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}

/** AMLOPS_<UPPER_SNAKE>: the environment variable an input falls back to. */
export const envName = (input: string): string => `AMLOPS_${input.replace(/-/g, '_').toUpperCase()}`;

export interface InitArgs {
  dir?: string;
  ci?: string;
  force: boolean;
  person?: string;
  registry?: string;
  help: boolean;
}

/** `amlops init <dir> --ci github|azure-devops|both [--force] [--person NAME] [--registry NAME]`. */
export function parseInitArgs(argv: readonly string[]): InitArgs {
  const out: InitArgs = { force: false, help: false };
  for (let k = 0; k < argv.length; k++) {
    const arg = argv[k];
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      const v = eq > 0 && arg.startsWith('--') ? arg.slice(eq + 1) : argv[++k];
      if (v === undefined || v === '' || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === '-h' || flag === '--help') out.help = true;
    else if (flag === '--force') out.force = true;
    else if (flag === '--ci') out.ci = value();
    else if (flag === '--person') out.person = value();
    else if (flag === '--registry') out.registry = value();
    else if (flag.startsWith('-')) {
      const close = closeMatches(flag.replace(/^-+/, ''), ['ci', 'force', 'person', 'registry', 'help']).map(
        (m) => `--${m}`,
      );
      throw new UsageError(`unknown option ${flag}${close.length ? `. Did you mean ${close.join(' or ')}?` : ''}`);
    } else if (out.dir === undefined) out.dir = arg;
    else throw new UsageError(`unexpected argument '${arg}': init takes one folder`);
  }
  return out;
}
