import type { Traffic } from './body';

/**
 * The traffic splits a canary walks through. At each step the new deployment gets that share and
 * the deployments that served before keep their proportions of the rest (largest remainder, so
 * every split is whole percents summing to 100). Steps at or below the share the deployment
 * already has are skipped; an endpoint without live traffic goes straight to the last step.
 */
export function trafficSteps(previous: Traffic, deployment: string, percents: readonly number[]): Traffic[] {
  const others = Object.entries(previous).filter(([name, pct]) => pct > 0 && !same(name, deployment));
  const current = share(previous, deployment);
  const wanted = percents.filter((p) => p > current);
  if (others.length === 0) {
    const last = percents[percents.length - 1];
    return last > current ? [{ [deployment]: 100 }] : [];
  }
  return wanted.map((p) => split(others, deployment, p));
}

function split(others: [string, number][], deployment: string, pct: number): Traffic {
  const rest = 100 - pct;
  const total = others.reduce((s, [, v]) => s + v, 0);
  const exact = others.map(([name, v]) => ({ name, value: (v / total) * rest }));
  const floors = exact.map((e) => ({ ...e, floor: Math.floor(e.value) }));
  let left = rest - floors.reduce((s, e) => s + e.floor, 0);
  const order = [...floors].sort((a, b) => b.value - b.floor - (a.value - a.floor) || a.name.localeCompare(b.name));
  const out: Traffic = {};
  for (const e of order) {
    out[e.name] = e.floor + (left > 0 ? 1 : 0);
    if (left > 0) left--;
  }
  const result: Traffic = {};
  for (const [name] of others) if (out[name] > 0) result[name] = out[name];
  if (pct > 0) result[deployment] = pct;
  return result;
}

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

export function share(traffic: Traffic, deployment: string): number {
  return Object.entries(traffic).find(([k]) => same(k, deployment))?.[1] ?? 0;
}

/** Reads `10,50,100`: increasing whole percents from 1 to 100. Returns a problem or the steps. */
export function parseTrafficSteps(text: string): number[] | string {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  if (parts.length === 0) return 'must list at least one percentage, e.g. 10,50,100';
  const steps: number[] = [];
  for (const p of parts) {
    const n = Number(p.replace(/%$/, ''));
    if (!Number.isInteger(n) || n < 1 || n > 100) return `must be whole percents from 1 to 100, got '${p}'`;
    if (steps.length && n <= steps[steps.length - 1])
      return `must increase, but ${n} follows ${steps[steps.length - 1]}`;
    steps.push(n);
  }
  return steps;
}

/** Same split, ignoring 0% entries and name case. */
export function sameTraffic(a: Traffic, b: Traffic): boolean {
  const norm = (t: Traffic) =>
    JSON.stringify(
      Object.entries(t)
        .filter(([, v]) => v > 0)
        .map(([k, v]) => [k.toLowerCase(), v])
        .sort(),
    );
  return norm(a) === norm(b);
}

export const formatTraffic = (t: Traffic): string =>
  Object.keys(t).length === 0
    ? 'none'
    : Object.entries(t)
        .map(([k, v]) => `${k} ${v}%`)
        .join(', ');
