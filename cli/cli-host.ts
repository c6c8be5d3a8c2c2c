import * as fs from 'node:fs';
import { gitCiRun } from '../shared/aml/models/ci-run';
import type { CiRun, Host, SourceLocation } from '../shared/host';
import { envName } from './args';
import { exported } from '../shared/aml/exported';

const EXPORTED_NAMES: ReadonlySet<string> = new Set(Object.values(exported));

export interface CliHostOptions {
  inputs: Record<string, string>;
  debug: boolean;
  summaryFile?: string;
  env?: NodeJS.ProcessEnv;
  stderr?: (text: string) => void;
}

/**
 * The Host port on a terminal: inputs from options or AMLOPS_* variables, logs on stderr (stdout
 * carries only the outputs' JSON), every registered secret replaced by *** in whatever is written.
 */
export class CliHost implements Host {
  readonly face = 'cli' as const;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd = process.cwd();
  readonly signal: AbortSignal;
  readonly outputs: Record<string, string> = {};
  private readonly secrets = new Set<string>();
  private readonly writeErr: (text: string) => void;

  constructor(private readonly options: CliHostOptions) {
    this.env = options.env ?? process.env;
    this.writeErr = options.stderr ?? ((text) => process.stderr.write(text));
    this.signal = abortOnSignals((m) => this.info(m));
  }

  getInput(name: string): string | undefined {
    const fromOption = this.options.inputs[name];
    if (fromOption !== undefined) return fromOption;
    // What connect exported is a fallback the step resolves below an environment file; read here
    // as an input it would win over `--environment prod` after an earlier `connect` to dev.
    if (EXPORTED_NAMES.has(envName(name))) return undefined;
    return this.env[envName(name)] || undefined;
  }

  describeInput(name: string): string {
    return `--${name}`;
  }

  setOutput(name: string, value: string): void {
    this.outputs[name] = value;
  }

  exportVariable(name: string, value: string): void {
    // A shell cannot be changed from a child process; AMLOPS_ENV_FILE lets a script `source` the result.
    const file = this.env.AMLOPS_ENV_FILE;
    if (!file) return this.debug(`not exporting ${name} (set AMLOPS_ENV_FILE to collect exported variables)`);
    if (/[\r\n]/.test(value)) throw new Error(`cannot export ${name}: its value spans lines`);
    fs.appendFileSync(file, `${name}=${value}\n`);
  }

  info(message: string): void {
    this.writeErr(`${this.redact(message)}\n`);
  }

  warning(message: string, where?: SourceLocation): void {
    const at = where ? `${where.file}${where.line !== undefined ? `:${where.line}` : ''}: ` : '';
    this.writeErr(`warning: ${this.redact(at + message)}\n`);
  }

  debug(message: string): void {
    if (this.options.debug || this.env.AMLOPS_DEBUG === '1') this.writeErr(`debug: ${this.redact(message)}\n`);
  }

  async group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    this.writeErr(`== ${this.redact(title)}\n`);
    return fn();
  }

  mask(secret: string): void {
    if (secret) this.secrets.add(secret);
  }

  async appendSummary(markdown: string): Promise<void> {
    if (!this.options.summaryFile) return this.debug('no --summary-file; summary skipped');
    await fs.promises.appendFile(this.options.summaryFile, `${this.redact(markdown)}\n`);
  }

  ciRun(): CiRun {
    return gitCiRun(this.cwd);
  }

  /** Replaces every registered secret, longest first so a secret containing another is hidden whole. */
  redact(text: string): string {
    let out = text;
    for (const s of [...this.secrets].sort((a, b) => b.length - a.length)) out = out.split(s).join('***');
    return out;
  }
}

/** Aborted on the first Ctrl-C / SIGTERM; a second one exits at once. */
function abortOnSignals(log: (message: string) => void): AbortSignal {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
    log(`Received ${signal}: canceling (again to quit at once).`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller.signal;
}
