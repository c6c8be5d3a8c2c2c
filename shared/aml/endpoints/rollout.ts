import { CanceledError, errorMessage, UserError } from '../../errors';
import type { Host } from '../../host';
import { sleep } from '../../sleep';
import type { AmlContext } from '../context';
import { OnlineScorer } from '../smoke/online';
import { failureReasons } from '../smoke/report';
import type { SmokeCase, SmokeCaseResult } from '../smoke/types';
import type { Traffic } from './body';
import { cleanupContext, deleteDeployment, setTraffic, trafficOf, type EndpointResource } from './online';
import { formatTraffic, share, trafficSteps } from './traffic';

export interface RolloutOptions {
  /** The new (or updated) deployment. */
  deployment: string;
  /** Its share of live traffic before this run (a re-run may resume a rollout). */
  cases: SmokeCase[];
  /** Percent steps for the new deployment, e.g. [10, 50, 100]. */
  steps: number[];
  /** Pause after each traffic step while health is watched. */
  stepWaitMs: number;
  /** Highest share of failed health requests in a window, 0..1. */
  maxErrorRate: number;
  /** Mirror this percentage of live traffic to the new deployment before shifting (0: no mirror). */
  mirrorPercent: number;
  mirrorMs: number;
  /** Delete the new deployment when the rollout fails (only if it served no traffic before). */
  deleteFailed: boolean;
  /** Delete deployments whose traffic went to 0 after success. */
  deleteOld: boolean;
  /** The deployment was created by this run or served no traffic before it. */
  deploymentIsNew: boolean;
  requestTimeoutMs: number;
  operationTimeoutMs: number;
  credential: string;
}

export interface RolloutRow {
  step: string;
  traffic: Traffic;
  smoke: string;
}

export interface RolloutResult {
  traffic: Traffic;
  previous: Traffic;
  rows: RolloutRow[];
  deleted: string[];
}

/** The rollout failed and was undone; `rows` tells how far it got. */
export class RolloutFailed extends UserError {
  constructor(
    message: string,
    readonly rows: RolloutRow[],
    readonly restored: boolean,
    readonly deleted: string[],
  ) {
    super(message);
    this.name = 'RolloutFailed';
  }
}

/**
 * Safe rollout of a deployment that already Succeeded with 0% (or its previous) traffic: smoke
 * test it alone, optionally mirror live traffic to it, then shift traffic step by step with a
 * health window after each. Any failure or cancel restores the previous split exactly.
 */
export class Rollout {
  readonly rows: RolloutRow[] = [];
  private readonly scorer: OnlineScorer;
  private endpoint: EndpointResource;
  private readonly previous: { traffic: Traffic; mirrorTraffic: Traffic };

  constructor(
    private readonly ctx: AmlContext,
    private readonly host: Host,
    endpoint: EndpointResource,
    private readonly options: RolloutOptions,
  ) {
    this.endpoint = endpoint;
    this.previous = trafficOf(endpoint);
    this.scorer = new OnlineScorer({
      scoringUri: endpoint.properties?.scoringUri ?? '',
      credential: options.credential,
      deployment: options.deployment,
    });
  }

