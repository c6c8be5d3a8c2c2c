import {
  isEvaluationPoint,
  parsePolicy,
  shouldStop,
  type TerminationPolicy,
} from '../../emulator/jobs/early-termination';
import { parseDistribution, sampleTrials, seededRandom } from '../../emulator/jobs/sampling';
import { resolveCommand } from '../../emulator/jobs/bindings';
import { durationMs } from '../../emulator/jobs/durations';

/** The pure parts of sweeps and commands, table-driven. */

describe('search space distributions (REST and YAML forms)', () => {
  test.each([
    [['choice', [['a', 'b']]], { type: 'choice', values: ['a', 'b'] }],
    [
      { type: 'choice', values: [1, 2] },
      { type: 'choice', values: [1, 2] },
    ],
    [['randint', [5]], { type: 'randint', upper: 5 }],
    [['uniform', [0.1, 1]], { type: 'uniform', min: 0.1, max: 1 }],
    [
      { type: 'loguniform', min_value: -3, max_value: 0 },
      { type: 'loguniform', min: -3, max: 0 },
    ],
    [['quniform', [0, 10, 2]], { type: 'quniform', min: 0, max: 10, q: 2 }],
    [['normal', [0, 1]], { type: 'normal', mu: 0, sigma: 1 }],
  ])('%j', (spec, expected) => {
    expect(parseDistribution('p', spec)).toEqual(expected);
  });

  test('unknown distributions and empty choices are errors', () => {
    expect(() => parseDistribution('p', ['gamma', [1]])).toThrow(/unknown distribution 'gamma'/);
    expect(() => parseDistribution('p', ['choice', [[]]])).toThrow(/needs values/);
  });
});

describe('trial sampling', () => {
  const space = {
    b: parseDistribution('b', ['choice', [['x', 'y']]]),
    c: parseDistribution('c', ['choice', [[1, 2, 3]]]),
  };

  test('grid enumerates every combination once, up to the limit', () => {
    expect(sampleTrials('Grid', space, 20, 0)).toHaveLength(6);
    expect(sampleTrials('grid', space, 4, 0)).toEqual([
      { b: 'x', c: 1 },
      { b: 'x', c: 2 },
      { b: 'x', c: 3 },
      { b: 'y', c: 1 },
    ]);
    expect(() => sampleTrials('Grid', { u: parseDistribution('u', ['uniform', [0, 1]]) }, 3, 0)).toThrow(
      /grid sampling/,
    );
  });

  test('random sampling is repeatable with a seed and stays inside the distributions', () => {
    const mixed = {
      u: parseDistribution('u', ['uniform', [2, 3]]),
      q: parseDistribution('q', ['quniform', [0, 10, 5]]),
    };
    const a = sampleTrials('Random', mixed, 10, 42);
    expect(sampleTrials('Random', mixed, 10, 42)).toEqual(a);
    expect(sampleTrials('Random', mixed, 10, 43)).not.toEqual(a);
    for (const t of a) {
      expect(t.u).toBeGreaterThanOrEqual(2);
      expect(t.u).toBeLessThan(3);
      expect([0, 5, 10]).toContain(t.q);
    }
    const r = seededRandom(1);
    expect(Array.from({ length: 1000 }, r).every((x) => x >= 0 && x < 1)).toBe(true);
  });
});

describe('early termination', () => {
  const bandit: TerminationPolicy = parsePolicy({ policyType: 'Bandit', slackFactor: 0.1, evaluationInterval: 1 })!;
  const histories = new Map([
    ['good', [0.5, 0.8, 0.9]],
    ['close', [0.5, 0.75, 0.85]],
    ['bad', [0.4, 0.5, 0.55]],
  ]);

  test('policies read both wire forms', () => {
    expect(parsePolicy({ type: 'truncation_selection', truncation_percentage: 20, delay_evaluation: 3 })).toMatchObject(
      {
        type: 'TruncationSelection',
        truncationPercentage: 20,
        delayEvaluation: 3,
      },
    );
    expect(parsePolicy({ policyType: 'MedianStopping' })?.type).toBe('MedianStopping');
    expect(parsePolicy({ policyType: 'Something' })).toBeUndefined();
  });

  test('evaluation points respect delay and interval', () => {
    const p = parsePolicy({ policyType: 'Bandit', delayEvaluation: 4, evaluationInterval: 2 })!;
    expect([1, 2, 3, 4, 5, 6].map((n) => isEvaluationPoint(p, n))).toEqual([false, false, false, true, false, true]);
  });

  test.each([
    ['bandit stops what is outside the slack of the best', bandit, true, 'bad', 2, true],
    ['bandit keeps what is inside the slack', bandit, true, 'close', 2, false],
    [
      'bandit with slack amount, minimizing',
      parsePolicy({ policyType: 'Bandit', slackAmount: 0.2 })!,
      false,
      'good',
      3,
      true,
    ],
    [
      'median stopping stops a trial below the median of averages',
      parsePolicy({ policyType: 'MedianStopping' })!,
      true,
      'bad',
      3,
      true,
    ],
    ['median stopping keeps the leader', parsePolicy({ policyType: 'MedianStopping' })!, true, 'good', 3, false],
    [
      'truncation cuts the lowest share',
      parsePolicy({ policyType: 'TruncationSelection', truncationPercentage: 34 })!,
      true,
      'bad',
      2,
      true,
    ],
    [
      'truncation keeps the rest',
      parsePolicy({ policyType: 'TruncationSelection', truncationPercentage: 34 })!,
      true,
      'close',
      2,
      false,
    ],
  ])('%s', (_name, policy, maximize, trial, n, stop) => {
    expect(shouldStop(policy, maximize, trial, n, histories)).toBe(stop);
  });
});

describe('command bindings', () => {
  const values = { inputs: { lr: '0.1', data: '/tmp/in', off: undefined }, outputs: { model: '/tmp/out' } };

  test.each([
    ['python t.py --lr ${{inputs.lr}} --out ${{outputs.model}}', 'python t.py --lr 0.1 --out /tmp/out'],
    ['run $[[--data ${{inputs.data}}]] $[[--off ${{inputs.off}}]]', 'run --data /tmp/in '],
    ['echo ${{ inputs.lr }}', 'echo 0.1'],
  ])('%s', (command, expected) => {
    expect(resolveCommand(command, values)).toBe(expected);
  });

  test('unknown and unset references are errors', () => {
    expect(() => resolveCommand('echo ${{inputs.nope}}', values)).toThrow(/has no inputs 'nope'/);
    expect(() => resolveCommand('echo ${{inputs.off}}', values)).toThrow(/has no value/);
    expect(() => resolveCommand('echo ${{parent.inputs.x}}', values)).toThrow(/only inputs, outputs and search_space/);
  });
});

test.each([
  ['PT1H30M', 5_400_000],
  ['P1DT2S', 86_402_000],
  ['3600', 3_600_000],
  [90, 90_000],
  ['PT', undefined],
  ['soon', undefined],
])('duration %j', (value, ms) => {
  expect(durationMs(value)).toBe(ms);
});
