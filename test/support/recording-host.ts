import type { AzureConnection } from '../../shared/aml/connection';
import type { CiRun, Host, SourceLocation } from '../../shared/host';

/**
 * An in-process host for core tests: it records what a face would print or publish, and applies
 * masking the way CI platforms do, so tests can assert that secrets never reach any of it.
 */
export class RecordingHost implements Host {
  readonly face = 'cli' as const;
  readonly outputs: Record<string, string> = {};
  readonly exported: Record<string, string> = {};
  readonly lines: string[] = [];
  readonly warnings: { message: string; where?: SourceLocation }[] = [];
  summary = '';
  private readonly secrets: string[] = [];
  private readonly controller = new AbortController();
  readonly signal = this.controller.signal;
  connection?: AzureConnection;

  constructor(
    private readonly inputs: Record<string, string>,
    readonly env: Record<string, string | undefined> = {},
    readonly cwd = process.cwd(),
  ) {}

  getInput(name: string) {
    return this.inputs[name];
  }
  describeInput(name: string) {
    return `--${name}`;
  }
  setOutput(name: string, value: string) {
    this.outputs[name] = value;
  }
  exportVariable(name: string, value: string) {
    this.exported[name] = value;
  }
  private scrub(text: string): string {
    return this.secrets.reduce((t, s) => t.split(s).join('***'), text);
  }
  info(message: string) {
    this.lines.push(this.scrub(message));
  }
  warning(message: string, where?: SourceLocation) {
    this.warnings.push({ message: this.scrub(message), where });
  }
  debug(message: string) {
    this.lines.push(`debug: ${this.scrub(message)}`);
  }
  async group<T>(title: string, fn: () => Promise<T>) {
    this.lines.push(`[group] ${title}`);
    return fn();
  }
  mask(secret: string) {
    if (secret) this.secrets.push(secret);
  }
  async appendSummary(markdown: string) {
    this.summary += this.scrub(markdown);
  }
  serviceConnection() {
    return this.connection;
  }
  /** CI run facts a test sets for lineage. */
  run: CiRun = {};
  ciRun(): CiRun {
    return this.run;
  }
  cancel() {
    this.controller.abort();
  }
  /** Everything the host would have shown anyone. */
  everything(): string {
    return [
      ...this.lines,
      ...this.warnings.map((w) => w.message),
      this.summary,
      JSON.stringify(this.outputs),
      JSON.stringify(this.exported),
    ].join('\n');
  }
}