  async run(): Promise<RolloutResult> {
    const o = this.options;
    let changedTraffic = false;
    try {
      const smoke = await this.smoke('smoke test (deployment alone)');
      this.rows.push({ step: 'smoke test', traffic: this.previous.traffic, smoke: smoke.text });
      if (!smoke.ok)
        throw new UserError(`the smoke test of deployment '${o.deployment}' failed: ${smoke.reasons.join('; ')}`);

      const steps = trafficSteps(this.previous.traffic, o.deployment, o.steps);
      const live = Object.values(this.previous.traffic).some((v) => v > 0);
      if (o.mirrorPercent > 0 && live && steps.length && share(this.previous.traffic, o.deployment) === 0) {
        changedTraffic = true;
        const mirror = { ...this.previous.mirrorTraffic, [o.deployment]: o.mirrorPercent };
        await this.apply(this.previous.traffic, mirror, `mirroring ${o.mirrorPercent}% of live traffic`);
        const health = await this.watch(o.mirrorMs, `mirror ${o.mirrorPercent}%`);
        this.rows.push({ step: `mirror ${o.mirrorPercent}%`, traffic: this.previous.traffic, smoke: health.text });
        if (!health.ok)
          throw new UserError(
            `deployment '${o.deployment}' was unhealthy while mirroring: ${health.reasons.join('; ')}`,
          );
      }
      const mirrorAfter = withoutKey(this.previous.mirrorTraffic, o.deployment);
      for (const [i, traffic] of steps.entries()) {
        changedTraffic = true;
        const label = `${share(traffic, o.deployment)}%`;
        await this.apply(traffic, mirrorAfter, `step ${i + 1}/${steps.length}: ${formatTraffic(traffic)}`);
        // A first deployment has no users yet: the smoke test above was its check.
        const health = live
          ? await this.watch(o.stepWaitMs, label)
          : { ok: true, text: 'first deployment', reasons: [] };
        this.rows.push({ step: `traffic ${label}`, traffic, smoke: health.text });
        if (!health.ok) {
          throw new UserError(
            `deployment '${o.deployment}' was unhealthy at ${label} of traffic: ${health.reasons.join('; ')}`,
          );
        }
      }
      const final = trafficOf(this.endpoint).traffic;
      const deleted = o.deleteOld ? await this.deleteOld(final) : [];
      return { traffic: final, previous: this.previous.traffic, rows: this.rows, deleted };
    } catch (err) {
      throw await this.undo(err, changedTraffic);
    } finally {
      this.scorer.close();
    }
  }

  private async apply(traffic: Traffic, mirror: Traffic, what: string): Promise<void> {
    this.host.info(`Traffic ${what}`);
    this.endpoint = await setTraffic(this.ctx, this.host, this.endpoint, traffic, mirror, {
      timeoutMs: this.options.operationTimeoutMs,
    });
  }

  /** One round of the smoke cases through the deployment header. */
  private async smoke(title: string): Promise<{ ok: boolean; text: string; reasons: string[] }> {
    const cases = this.options.cases;
    if (cases.length === 0) return { ok: true, text: 'no cases', reasons: [] };
    const results = await this.host.group(`Smoke test of '${this.options.deployment}': ${title}`, async () => {
      const r = await this.scorer.runAll(cases, { timeoutMs: this.options.requestTimeoutMs, signal: this.host.signal });
      for (const x of r)
        this.host.info(
          `${x.passed ? 'passed' : 'FAILED'}  ${x.name}  ${x.status ?? '-'}  ${Math.round(x.latencyMs)} ms${x.passed ? '' : `  ${x.reasons.join('; ')}`}`,
        );
      return r;
    });
    return summarize(results);
  }

  /**
   * The health window: the smoke cases go to the new deployment over and over for `ms`; it is
   * healthy when the last round passes and the share of failed requests stays within bounds.
   */
  private async watch(ms: number, label: string): Promise<{ ok: boolean; text: string; reasons: string[] }> {
    const o = this.options;
    const deadline = Date.now() + ms;
    if (o.cases.length === 0) {
      await sleep(ms, this.host.signal);
      return { ok: true, text: 'no cases', reasons: [] };
    }
    let sent = 0;
    let failed = 0;
    let last: SmokeCaseResult[];
    const failures = new Set<string>();
    do {
      last = await this.scorer.runAll(o.cases, { timeoutMs: o.requestTimeoutMs, signal: this.host.signal });
      sent += last.length;
      for (const r of last.filter((x) => !x.passed)) {
        failed++;
        failures.add(`${r.name}: ${r.reasons.join('; ')}`);
      }
      const pause = Math.min(250, deadline - Date.now());
      if (pause > 0) await sleep(pause, this.host.signal);
    } while (Date.now() < deadline);
    const rate = sent ? failed / sent : 0;
    const reasons: string[] = [];
    if (rate > o.maxErrorRate) {
      reasons.push(
        `${failed} of ${sent} requests failed (${(rate * 100).toFixed(1)}%, allowed ${(o.maxErrorRate * 100).toFixed(1)}%): ${[...failures].slice(0, 3).join(' | ')}`,
      );
    }
    const lastRound = summarize(last);
    if (!lastRound.ok && reasons.length === 0) reasons.push(...lastRound.reasons);
    const text = `${reasons.length ? '❌' : '✅'} ${sent - failed}/${sent} ok`;
    this.host.info(`Health at ${label}: ${sent - failed} of ${sent} requests passed`);
    return { ok: reasons.length === 0, text, reasons };
  }

