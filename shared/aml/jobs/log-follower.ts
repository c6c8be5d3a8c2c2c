import { StringDecoder } from 'node:string_decoder';
import type { Host } from '../../host';
import type { AmlContext } from '../context';
import type { RunDetails, RunServices } from './run-history';

/** The log files az ml streams: the user process's output, else the legacy driver logs. */
const STREAMED = [
  /^user_logs\/std_log[\D]*0*(?:_ps)?\.txt$/,
  /^azureml-logs\/\d{2}.+\.txt$/,
  /^logs\/azureml\/executionlogs\.txt$/,
];

interface Child {
  name?: string;
  runId?: string;
  displayName?: string;
  status?: string;
}

/**
 * Prints only what is new in a job's log files. Where az ml downloads each file again on every
 * poll, this asks for the bytes after what it already printed (HTTP Range), so a long log costs
 * the same per poll as a short one.
 */
export class LogFollower {
  private readonly printed = new Map<string, number>();
  private readonly partial = new Map<string, string>();
  // A poll may end inside a multi-byte character; each file keeps its own decoder.
  private readonly decoders = new Map<string, StringDecoder>();

  constructor(
    private readonly ctx: AmlContext,
    private readonly host: Host,
    private readonly services: RunServices,
  ) {}

  /** Prints what is new; returns how many lines that was and the run's status as run history sees it. */
  async poll(runId: string, jobType?: string): Promise<{ lines: number; status?: string }> {
    let count = 0;
    if (jobType === 'Pipeline') {
      for (const child of await this.children(runId)) {
        const id = child.runId ?? child.name;
        if (!id) continue;
        const { lines } = await this.newLines(id);
        if (lines.length) {
          count += lines.length;
          await this.host.group(`step ${child.displayName ?? id}`, async () => lines.forEach((l) => this.host.info(l)));
        }
      }
    }
    const own = await this.newLines(runId);
    for (const line of own.lines) this.host.info(line);
    return { lines: count + own.lines.length, status: own.status };
  }

  /** Last poll after the job ended: flush partial lines too. */
  async finish(runId: string, jobType?: string): Promise<void> {
    await this.poll(runId, jobType);
    for (const [key, rest] of this.partial) {
      if (rest) this.host.info(rest);
      this.partial.delete(key);
    }
  }

  private async details(runId: string): Promise<RunDetails | undefined> {
    try {
      return (
        await this.ctx.arm.request<RunDetails>(
          'GET',
          `${this.services.history}/runs/${encodeURIComponent(runId)}/details`,
          undefined,
          {
            noApiVersion: true,
          },
        )
      ).body;
    } catch {
      return undefined; // logs are best effort; the job's status decides the outcome
    }
  }

  private async children(runId: string): Promise<Child[]> {
    try {
      const res = await this.ctx.arm.request<{ value?: Child[] }>(
        'GET',
        `${this.services.history}/runs/${encodeURIComponent(runId)}/children`,
        undefined,
        { noApiVersion: true },
      );
      return res.body?.value ?? [];
    } catch {
      return [];
    }
  }

  private async newLines(runId: string): Promise<{ lines: string[]; status?: string }> {
    const details = await this.details(runId);
    const files = Object.keys(details?.logFiles ?? {})
      .filter((f) => STREAMED.some((p) => p.test(f)))
      .sort();
    const out: string[] = [];
    for (const file of files) {
      const key = `${runId}/${file}`;
      const from = this.printed.get(key) ?? 0;
      const bytes = await this.fetchFrom(details!.logFiles![file], from);
      if (!bytes.length) continue;
      this.printed.set(key, from + bytes.length);
      let decoder = this.decoders.get(key);
      if (!decoder) this.decoders.set(key, (decoder = new StringDecoder('utf8')));
      const text = decoder.write(bytes);
      const joined = (this.partial.get(key) ?? '') + text;
      const lines = joined.split(/\r?\n/);
      this.partial.set(key, lines.pop() ?? '');
      out.push(...lines);
    }
    return { lines: out, status: details?.status };
  }

  private async fetchFrom(url: string, offset: number): Promise<Buffer> {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const res = await fetch(url, {
          headers: offset ? { range: `bytes=${offset}-` } : {},
          signal: AbortSignal.any([this.host.signal, AbortSignal.timeout(30_000)]),
        });
        if (res.status === 416) return Buffer.alloc(0);
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        const body = Buffer.from(await res.arrayBuffer());
        // A server that ignores Range sends the whole file.
        return res.status === 206 ? body : body.subarray(offset);
      } catch (err) {
        if (this.host.signal.aborted) throw err;
      }
    }
    return Buffer.alloc(0);
  }
}
