import type { AzureConnection } from './aml/connection';

/**
 * The port a step talks to. Each face (GitHub Action, Azure DevOps task, CLI) implements it the
 * platform's way; steps never learn which face runs them.
 */
export interface Host {
  /** Which face runs the step; used only for wording (e.g. "input 'file'" vs "--file"). */
  readonly face: 'github' | 'azure-devops' | 'cli';
  /** Raw input value by its declared (kebab-case) name; '' or undefined when not given. */
  getInput(name: string): string | undefined;
  /** How the user writes that input on this face, for error messages: `input 'client-id'`, `--client-id`. */
  describeInput(name: string): string;
  setOutput(name: string, value: string): void;
  /** Makes a value available to later steps of the same job (GITHUB_ENV, task variable, or nothing on the CLI). */
  exportVariable(name: string, value: string): void;
  info(message: string): void;
  warning(message: string, where?: SourceLocation): void;
  debug(message: string): void;
  /** Runs fn inside a foldable log group. */
  group<T>(title: string, fn: () => Promise<T>): Promise<T>;
  /** Registers a secret: from now on the platform hides it from every log line. */
  mask(secret: string): void;
  /** Appends markdown to the run's summary page (job summary, uploaded summary, or nothing). */
  appendSummary(markdown: string): Promise<void>;
  /** Asks the CI platform for a fresh OIDC ID token for the audience; undefined when the face has none. */
  getIdToken?(audience: string): Promise<string>;
  /** Aborted when the CI run is canceled (SIGINT/SIGTERM). */
  readonly signal: AbortSignal;
  /** Environment of the step (process.env for real faces). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * The AzureRM service connection chosen by the user, on faces that have them (Azure DevOps);
   * undefined elsewhere, where the core builds the connection from inputs and the environment.
   */
  serviceConnection?(): AzureConnection | undefined;
  /** Working directory that relative paths in inputs are resolved against. */
  readonly cwd: string;
  /** Facts about the CI run for lineage (commit, run link); undefined or empty fields when unknown. */
  ciRun?(): CiRun;
}

export interface CiRun {
  /** Which CI system ran the step: github, azure-devops, or local. */
  provider?: string;
  commit?: string;
  /** Link to the CI run (workflow run, pipeline build). */
  runUrl?: string;
  repository?: string;
  ref?: string;
}

export interface SourceLocation {
  file: string;
  line?: number;
  column?: number;
}
