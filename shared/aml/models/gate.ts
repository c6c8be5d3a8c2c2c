export type Goal = 'maximize' | 'minimize';

export interface GateDecision {
  pass: boolean;
  /** One sentence for the log and the error: what was compared and the outcome. */
  message: string;
}

const fmt = (n: number): string => String(Number.isInteger(n) ? n : Number(n.toPrecision(10)));

/**
 * Compares a candidate's metric with the baseline's. The candidate passes when it is better by at
 * least minImprovement (absolute, in the metric's direction); 0 lets an equal value pass.
 */
export function decideGate(options: {
  metric: string;
  goal: Goal;
  minImprovement: number;
  candidate: number;
  baseline: number;
  baselineLabel: string;
}): GateDecision {
  const { metric, goal, minImprovement, candidate, baseline, baselineLabel } = options;
  const improvement = goal === 'maximize' ? candidate - baseline : baseline - candidate;
  const pass = improvement >= minImprovement - 1e-12;
  const direction = goal === 'maximize' ? 'higher' : 'lower';
  const need =
    minImprovement > 0
      ? `at least ${fmt(minImprovement)} ${direction} than`
      : `at least as ${direction === 'higher' ? 'high' : 'low'} as`;
  const message = pass
    ? `${metric} ${fmt(candidate)} is ${need} ${baselineLabel}'s ${fmt(baseline)} (${goal})`
    : `${metric} ${fmt(candidate)} is worse than required: it must be ${need} ${baselineLabel}'s ${fmt(baseline)} (${goal})`;
  return { pass, message };
}

/** `key=value` (the value may contain '='); undefined when the text is not of that form. */
export function parseTag(text: string): { key: string; value: string } | undefined {
  const i = text.indexOf('=');
  if (i <= 0) return undefined;
  const key = text.slice(0, i).trim();
  return key ? { key, value: text.slice(i + 1).trim() } : undefined;
}
