import type { Fault, FaultInjector, FaultRule } from './types';
import { isRecord } from './http';

interface LiveRule {
  rule: FaultRule;
  left: number;
}

export class Faults implements FaultInjector {
  private rules: LiveRule[] = [];

  add(rule: FaultRule): void {
    validateFault(rule.fault);
    this.rules.push({ rule, left: rule.times ?? 1 });
  }

  clear(): void {
    this.rules = [];
  }

  pending(): FaultRule[] {
    return this.rules.filter((r) => r.left > 0).map((r) => ({ ...r.rule, times: r.left }));
  }

  /** Consumes one use of the first live rule matching the request, if any. */
  take(method: string, path: string): Fault | undefined {
    const live = this.rules.find((r) => r.left > 0 && matches(r.rule, method, path));
    if (!live) return undefined;
    live.left--;
    this.rules = this.rules.filter((r) => r.left > 0);
    return live.rule.fault;
  }
}

function matches(rule: FaultRule, method: string, path: string): boolean {
  if (rule.method && rule.method.toUpperCase() !== method.toUpperCase()) return false;
  if (rule.path instanceof RegExp) {
    rule.path.lastIndex = 0;
    return rule.path.test(path);
  }
  const want = rule.path.toLowerCase();
  const have = path.toLowerCase();
  return have === want || have.endsWith(want.startsWith('/') ? want : `/${want}`);
}

function validateFault(fault: unknown): asserts fault is Fault {
  if (!isRecord(fault)) throw new Error('fault must be an object');
  const kinds = ['status', 'resetConnection', 'delayMs', 'lroFails'].filter((k) => k in fault);
  if (kinds.length !== 1) throw new Error('fault needs exactly one of status, resetConnection, delayMs, lroFails');
  if ('status' in fault && (typeof fault.status !== 'number' || fault.status < 100 || fault.status > 599)) {
    throw new Error('fault.status must be an HTTP status code');
  }
  if ('delayMs' in fault && (typeof fault.delayMs !== 'number' || fault.delayMs < 0)) {
    throw new Error('fault.delayMs must be a non-negative number');
  }
}

/**
 * Reads a rule sent as JSON to the admin route. RegExps cannot travel in JSON, so the path may
 * be `{ "regex": "...", "flags": "i" }` or a string (see FaultRule.path).
 */
export function faultRuleFromJson(value: unknown): FaultRule {
  if (!isRecord(value)) throw new Error('expected a JSON object');
  const p = value.path;
  let path: RegExp | string;
  if (typeof p === 'string') path = p;
  else if (isRecord(p) && typeof p.regex === 'string')
    path = new RegExp(p.regex, typeof p.flags === 'string' ? p.flags : '');
  else if (typeof value.pathRegex === 'string') path = new RegExp(value.pathRegex, 'i');
  else throw new Error('path must be a string or {"regex": "..."}');
  if (value.method !== undefined && typeof value.method !== 'string') throw new Error('method must be a string');
  if (value.times !== undefined && (typeof value.times !== 'number' || value.times < 1))
    throw new Error('times must be >= 1');
  validateFault(value.fault);
  return {
    method: value.method as string | undefined,
    path,
    times: value.times as number | undefined,
    fault: value.fault,
  };
}

export function describeFault(fault: Fault): string {
  if ('status' in fault) return `status ${fault.status}`;
  if ('resetConnection' in fault) return 'resetConnection';
  if ('delayMs' in fault) return `delay ${fault.delayMs}ms`;
  return 'lroFails';
}
