import type { LoadResult } from '../load/load-generator';
import type { Candidate, Goal } from './plan';
import { formatMoney } from './price-table';

export interface LevelResult {
  concurrency: number;
  rps: number;
  p50Ms: number;
  p90Ms: number;
  p95Ms: number;
  p99Ms: number;
  meanMs: number;
  /** Fraction, 0..1. */
  errorRate: number;
  requests: number;
  errors: number;
  non2xx: number;
  durationSeconds: number;
  statusCodes: Record<string, number>;
}

export type Verdict = 'recommended' | 'meets-goal' | 'misses-goal' | 'failed';
/** What a candidate fell short on; `price` means it met the goal but a cheaper one did too. */
export type Shortfall = 'latency' | 'rps' | 'errors' | 'price' | 'deployment';

export interface CandidateResult extends Candidate {
  deployment: string;
  levels: LevelResult[];
  /** Set when the deployment could not be created or did not answer: the candidate was not measured. */
  failure?: string;
  verdict: Verdict;
  shortfalls: Shortfall[];
  /** The concurrency level the goal was judged at. */
  judgedAt?: number;
  reason: string;
}

export function levelResult(concurrency: number, r: LoadResult): LevelResult {
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    concurrency,
    rps: round(r.rps),
    p50Ms: round(r.latency.p50),
    p90Ms: round(r.latency.p90),
    p95Ms: round(r.latency.p95),
    p99Ms: round(r.latency.p99),
    meanMs: round(r.latency.mean),
    errorRate: Math.round(r.errorRate * 10000) / 10000,
    requests: r.responses + r.errors,
    errors: r.errors,
    non2xx: r.non2xx,
    durationSeconds: r.durationSeconds,
    statusCodes: r.statusCodes,
  };
}

const pct = (fraction: number) => `${Math.round(fraction * 1000) / 10}%`;

/**
 * Judges each measured candidate at the lowest concurrency level that reaches the target rps (the
 * lowest level at all without an rps goal): latency and errors only grow with more concurrency, so
 * that level is the candidate's best chance at the goal. The cheapest candidate meeting the goal
 * (price per hour times instance count; fewer instances, then input order, break ties) is recommended.
 */
export function decide(
  measured: Omit<CandidateResult, 'verdict' | 'shortfalls' | 'reason' | 'judgedAt'>[],
  goal: Goal,
  currency: string,
): { results: CandidateResult[]; recommended?: CandidateResult } {
  const results: CandidateResult[] = measured.map((m) => ({ ...m, ...judge(m, goal) }));
  const meeting = results
    .map((r, index) => ({ r, index }))
    .filter(({ r }) => r.verdict === 'meets-goal')
    .sort((a, b) => a.r.pricePerHour - b.r.pricePerHour || a.r.count - b.r.count || a.index - b.index);
  const recommended = meeting[0]?.r;
  if (recommended) {
    recommended.verdict = 'recommended';
    recommended.reason = `cheapest that meets the goal: ${recommended.reason}`;
    for (const { r } of meeting.slice(1)) {
      r.shortfalls = ['price'];
      r.reason =
        `meets the goal (${r.reason}) but costs ${formatMoney(r.pricePerHour, currency)}/h, ` +
        `more than ${label(recommended)} at ${formatMoney(recommended.pricePerHour, currency)}/h`;
    }
  }
  return { results, recommended };
}

export const label = (c: Pick<Candidate, 'instanceType' | 'count'>) =>
  c.count === 1 ? c.instanceType : `${c.instanceType} x${c.count}`;

function judge(
  m: Pick<CandidateResult, 'levels' | 'failure'>,
  goal: Goal,
): Pick<CandidateResult, 'verdict' | 'shortfalls' | 'reason' | 'judgedAt'> {
  if (m.failure !== undefined || m.levels.length === 0) {
    return { verdict: 'failed', shortfalls: ['deployment'], reason: m.failure ?? 'not measured' };
  }
  const level = goal.rps === undefined ? m.levels[0] : m.levels.find((l) => l.rps >= goal.rps!);
  if (!level) {
    const peak = m.levels.reduce((a, b) => (b.rps > a.rps ? b : a));
    return {
      verdict: 'misses-goal',
      shortfalls: ['rps'],
      reason: `reaches at most ${peak.rps} rps (at concurrency ${peak.concurrency}), below the target ${goal.rps} rps`,
    };
  }
  const shortfalls: Shortfall[] = [];
  const problems: string[] = [];
  if (level.p95Ms > goal.p95Ms) {
    shortfalls.push('latency');
    problems.push(`p95 latency ${level.p95Ms} ms exceeds the goal of ${goal.p95Ms} ms`);
  }
  if (level.errorRate > goal.maxErrorRate) {
    shortfalls.push('errors');
    problems.push(`${pct(level.errorRate)} of requests failed, more than the allowed ${pct(goal.maxErrorRate)}`);
  }
  const at = `at concurrency ${level.concurrency} (${level.rps} rps)`;
  if (problems.length)
    return { verdict: 'misses-goal', shortfalls, judgedAt: level.concurrency, reason: `${problems.join('; ')} ${at}` };
  return {
    verdict: 'meets-goal',
    shortfalls: [],
    judgedAt: level.concurrency,
    reason: `p95 ${level.p95Ms} ms, ${pct(level.errorRate)} errors ${at}`,
  };
}
