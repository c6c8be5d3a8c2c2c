import * as fs from 'node:fs';
import * as path from 'node:path';
import { ABSENT, type Difference, type RequestKind, type Value } from './wire';

/**
 * Allowed differences: rules, never file names. A rule names a JSON path pattern, the kinds of
 * request it applies to, optionally what each side's value must look like, and why the difference
 * is fine. Anything no rule explains is a finding.
 *
 * Path patterns: `*` is one member name, `[*]` any array index, `**` any run of members.
 */
export interface ValueMatcher {
  /** The side does not send the member at all. */
  absent?: true;
  /** The side sends exactly this JSON value. */
  equals?: unknown;
  /** The side sends a string matching this regular expression (other values: their JSON text). */
  matches?: string;
}

export interface AllowedRule {
  path: string;
  appliesTo: (RequestKind | '*')[];
  oracle?: ValueMatcher;
  ours?: ValueMatcher;
  reason: string;
}

export const ALLOWED_FILE = path.join(__dirname, 'allowed-differences.json');

export function loadAllowedRules(file = ALLOWED_FILE): AllowedRule[] {
  const data = JSON.parse(fs.readFileSync(file, 'utf8')) as { rules: AllowedRule[] };
  for (const r of data.rules) {
    if (!r.path || !Array.isArray(r.appliesTo) || !r.appliesTo.length || !r.reason?.trim()) {
      throw new Error(`${file}: every rule needs path, appliesTo and a reason: ${JSON.stringify(r)}`);
    }
    if (/\.ya?ml\b/i.test(JSON.stringify(r))) throw new Error(`${file}: rules must not name files: ${r.path}`);
  }
  return data.rules;
}

export function pathPattern(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length;) {
    if (pattern.startsWith('**', i)) {
      re += '.*';
      i += 2;
    } else if (pattern.startsWith('[*]', i)) {
      re += '\\[\\d+\\]';
      i += 3;
    } else if (pattern.startsWith('.*', i) && !pattern.startsWith('.**', i)) {
      // A member: `.name`, or `["odd.name"]` for names that are not identifiers.
      re += '(?:\\.[^.[\\]]+|\\["(?:[^"\\\\]|\\\\.)*"\\])';
      i += 2;
    } else if (pattern[i] === '*') {
      re += '(?:[^.[\\]]+|\\["(?:[^"\\\\]|\\\\.)*"\\])';
      i += 1;
    } else {
      re += pattern[i].replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      i += 1;
    }
  }
  return new RegExp(`^${re}$`);
}

function valueMatches(m: ValueMatcher | undefined, v: Value): boolean {
  if (!m) return true;
  if (m.absent) return v === ABSENT;
  if (v === ABSENT) return false;
  if ('equals' in m) return JSON.stringify(m.equals) === JSON.stringify(v);
  if (m.matches !== undefined) return new RegExp(m.matches).test(typeof v === 'string' ? v : JSON.stringify(v));
  return true;
}

/** The rule that explains a difference, if any. */
export function explain(rules: AllowedRule[], kind: RequestKind, d: Difference): AllowedRule | undefined {
  return rules.find(
    (r) =>
      (r.appliesTo.includes('*') || r.appliesTo.includes(kind)) &&
      pathPattern(r.path).test(d.path) &&
      valueMatches(r.oracle, d.oracle) &&
      valueMatches(r.ours, d.ours),
  );
}
