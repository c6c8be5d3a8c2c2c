import * as http from 'node:http';
import * as https from 'node:https';
import { checkContent, excerpt } from './check';
import type { SmokeCase, SmokeCaseResult } from './types';

export interface OnlineTarget {
  scoringUri: string;
  /** Key or token, masked already. */
  credential: string;
  /** Sent as azureml-model-deployment: only this deployment answers, whatever its traffic. */
  deployment?: string;
}

const MAX_BODY = 1024 * 1024;

/** A reusable sender: kept-alive connections, certificates verified. */
export class OnlineScorer {
  private readonly agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

  constructor(private readonly target: OnlineTarget) {}

  /** Sends one case and checks the answer. */
  async run(c: SmokeCase, options: { timeoutMs: number; signal: AbortSignal }): Promise<SmokeCaseResult> {
    const started = performance.now();
    const result: SmokeCaseResult = { name: c.name, source: c.source, passed: false, latencyMs: 0, reasons: [] };
    try {
      const answer = await this.post(c, options);
      result.latencyMs = performance.now() - started;
      result.status = answer.status;
      result.excerpt = excerpt(answer.text);
      if (answer.status !== c.expect.status) {
        result.reasons.push(`status ${answer.status}, expected ${c.expect.status}: ${excerpt(answer.text, 120)}`);
      } else {
        result.reasons.push(...checkContent(c.expect, answer.text, result.latencyMs));
      }
    } catch (err) {
      if (options.signal.aborted) throw err;
      result.latencyMs = performance.now() - started;
      result.reasons.push(`no answer: ${(err as Error).message}`);
    }
    result.passed = result.reasons.length === 0;
    return result;
  }

  async runAll(cases: SmokeCase[], options: { timeoutMs: number; signal: AbortSignal }): Promise<SmokeCaseResult[]> {
    const out: SmokeCaseResult[] = [];
    for (const c of cases) out.push(await this.run(c, options));
    return out;
  }

  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  private post(
    c: SmokeCase,
    options: { timeoutMs: number; signal: AbortSignal },
  ): Promise<{ status: number; text: string }> {
    const url = new URL(this.target.scoringUri);
    const secure = url.protocol === 'https:';
    const body = Buffer.from(c.body ?? '', 'utf8');
    const headers: Record<string, string> = {
      'content-type': c.contentType ?? 'application/json',
      ...c.headers,
      authorization: `Bearer ${this.target.credential}`,
      'content-length': String(body.length),
    };
    if (this.target.deployment) headers['azureml-model-deployment'] = this.target.deployment;
    return new Promise((resolve, reject) => {
      const req = (secure ? https : http).request(
        url,
        {
          method: 'POST',
          headers,
          agent: secure ? this.agents.https : this.agents.http,
          timeout: options.timeoutMs,
          signal: options.signal,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            if (size < MAX_BODY) chunks.push(chunk);
            size += chunk.length;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${Math.round(options.timeoutMs / 1000)}s`)));
      req.on('error', reject);
      req.end(body);
    });
  }
}

export async function runOnlineSmokeCases(
  target: OnlineTarget,
  cases: SmokeCase[],
  options: { timeoutMs: number; signal: AbortSignal },
): Promise<SmokeCaseResult[]> {
  const scorer = new OnlineScorer(target);
  try {
    return await scorer.runAll(cases, options);
  } finally {
    scorer.close();
  }
}