  private async deleteOld(final: Traffic): Promise<string[]> {
    const old = Object.keys(this.previous.traffic).filter(
      (name) => share(final, name) === 0 && name.toLowerCase() !== this.options.deployment.toLowerCase(),
    );
    for (const name of old) {
      this.host.info(`Deleting old deployment '${name}' (no traffic left)`);
      await deleteDeployment(this.ctx, this.host, this.endpoint.name ?? '', name, {
        timeoutMs: this.options.operationTimeoutMs,
      });
    }
    return old;
  }

  /** Puts the previous split back (even after a cancel) and deletes the failed deployment. */
  private async undo(err: unknown, changedTraffic: boolean): Promise<unknown> {
    const o = this.options;
    const canceled = err instanceof CanceledError || this.host.signal.aborted;
    // After a cancel the run's signal is aborted: cleanup needs its own.
    const signal = AbortSignal.timeout(o.operationTimeoutMs);
    const ctx = cleanupContext(this.ctx, this.host, o.operationTimeoutMs);
    let restored = !changedTraffic;
    const problems: string[] = [];
    if (changedTraffic) {
      this.host.info(`Restoring the previous traffic: ${formatTraffic(this.previous.traffic)}`);
      try {
        this.endpoint = await setTraffic(
          ctx,
          this.host,
          this.endpoint,
          this.previous.traffic,
          this.previous.mirrorTraffic,
          { timeoutMs: o.operationTimeoutMs, signal },
        );
        restored = true;
        this.rows.push({ step: 'rolled back', traffic: this.previous.traffic, smoke: '' });
      } catch (restoreErr) {
        problems.push(`restoring the previous traffic failed too: ${errorMessage(restoreErr)}`);
      }
    }
    const deleted: string[] = [];
    if (restored && o.deleteFailed && o.deploymentIsNew) {
      this.host.info(`Deleting the failed deployment '${o.deployment}'`);
      try {
        await deleteDeployment(ctx, this.host, this.endpoint.name ?? '', o.deployment, {
          timeoutMs: o.operationTimeoutMs,
          signal,
        });
        deleted.push(o.deployment);
      } catch (deleteErr) {
        problems.push(`deleting deployment '${o.deployment}' failed: ${errorMessage(deleteErr)}`);
      }
    }
    if (canceled) {
      for (const p of problems) this.host.warning(p);
      return err instanceof CanceledError ? err : new CanceledError();
    }
    const undone = restored
      ? `traffic restored to ${formatTraffic(this.previous.traffic)}${deleted.length ? `, deployment '${o.deployment}' deleted` : ''}`
      : 'traffic NOT restored';
    return new RolloutFailed(
      `rollout of '${o.deployment}' failed and was rolled back (${undone}): ${errorMessage(err)}${problems.length ? `; ${problems.join('; ')}` : ''}`,
      this.rows,
      restored,
      deleted,
    );
  }
}

function summarize(results: SmokeCaseResult[]): { ok: boolean; text: string; reasons: string[] } {
  const passed = results.filter((r) => r.passed).length;
  const reasons = failureReasons(results);
  return {
    ok: reasons.length === 0,
    text: `${reasons.length ? '❌' : '✅'} ${passed}/${results.length} passed`,
    reasons,
  };
}

function withoutKey(t: Traffic, key: string): Traffic {
  return Object.fromEntries(Object.entries(t).filter(([k]) => k.toLowerCase() !== key.toLowerCase()));
}
