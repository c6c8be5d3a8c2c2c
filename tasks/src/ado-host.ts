import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tl from 'azure-pipelines-task-lib/task';
import type { AzureConnection } from '../../shared/aml/connection';
import { camelCase } from '../../shared/declarations/types';
import { adoCiRun } from '../../shared/aml/models/ci-run';
import type { CiRun, Host, SourceLocation } from '../../shared/host';
import { maskSecret, readServiceConnection } from './service-connection';

/**
 * The Host port on Azure Pipelines, through azure-pipelines-task-lib: camelCase inputs, output
 * variables, logging commands (##vso / ##[group]), and the AzureRM service connection.
 */
export class AdoHost implements Host {
  readonly face = 'azure-devops' as const;
  readonly env = process.env;
  readonly cwd = tl.getVariable('System.DefaultWorkingDirectory') || process.cwd();
  readonly signal: AbortSignal;
  private summaryFile?: string;
  private connection?: AzureConnection;

  constructor(private readonly stepId: string) {
    this.signal = abortOnSignals();
  }

  getInput(name: string): string | undefined {
    return tl.getInput(camelCase(name), false);
  }

  describeInput(name: string): string {
    return `input '${camelCase(name)}'`;
  }

  setOutput(name: string, value: string): void {
    tl.setVariable(camelCase(name), value, false, true);
  }

  exportVariable(name: string, value: string): void {
    // A job variable: later tasks see it as the environment variable of the same (upper-case) name.
    tl.setVariable(name, value);
  }

  info(message: string): void {
    console.log(message);
  }

  warning(message: string, where?: SourceLocation): void {
    if (where) tl.logIssue(tl.IssueType.Warning, message, where.file, where.line, where.column);
    else tl.warning(message);
  }

  debug(message: string): void {
    tl.debug(message);
  }

  async group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    console.log(`##[group]${title}`);
    try {
      return await fn();
    } finally {
      console.log('##[endgroup]');
    }
  }

  mask(secret: string): void {
    maskSecret(tl, secret);
  }

  async appendSummary(markdown: string): Promise<void> {
    // Collected in one file and uploaded once by finish(): the agent reads the file after the task.
    const dir = tl.getVariable('Agent.TempDirectory') || os.tmpdir();
    this.summaryFile ??= path.join(dir, `amlops-${this.stepId}-${process.pid}.md`);
    await fs.promises.appendFile(this.summaryFile, `${markdown}\n`);
  }

  ciRun(): CiRun {
    return adoCiRun(this.env);
  }

  serviceConnection(): AzureConnection {
    // Read once: the core may ask more than once, and each read would mask again.
    this.connection ??= readServiceConnection(tl, this.signal);
    return this.connection;
  }

  /** Publishes what the step wrote to the summary (shown as a tab of the run). */
  finish(): void {
    if (this.summaryFile && fs.existsSync(this.summaryFile)) tl.uploadSummary(this.summaryFile);
  }
}

/** Aborted on the first SIGINT/SIGTERM (the agent's cancel); a second one exits at once. */
function abortOnSignals(): AbortSignal {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
    console.log(`Received ${signal}: canceling.`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller.signal;
}
