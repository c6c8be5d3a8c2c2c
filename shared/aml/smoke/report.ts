import type { SmokeCaseResult } from './types';

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

/** Markdown table of case results for the run summary. */
export function smokeTable(results: SmokeCaseResult[]): string {
  const batch = results.some((r) => r.jobName);
  const lines = [
    batch ? '| case | result | job | status | time | details |' : '| case | result | status | latency | details |',
    batch ? '|---|---|---|---|---|---|' : '|---|---|---|---|---|',
  ];
  for (const r of results) {
    const result = r.passed ? '✅ passed' : '❌ failed';
    const details = cell(r.passed ? (r.excerpt ?? '') : r.reasons.join('; '));
    const time = `${Math.round(r.latencyMs)} ms`;
    lines.push(
      batch
        ? `| ${cell(r.name)} | ${result} | ${cell(r.jobName ?? '')} | ${cell(r.jobStatus ?? '')} | ${time} | ${details} |`
        : `| ${cell(r.name)} | ${result} | ${r.status ?? '-'} | ${time} | ${details} |`,
    );
  }
  return lines.join('\n');
}

/** One line per failing case: name, where it was declared, and why. */
export function failureReasons(results: SmokeCaseResult[]): string[] {
  return results.filter((r) => !r.passed).map((r) => `${r.name} (${r.source}): ${r.reasons.join('; ')}`);
}

/** Log lines of case results. */
export function resultLines(results: SmokeCaseResult[]): string[] {
  return results.map(
    (r) =>
      `${r.passed ? 'passed' : 'FAILED'}  ${r.name}  ${r.status ?? r.jobStatus ?? '-'}  ${Math.round(r.latencyMs)} ms${r.passed ? '' : `  ${r.reasons.join('; ')}`}`,
  );
}
