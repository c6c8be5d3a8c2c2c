import * as core from '@actions/core';
import { githubCiRun } from '../../shared/aml/models/ci-run';
import type { CiRun, Host, SourceLocation } from '../../shared/host';

/**
 * The Host port on GitHub Actions, through @actions/core: inputs from INPUT_*, outputs/env/summary
 * through the runner's files (GITHUB_OUTPUT, GITHUB_ENV, GITHUB_STEP_SUMMARY), logs as workflow
 * commands so warnings become annotations and secrets are masked by the runner.
 */
export class GithubHost implements Host {
  readonly face = 'github' as const;
  readonly env = process.env;
  readonly cwd = process.env.GITHUB_WORKSPACE || process.cwd();
  readonly signal: AbortSignal;

  constructor() {
    this.signal = abortOnSignals();
  }

  getInput(name: string): string {
    // Kebab names as declared: the runner sets INPUT_CLIENT-ID for `client-id`.
    return core.getInput(name);
  }

  describeInput(name: string): string {
    return `input '${name}'`;
  }

  setOutput(name: string, value: string): void {
    core.setOutput(name, value);
  }

  exportVariable(name: string, value: string): void {
    core.exportVariable(name, value);
  }

  info(message: string): void {
    core.info(message);
  }

  warning(message: string, where?: SourceLocation): void {
    core.warning(message, where ? { file: where.file, startLine: where.line, startColumn: where.column } : undefined);
  }

  debug(message: string): void {
    core.debug(message);
  }

  group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    return core.group(title, fn);
  }

  mask(secret: string): void {
    if (!secret) return;
    core.setSecret(secret);
    // The runner masks line by line, so a multi-line secret (a PEM) needs each line registered too.
    for (const line of secret.split(/\r?\n/)) if (line.trim() && line !== secret) core.setSecret(line.trim());
  }

  async appendSummary(markdown: string): Promise<void> {
    // Outside a runner (local runs) there is no summary file; the summary is optional output.
    if (!process.env.GITHUB_STEP_SUMMARY) return this.debug('GITHUB_STEP_SUMMARY not set; summary skipped');
    await core.summary.addRaw(markdown, true).write();
  }

  ciRun(): CiRun {
    return githubCiRun(this.env);
  }

  getIdToken(audience: string): Promise<string> {
    // core.getIDToken masks the token it returns.
    return core.getIDToken(audience);
  }
}

/** Aborted on the first SIGINT/SIGTERM (the runner's cancel); a second one exits at once. */
function abortOnSignals(): AbortSignal {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
    core.info(`Received ${signal}: canceling.`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller.signal;
}
