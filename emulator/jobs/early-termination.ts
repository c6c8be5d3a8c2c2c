import { isRecord } from '../http';

/**
 * Sweep early termination as Azure ML documents it. Each value a trial logs for the primary
 * metric is one interval; a policy is applied at intervals n >= delay_evaluation where n is a
 * multiple of evaluation_interval, comparing the trial with the others at that same interval:
 * - Bandit: stop when the value is outside the slack (factor or amount) of the best value at n;
 * - MedianStopping: stop when the trial's best so far is worse than the median of the running
 *   averages (first n values) of the other trials;
 * - TruncationSelection: stop when the trial is among the lowest truncation_percentage % at n.
 */

export interface TerminationPolicy {
  type: 'Bandit' | 'MedianStopping' | 'TruncationSelection';
  delayEvaluation: number;
  evaluationInterval: number;
  slackFactor?: number;
  slackAmount?: number;
  truncationPercentage: number;
}

const TYPES: Record<string, TerminationPolicy['type']> = {
  bandit: 'Bandit',
  medianstopping: 'MedianStopping',
  median_stopping: 'MedianStopping',
  truncationselection: 'TruncationSelection',
  truncation_selection: 'TruncationSelection',
};

const numberOr = (v: unknown, fallback: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
const optional = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Reads the REST form (policyType, slackFactor, ...) or the YAML form (type, slack_factor, ...). */
export function parsePolicy(spec: unknown): TerminationPolicy | undefined {
  if (!isRecord(spec)) return undefined;
  const type = TYPES[String(spec.policyType ?? spec.type ?? '').toLowerCase()];
  if (!type) return undefined;
  return {
    type,
    delayEvaluation: numberOr(spec.delayEvaluation ?? spec.delay_evaluation, 0),
    evaluationInterval: numberOr(spec.evaluationInterval ?? spec.evaluation_interval, 1),
    slackFactor: optional(spec.slackFactor ?? spec.slack_factor),
    slackAmount: optional(spec.slackAmount ?? spec.slack_amount),
    truncationPercentage: numberOr(spec.truncationPercentage ?? spec.truncation_percentage, 0),
  };
}

export function isEvaluationPoint(policy: TerminationPolicy, n: number): boolean {
  const interval = Math.max(1, Math.floor(policy.evaluationInterval));
  return n >= Math.max(1, policy.delayEvaluation) && n % interval === 0;
}

/** Whether the trial should stop at interval n. `histories` holds every trial's values, the trial's own included. */
export function shouldStop(
  policy: TerminationPolicy,
  maximize: boolean,
  trial: string,
  n: number,
  histories: ReadonlyMap<string, number[]>,
): boolean {
  const own = histories.get(trial);
  if (!own || own.length < n) return false;
  const value = own[n - 1];
  const better = (a: number, b: number): boolean => (maximize ? a > b : a < b);
  const atN = [...histories.entries()].filter(([, h]) => h.length >= n);

  if (policy.type === 'Bandit') {
    const best = atN.map(([, h]) => h[n - 1]).reduce((a, b) => (better(b, a) ? b : a), value);
    if (policy.slackAmount !== undefined)
      return maximize ? value < best - policy.slackAmount : value > best + policy.slackAmount;
    const factor = policy.slackFactor ?? 0;
    return maximize ? value < best / (1 + factor) : value > best * (1 + factor);
  }
  if (policy.type === 'MedianStopping') {
    const others = atN.filter(([name]) => name !== trial);
    if (others.length === 0) return false;
    const averages = others.map(([, h]) => h.slice(0, n).reduce((a, b) => a + b, 0) / n).sort((a, b) => a - b);
    const mid = Math.floor(averages.length / 2);
    const median = averages.length % 2 ? averages[mid] : (averages[mid - 1] + averages[mid]) / 2;
    const bestSoFar = own.slice(0, n).reduce((a, b) => (better(b, a) ? b : a));
    return better(median, bestSoFar);
  }
  // TruncationSelection: rank everyone at n, worst first.
  if (atN.length < 2) return false;
  const ranked = atN
    .map(([name, h]) => ({ name, v: h[n - 1] }))
    .sort((a, b) => (better(a.v, b.v) ? 1 : better(b.v, a.v) ? -1 : 0));
  const cut = Math.floor((atN.length * policy.truncationPercentage) / 100);
  return ranked.slice(0, cut).some((r) => r.name === trial);
}
