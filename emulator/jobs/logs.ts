import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BlobStore } from '../blob-store';

/** The log files Azure ML's common runtime writes for a job (names as run history lists them). */
export const STD_LOG = 'user_logs/std_log.txt';
export const LIFECYCLER_LOG = 'system_logs/lifecycler/lifecycler.log';
export const DATA_LOG = 'system_logs/data_capability/data-capability.log';
export const SNAPSHOT_LOG = 'system_logs/snapshot_capability/snapshot-capability.log';
/** What a pipeline's own run writes (az ml job stream shows it for pipelines). */
export const PIPELINE_LOG = 'logs/azureml/executionlogs.txt';

/** How often new log bytes are copied to the run's artifact folder in storage. */
const SHIP_INTERVAL_MS = 500;

/**
 * A job's log files: written locally and synchronously (so a reader sees each line as soon as the
 * process prints it) and copied to the run's artifact folder in Azurite as Azure ML keeps them
 * (ExperimentRun/dcid.<job>/<file>), which is where azure-ai-ml looks for them too.
 */
export class JobLogs {
  private readonly shipped = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private shipping: Promise<void> = Promise.resolve();

  constructor(
    readonly dir: string,
    private readonly artifacts?: { blobs: BlobStore; container: string; prefix: string },
    private readonly onShipError?: (e: unknown) => void,
  ) {
    fs.mkdirSync(dir, { recursive: true });
  }

  /** Appends to a log file, creating it (and its folder) on first use. */
  write(file: string, data: string | Buffer): void {
    const target = this.path(file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.appendFileSync(target, data);
  }

  /** A timestamped line, as the system logs have them. */
  line(file: string, text: string): void {
    this.write(file, `${new Date().toISOString()} ${text}\n`);
  }

  path(file: string): string {
    const target = path.resolve(this.dir, file);
    if (!target.startsWith(path.resolve(this.dir) + path.sep))
      throw new Error(`log file outside the log folder: ${file}`);
    return target;
  }

  /** Existing log files, relative and '/'-separated. */
  files(): string[] {
    const out: string[] = [];
    const walk = (dir: string, rel: string): void => {
      if (!fs.existsSync(dir)) return;
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const r = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) walk(path.join(dir, e.name), r);
        else out.push(r);
      }
    };
    walk(this.dir, '');
    return out.sort();
  }

  startShipping(): void {
    if (!this.artifacts || this.timer) return;
    this.timer = setInterval(() => void this.ship(), SHIP_INTERVAL_MS);
    this.timer.unref();
  }

  /** Stops the periodic copy and copies what is left. */
  async finish(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.ship();
  }

  private ship(): Promise<void> {
    const artifacts = this.artifacts;
    if (!artifacts) return Promise.resolve();
    // One copy at a time, so appends land in order.
    this.shipping = this.shipping.then(async () => {
      for (const file of this.files()) {
        const from = this.shipped.get(file) ?? 0;
        const size = fs.statSync(this.path(file)).size;
        if (size <= from) continue;
        const fd = fs.openSync(this.path(file), 'r');
        const bytes = Buffer.alloc(size - from);
        try {
          fs.readSync(fd, bytes, 0, bytes.length, from);
        } finally {
          fs.closeSync(fd);
        }
        try {
          await artifacts.blobs.append(artifacts.container, `${artifacts.prefix}/${file}`, bytes);
          this.shipped.set(file, size);
        } catch (e) {
          this.onShipError?.(e);
          return;
        }
      }
    });
    return this.shipping;
  }
}
