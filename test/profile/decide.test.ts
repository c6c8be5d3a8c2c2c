import { decide, type LevelResult } from '../../shared/aml/profile/decide';
import type { Goal } from '../../shared/aml/profile/plan';
import { buildReport, summaryMarkdown } from '../../shared/aml/profile/report';
import { shippedPriceTable } from '../../shared/aml/profile/price-table';

const level = (concurrency: number, rps: number, p95Ms: number, errorRate = 0): LevelResult => ({
  concurrency,
  rps,
  p50Ms: p95Ms / 2,
  p90Ms: p95Ms * 0.9,
  p95Ms,
  p99Ms: p95Ms * 1.1,
  meanMs: p95Ms / 2,
  errorRate,
  requests: 100,
  errors: 0,
  non2xx: Math.round(errorRate * 100),
  durationSeconds: 5,
  statusCodes: { '200': 100 },
});

const candidate = (instanceType: string, pricePerHour: number, levels: LevelResult[], failure?: string, count = 1) => ({
  instanceType,
  count,
  pricePerHour,
  deployment: `d-${instanceType}`,
  levels,
  failure,
});

const goal: Goal = { p95Ms: 300, rps: 20, maxErrorRate: 0.01 };

test.each([
  {
    name: 'cheapest meeting the goal is recommended; the dearer one loses on price, the small one on latency',
    candidates: [
      candidate('Small', 0.1, [level(4, 25, 900), level(16, 26, 2000)]),
      candidate('Medium', 0.2, [level(4, 40, 150), level(16, 60, 400)]),
      candidate('Large', 0.4, [level(4, 45, 100), level(16, 150, 150)]),
    ],
    verdicts: ['misses-goal', 'recommended', 'meets-goal'],
    shortfalls: [['latency'], [], ['price']],
  },
  {
    name: 'judged at the lowest level that reaches the target rps',
    candidates: [candidate('A', 0.1, [level(1, 8, 100), level(4, 30, 250), level(16, 32, 900)])],
    verdicts: ['recommended'],
    shortfalls: [[]],
  },
  {
    name: 'never reaching the rps target fails on rps; errors fail on errors; a failed deployment is reported',
    candidates: [
      candidate('Slow', 0.1, [level(1, 5, 100), level(4, 12, 200)]),
      candidate('Flaky', 0.1, [level(1, 30, 100, 0.2)]),
      candidate('Broken', 0.05, [], 'init() raised ValueError: no model'),
    ],
    verdicts: ['misses-goal', 'misses-goal', 'failed'],
    shortfalls: [['rps'], ['errors'], ['deployment']],
  },
  {
    name: 'price is per hour times count: two small instances beat one large one only when cheaper',
    candidates: [
      candidate('Large', 0.3, [level(4, 40, 100)]),
      candidate('Small', 0.4, [level(4, 40, 100)], undefined, 2),
    ],
    verdicts: ['recommended', 'meets-goal'],
    shortfalls: [[], ['price']],
  },
])('$name', ({ candidates, verdicts, shortfalls }) => {
  const { results } = decide(candidates, goal, 'USD');
  expect(results.map((r) => r.verdict)).toEqual(verdicts);
  expect(results.map((r) => r.shortfalls)).toEqual(shortfalls);
});

test('every verdict explains itself with the numbers', () => {
  const { results, recommended } = decide(
    [
      candidate('Standard_DS1_v2', 0.073, [level(4, 25, 900)]),
      candidate('Standard_DS2_v2', 0.146, [level(4, 40, 150)]),
      candidate('Standard_DS3_v2', 0.293, [level(4, 45, 100)]),
      candidate('Standard_F2s_v2', 0.085, [level(4, 10, 100)]),
    ],
    goal,
    'USD',
  );
  expect(recommended?.instanceType).toBe('Standard_DS2_v2');
  expect(results[0].reason).toBe('p95 latency 900 ms exceeds the goal of 300 ms at concurrency 4 (25 rps)');
  expect(results[2].reason).toMatch(
    /meets the goal .* but costs \$0\.293\/h, more than Standard_DS2_v2 at \$0\.146\/h/,
  );
  expect(results[3].reason).toBe('reaches at most 10 rps (at concurrency 4), below the target 20 rps');
});

test('without an rps goal the lowest level is judged', () => {
  const { results } = decide(
    [candidate('A', 0.1, [level(1, 5, 100), level(8, 9, 800)])],
    { p95Ms: 200, maxErrorRate: 0 },
    'USD',
  );
  expect(results[0].verdict).toBe('recommended');
  expect(results[0].judgedAt).toBe(1);
});

test('the summary has the verdict table, the measurements and a mermaid chart with the goal line', () => {
  const { results, recommended } = decide(
    [
      candidate('Standard_DS1_v2', 0.073, [level(4, 25, 900), level(8, 26, 1800)]),
      candidate('Standard_DS2_v2', 0.146, [level(4, 40, 150), level(8, 50, 300)]),
      candidate('Standard_DS3_v2', 0.293, [], 'deployment failed: init() raised'),
    ],
    goal,
    'USD',
  );
  const md = summaryMarkdown(buildReport('prof', goal, shippedPriceTable(), results, recommended));
  expect(md).toContain('**Recommended: `Standard_DS2_v2` × 1** at $0.146/h');
  expect(md).toContain('| Standard_DS3_v2 | $0.293 | 💥 failed | deployment failed: init() raised |');
  expect(md).toContain('| Standard_DS2_v2 ◀ | 4 | 40 | 75 | 135 | 150 | 165 | 75 | 0% |');
  expect(md).toContain('```mermaid\nxychart-beta');
  expect(md).toContain('x-axis "concurrent requests" [4, 8]');
  expect(md).toContain('  line [900, 1800]\n  line [150, 300]\n  line [300, 300]\n```');
  expect(md).toContain('Lines in order: 1. Standard_DS1_v2, 2. Standard_DS2_v2, 3. the goal (300 ms).');
  expect(md).toMatch(/shipped approximate list prices \(eastus, 2024-10; USD\)/);
});
