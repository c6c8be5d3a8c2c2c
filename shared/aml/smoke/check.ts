import type { SmokeExpectation } from './types';

/**
 * Why an answer does not meet the expectation (empty when it does). Used for online answers and
 * batch outputs alike; the status is checked by the caller (it means different things for each).
 */
export function checkContent(expect: SmokeExpectation, text: string, latencyMs: number): string[] {
  const reasons: string[] = [];
  if (expect.json !== undefined) {
    let actual: unknown;
    let parsed = true;
    try {
      actual = JSON.parse(text);
    } catch {
      parsed = false;
      reasons.push(`the answer is not JSON: ${excerpt(text, 80)}`);
    }
    if (parsed) {
      const diff = subsetDifference(expect.json, actual, '$', expect.tolerance ?? 0);
      if (diff) reasons.push(diff);
    }
  }
  if (expect.regex !== undefined && !new RegExp(expect.regex).test(text)) {
    reasons.push(`the answer does not match /${expect.regex}/: ${excerpt(text, 80)}`);
  }
  if (expect.maxLatencyMs !== undefined && latencyMs > expect.maxLatencyMs) {
    reasons.push(`took ${Math.round(latencyMs)} ms, more than max_latency_ms ${expect.maxLatencyMs}`);
  }
  return reasons;
}

/**
 * Where `actual` fails to contain `expected`: objects need every expected key (more are fine),
 * arrays the same length with each element contained, numbers equal within the tolerance.
 */
export function subsetDifference(
  expected: unknown,
  actual: unknown,
  at: string,
  tolerance: number,
): string | undefined {
  if (typeof expected === 'number' && typeof actual === 'number') {
    return Math.abs(expected - actual) <= tolerance ? undefined : `${at} is ${actual}, expected ${expected}`;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${at} is ${describe(actual)}, expected a list`;
    if (actual.length !== expected.length) {
      return `${at} has ${actual.length} elements, expected ${expected.length}`;
    }
    for (let i = 0; i < expected.length; i++) {
      const d = subsetDifference(expected[i], actual[i], `${at}[${i}]`, tolerance);
      if (d) return d;
    }
    return undefined;
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) {
      return `${at} is ${describe(actual)}, expected an object`;
    }
    for (const [k, v] of Object.entries(expected)) {
      if (!(k in actual)) return `${at}.${k} is missing`;
      const d = subsetDifference(v, (actual as Record<string, unknown>)[k], `${at}.${k}`, tolerance);
      if (d) return d;
    }
    return undefined;
  }
  return expected === actual ? undefined : `${at} is ${describe(actual)}, expected ${JSON.stringify(expected)}`;
}

function describe(v: unknown): string {
  if (v === undefined) return 'missing';
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

export function excerpt(text: string, max = 200): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 3)}...` : one;
}
