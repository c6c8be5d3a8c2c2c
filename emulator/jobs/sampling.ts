import { isRecord } from '../http';

/**
 * Hyperparameter sampling for sweeps: grid (every combination of choice values), random (seeded)
 * and bayesian (sampled like random: the emulator has no model of earlier trials). Distributions
 * come in the REST form ['uniform', [0.1, 1.0]] or the YAML form {type: 'uniform', min_value, max_value}.
 */

export type Distribution =
  | { type: 'choice'; values: unknown[] }
  | { type: 'randint'; upper: number }
  | { type: 'uniform' | 'loguniform'; min: number; max: number; q?: number }
  | { type: 'quniform' | 'qloguniform'; min: number; max: number; q: number }
  | { type: 'normal' | 'lognormal' | 'qnormal' | 'qlognormal'; mu: number; sigma: number; q?: number };

export class SamplingError extends Error {}

const num = (v: unknown, what: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new SamplingError(`${what} must be a number, not ${JSON.stringify(v)}`);
  return n;
};

export function parseDistribution(name: string, spec: unknown): Distribution {
  let type: string;
  let args: unknown[];
  if (Array.isArray(spec) && typeof spec[0] === 'string') {
    type = spec[0].toLowerCase();
    args = Array.isArray(spec[1]) ? spec[1] : [];
  } else if (isRecord(spec) && typeof spec.type === 'string') {
    type = spec.type.toLowerCase();
    const s = spec;
    args =
      type === 'choice'
        ? [s.values]
        : type === 'randint'
          ? [s.upper]
          : type.includes('normal')
            ? [s.mu, s.sigma, s.q]
            : [s.min_value ?? s.minValue, s.max_value ?? s.maxValue, s.q];
  } else {
    throw new SamplingError(`search space '${name}' is not a distribution: ${JSON.stringify(spec)}`);
  }
  switch (type) {
    case 'choice': {
      // REST wraps the list once more: ['choice', [[a, b, c]]].
      const values = Array.isArray(args[0]) ? args[0] : args;
      if (values.length === 0) throw new SamplingError(`search space '${name}': choice needs values`);
      return { type, values };
    }
    case 'randint':
      return { type, upper: num(args[0], `${name}.upper`) };
    case 'uniform':
    case 'loguniform':
      return { type, min: num(args[0], `${name}.min_value`), max: num(args[1], `${name}.max_value`) };
    case 'quniform':
    case 'qloguniform':
      return {
        type,
        min: num(args[0], `${name}.min_value`),
        max: num(args[1], `${name}.max_value`),
        q: num(args[2], `${name}.q`),
      };
    case 'normal':
    case 'lognormal':
      return { type, mu: num(args[0], `${name}.mu`), sigma: num(args[1], `${name}.sigma`) };
    case 'qnormal':
    case 'qlognormal':
      return {
        type,
        mu: num(args[0], `${name}.mu`),
        sigma: num(args[1], `${name}.sigma`),
        q: num(args[2], `${name}.q`),
      };
    default:
      throw new SamplingError(`search space '${name}': unknown distribution '${type}'`);
  }
}

/** A small seeded generator (mulberry32): the same seed gives the same trials. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(random: () => number): number {
  const u = Math.max(random(), Number.EPSILON);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

const quantize = (v: number, q?: number): number => (q ? Math.round(v / q) * q : v);

export function sample(d: Distribution, random: () => number): unknown {
  switch (d.type) {
    case 'choice':
      return d.values[Math.floor(random() * d.values.length)];
    case 'randint':
      return Math.floor(random() * d.upper);
    case 'uniform':
    case 'quniform':
      return quantize(d.min + random() * (d.max - d.min), d.q);
    case 'loguniform':
    case 'qloguniform':
      return quantize(Math.exp(d.min + random() * (d.max - d.min)), d.q);
    case 'normal':
    case 'qnormal':
      return quantize(d.mu + d.sigma * gaussian(random), d.q);
    default:
      return quantize(Math.exp(d.mu + d.sigma * gaussian(random)), d.q);
  }
}

/** Up to `max` parameter sets: grid enumerates combinations in order, the others sample. */
export function sampleTrials(
  algorithm: string,
  space: Record<string, Distribution>,
  max: number,
  seed: number,
): Array<Record<string, unknown>> {
  const names = Object.keys(space);
  if (algorithm.toLowerCase() === 'grid') {
    const lists = names.map((n) => {
      const d = space[n];
      if (d.type === 'choice') return d.values;
      if (d.type === 'randint') return Array.from({ length: d.upper }, (_, i) => i);
      throw new SamplingError(`grid sampling needs choice (or randint) distributions; '${n}' is ${d.type}`);
    });
    const out: Array<Record<string, unknown>> = [];
    const walk = (i: number, acc: Record<string, unknown>): void => {
      if (out.length >= max) return;
      if (i === names.length) {
        out.push({ ...acc });
        return;
      }
      for (const v of lists[i]) walk(i + 1, { ...acc, [names[i]]: v });
    };
    walk(0, {});
    return out;
  }
  const random = seededRandom(seed);
  return Array.from({ length: max }, () => Object.fromEntries(names.map((n) => [n, sample(space[n], random)])));
}

/** How a sampled value appears in a command line (Python's str() of it). */
export function parameterText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return String(value);
}
