import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** What one `amlops <step>` run left behind. */
export interface StepRun {
  /** `amlops connect --environment dev` as typed. */
  command: string;
  code: number;
  /** The step's outputs (the JSON the CLI prints on stdout). */
  outputs: Record<string, string>;
  /** Everything the step logged (stderr). */
  log: string;
  /** The markdown job summary the step wrote (`--summary-file`). */
  summary: string;
  ms: number;
}

export interface RunnerOptions {
  /** The amlops command's script (bin/amlops.cjs). */
  cli: string;
  /** Where the project lives; steps run there, as in a CI checkout. */
  cwd: string;
  /** Environment of every step (sign-in, CA trust). */
  env: NodeJS.ProcessEnv;
  /** Folder for summaries and exported-variable files. */
  scratch: string;
  /** Each log line of a running step, as it arrives. */
  onLine: (line: string) => void;
}

/**
 * Runs amlops steps the way a CI job does: one process per step, the variables `connect` exported
 * (AMLOPS_ENV_FILE) passed to the steps after it, per environment, like the jobs of a pipeline.
 */
export class CliRunner {
  private readonly exported = new Map<string, Record<string, string>>();
  private count = 0;

  constructor(private readonly options: RunnerOptions) {}

  get cli(): string {
    return this.options.cli;
  }

  /** `amlops <args>` in the given environment's job (`dev`, `prod`). */
  async step(environment: string, args: string[]): Promise<StepRun> {
    const n = ++this.count;
    const summaryFile = path.join(this.options.scratch, `summary-${n}.md`);
    const envFile = path.join(this.options.scratch, `exported-${n}.env`);
    const env: NodeJS.ProcessEnv = { ...this.options.env, ...this.exported.get(environment), AMLOPS_ENV_FILE: envFile };
    const command = commandLine(args);
    const started = Date.now();
    const run = await new Promise<Omit<StepRun, 'summary' | 'ms' | 'command'>>((resolve) => {
      const child = spawn(process.execPath, [this.options.cli, ...args, '--summary-file', summaryFile], {
        cwd: this.options.cwd,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let log = '';
      let partial = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => {
        log += d.toString();
        const lines = (partial + d.toString()).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) if (line.trim()) this.options.onLine(line);
      });
      child.on('error', (err) => resolve({ code: 1, outputs: {}, log: `${log}${err.message}\n` }));
      child.on('close', (code) => {
        if (partial.trim()) this.options.onLine(partial);
        let outputs: Record<string, string> = {};
        try {
          outputs = JSON.parse(stdout || '{}') as Record<string, string>;
        } catch {
          log += stdout;
        }
        resolve({ code: code ?? 1, outputs, log });
      });
    });
    if (run.code === 0 && fs.existsSync(envFile)) {
      const vars = Object.fromEntries(
        fs
          .readFileSync(envFile, 'utf8')
          .split('\n')
          .filter((l) => l.includes('='))
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
      this.exported.set(environment, { ...this.exported.get(environment), ...vars });
    }
    const summary = fs.existsSync(summaryFile) ? fs.readFileSync(summaryFile, 'utf8') : '';
    return { ...run, command, summary, ms: Date.now() - started };
  }
}

/** `amlops <args>` as one would type it in a shell. */
export const commandLine = (args: readonly string[]): string => `amlops ${args.map(quote).join(' ')}`;

const quote = (arg: string): string => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);

/** The step's error as it printed it (`amlops <step>: error: ...` and any hint lines after it). */
export function errorText(run: StepRun): string {
  const lines = run.log.split('\n');
  const at = lines.map((l) => /^amlops[\w -]*: error: /.test(l)).lastIndexOf(true);
  if (at < 0) return run.code === 0 ? '' : `exit code ${run.code}`;
  return lines
    .slice(at)
    .filter((l) => l.trim())
    .join(' ');
}
