import { label, type CandidateResult } from './decide';
import type { Goal } from './plan';
import { formatMoney, type PriceTable } from './price-table';

export interface ProfileReport {
  endpoint: string;
  goal: { p95Ms: number; rps?: number; maxErrorRatePercent: number };
  prices: { currency: string; region?: string; asOf?: string; source: string };
  recommended: { instanceType: string; instanceCount: number; pricePerHour: number } | null;
  candidates: CandidateResult[];
}

export function buildReport(
  endpoint: string,
  goal: Goal,
  prices: PriceTable,
  results: CandidateResult[],
  recommended: CandidateResult | undefined,
): ProfileReport {
  return {
    endpoint,
    goal: { p95Ms: goal.p95Ms, rps: goal.rps, maxErrorRatePercent: goal.maxErrorRate * 100 },
    prices: { currency: prices.currency, region: prices.region, asOf: prices.asOf, source: prices.source },
    recommended: recommended
      ? {
          instanceType: recommended.instanceType,
          instanceCount: recommended.count,
          pricePerHour: recommended.pricePerHour,
        }
      : null,
    candidates: results,
  };
}

const ICON: Record<CandidateResult['verdict'], string> = {
  recommended: '✅',
  'meets-goal': '☑️',
  'misses-goal': '❌',
  failed: '💥',
};

/** Markdown for the job summary: verdicts, measurements per level, and p95 latency against load. */
export function summaryMarkdown(report: ProfileReport): string {
  const { currency } = report.prices;
  const goalText = [
    `p95 ≤ ${report.goal.p95Ms} ms`,
    report.goal.rps !== undefined ? `≥ ${report.goal.rps} rps` : undefined,
    `errors ≤ ${report.goal.maxErrorRatePercent}%`,
  ]
    .filter(Boolean)
    .join(', ');
  const rec = report.recommended;
  const lines = [
    `### Azure ML profile on endpoint \`${report.endpoint}\``,
    '',
    rec
      ? `**Recommended: \`${rec.instanceType}\` × ${rec.instanceCount}** at ${formatMoney(rec.pricePerHour, currency)}/h — goal: ${goalText}.`
      : `**No candidate meets the goal** (${goalText}).`,
    '',
    '| candidate | price/h | verdict | why |',
    '|---|---|---|---|',
    ...report.candidates.map(
      (c) =>
        `| ${label(c)} | ${formatMoney(c.pricePerHour, currency)} | ${ICON[c.verdict]} ${c.verdict} | ${escape(c.reason)} |`,
    ),
    '',
  ];
  const measured = report.candidates.filter((c) => c.levels.length > 0);
  if (measured.length) {
    lines.push(
      '| candidate | concurrency | rps | p50 ms | p90 ms | p95 ms | p99 ms | mean ms | errors |',
      '|---|---|---|---|---|---|---|---|---|',
    );
    for (const c of measured) {
      for (const l of c.levels) {
        const judged = c.judgedAt === l.concurrency ? ' ◀' : '';
        lines.push(
          `| ${label(c)}${judged} | ${l.concurrency} | ${l.rps} | ${l.p50Ms} | ${l.p90Ms} | ${l.p95Ms} | ${l.p99Ms} | ${l.meanMs} | ${Math.round(l.errorRate * 1000) / 10}% |`,
        );
      }
    }
    lines.push('', '◀ the level the goal was judged at.', '', ...chart(measured, report.goal.p95Ms), '');
  }
  lines.push(
    `Prices: ${report.prices.source === 'shipped list prices' ? `shipped approximate list prices (${report.prices.region ?? ''}, ${report.prices.asOf ?? ''}; ${currency})` : report.prices.source}, per hour times instance count.`,
    '',
  );
  return lines.join('\n');
}

/** A mermaid xychart (GitHub renders it): p95 latency per concurrency level, one line per candidate, plus the goal. */
function chart(measured: CandidateResult[], goalMs: number): string[] {
  const levels = [...new Set(measured.flatMap((c) => c.levels.map((l) => l.concurrency)))].sort((a, b) => a - b);
  const series = measured.map((c) => levels.map((level) => c.levels.find((l) => l.concurrency === level)?.p95Ms ?? 0));
  const top = Math.max(goalMs, ...series.flat());
  return [
    '```mermaid',
    'xychart-beta',
    '  title "p95 latency (ms) by concurrency"',
    `  x-axis "concurrent requests" [${levels.join(', ')}]`,
    `  y-axis "p95 latency (ms)" 0 --> ${Math.ceil(top * 1.1)}`,
    ...series.map((s) => `  line [${s.join(', ')}]`),
    `  line [${levels.map(() => goalMs).join(', ')}]`,
    '```',
    '',
    `Lines in order: ${measured.map((c, i) => `${i + 1}. ${label(c)}`).join(', ')}, ${measured.length + 1}. the goal (${goalMs} ms).`,
  ];
}

const escape = (text: string) => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
