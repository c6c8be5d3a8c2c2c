import { createHash } from 'node:crypto';

/**
 * Python-compatible text forms. azure-ai-ml builds several wire values with Python built-ins
 * (`str(value)` for literal inputs, `json.dumps(..., sort_keys=True)` and `yaml.dump(...)` for the
 * hashes that name anonymous assets), so the same bytes must come out here or the hashes and the
 * literal values differ from what `az ml` sends.
 */

/** A YAML number that was written as a float (`1.0`, `1e-3`), so Python would print it as a float. */
export class PyFloat {
  constructor(readonly value: number) {}
  toJSON(): number {
    return this.value;
  }
}

export type PyValue = string | number | boolean | null | PyFloat | PyValue[] | { [key: string]: PyValue };

/** Python's repr() of a float: shortest round-trip digits, exponent below 1e-4 and from 1e16. */
export function pyFloatRepr(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  const [mantissa, expText] = n.toExponential().split('e');
  const exp = Number(expText);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  let out: string;
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    out = `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  } else if (exp < 0) {
    out = `0.${'0'.repeat(-exp - 1)}${digits}`;
  } else if (digits.length <= exp + 1) {
    out = `${digits}${'0'.repeat(exp + 1 - digits.length)}.0`;
  } else {
    out = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  }
  return negative ? `-${out}` : out;
}

/** Python's str() of a scalar as azure-ai-ml sends it for a literal input value. */
export function pyStr(value: PyValue): string {
  if (value === null) return 'None';
  if (value instanceof PyFloat) return pyFloatRepr(value.value);
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : pyFloatRepr(value);
  if (typeof value === 'string') return value;
  return pyJsonDumps(value);
}

function pyJsonString(s: string): string {
  // json.dumps escapes every non-ASCII character (ensure_ascii=True).
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** json.dumps(value, sort_keys=True) with Python's default separators (', ' and ': '). */
export function pyJsonDumps(value: PyValue | undefined): string {
  if (value === undefined || value === null) return 'null';
  if (value instanceof PyFloat) return pyFloatRepr(value.value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : pyFloatRepr(value);
  if (typeof value === 'string') return pyJsonString(value);
  if (Array.isArray(value)) return `[${value.map((v) => pyJsonDumps(v)).join(', ')}]`;
  const keys = Object.keys(value)
    .filter((k) => value[k] !== undefined)
    .sort(comparePy);
  return `{${keys.map((k) => `${pyJsonString(k)}: ${pyJsonDumps(value[k])}`).join(', ')}}`;
}

/** Python compares strings by code point; JS's default sort compares UTF-16 units. Same for BMP text. */
export function comparePy(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export const md5Hex = (text: string | Buffer): string => createHash('md5').update(text).digest('hex');

/** str(UUID(md5hex)): the form azure-ai-ml's hash_dict gives anonymous component versions. */
export function md5Uuid(text: string): string {
  const h = md5Hex(text);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * Python's `a.join(b)` for two strings: b's characters with a between each. azure-ai-ml chains
 * `hash_str.join(md5(...))` when naming anonymous environments, so this quirk is part of the name.
 */
export const pyJoin = (sep: string, chars: string): string => [...chars].join(sep);

/** isodate.duration_isoformat(timedelta(seconds=n)), as azure-ai-ml sends job timeouts. */
export function isoDuration(seconds: number): string {
  const total = Math.round(seconds * 1e6);
  const days = Math.floor(total / 86_400_000_000);
  let rest = total - days * 86_400_000_000;
  const parts: string[] = ['P'];
  if (days) parts.push(`${days}D`);
  if (rest) {
    parts.push('T');
    const h = Math.floor(rest / 3_600_000_000);
    rest -= h * 3_600_000_000;
    const m = Math.floor(rest / 60_000_000);
    rest -= m * 60_000_000;
    const s = Math.floor(rest / 1e6);
    const us = rest - s * 1e6;
    if (h) parts.push(`${h}H`);
    if (m) parts.push(`${m}M`);
    if (s || us) parts.push(us ? `${s}.${String(us).padStart(6, '0')}S` : `${s}S`);
  }
  if (parts.length === 1) parts.push('0D');
  return parts.join('');
}

// ---------------------------------------------------------------------------------------------
// yaml.dump(data, sort_keys=True) for the plain data of a conda file: azure-ai-ml sends the conda
// file re-dumped this way and hashes that text into the anonymous environment's version.

const YAML11_IMPLICIT = [
  /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|y|Y|n|N)$/,
  /^(?:~|null|Null|NULL)?$/,
  /^[-+]?(?:0b[0-1_]+|0[0-7_]+|(?:0|[1-9][0-9_]*)|0x[0-9a-fA-F_]+|[1-9][0-9_]*(?::[0-5]?[0-9])+)$/,
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
  /^[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?/,
  /^(?:<<|=)$/,
];

function yamlScalar(s: string): string {
  const needsQuotes =
    s === '' ||
    YAML11_IMPLICIT.some((re) => re.test(s)) ||
    /^[\s#,[\]{}&*!|>'"%@`]/.test(s) ||
    /^[-?:](\s|$)/.test(s) ||
    /\s$/.test(s) ||
    /: |:$| #|[\n\r\t]/.test(s) ||
    /[^\x20-\x7e]/.test(s);
  if (!needsQuotes) return s;
  if (/[\n\r\t]|[^\x20-\x7e]/.test(s)) return JSON.stringify(s);
  return `'${s.replace(/'/g, "''")}'`;
}

function yamlLeaf(v: PyValue): string | undefined {
  if (v === null) return 'null';
  if (v instanceof PyFloat) return pyFloatRepr(v.value);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : pyFloatRepr(v);
  if (typeof v === 'string') return yamlScalar(v);
  if (Array.isArray(v) && v.length === 0) return '[]';
  if (!Array.isArray(v) && Object.keys(v).length === 0) return '{}';
  return undefined;
}

function yamlBlock(v: PyValue, indent: string, out: string[]): void {
  if (Array.isArray(v)) {
    for (const item of v) {
      const leaf = yamlLeaf(item);
      if (leaf !== undefined) out.push(`${indent}- ${leaf}`);
      else {
        const inner: string[] = [];
        yamlBlock(item, `${indent}  `, inner);
        inner[0] = `${indent}- ${inner[0].slice(indent.length + 2)}`;
        out.push(...inner);
      }
    }
    return;
  }
  const map = v as { [key: string]: PyValue };
  for (const key of Object.keys(map).sort(comparePy)) {
    const val = map[key];
    const leaf = yamlLeaf(val);
    if (leaf !== undefined) out.push(`${indent}${yamlScalar(key)}: ${leaf}`);
    else {
      out.push(`${indent}${yamlScalar(key)}:`);
      // PyYAML does not indent a sequence under its mapping key.
      yamlBlock(val, Array.isArray(val) ? indent : `${indent}  `, out);
    }
  }
}

/** yaml.dump(data, sort_keys=True) (PyYAML 6 defaults: block style, width 80 ignored for folding). */
export function pyYamlDump(data: PyValue): string {
  const leaf = yamlLeaf(data);
  if (leaf !== undefined) return `${leaf}\n${typeof data === 'string' || data === null ? '...\n' : ''}`;
  const out: string[] = [];
  yamlBlock(data, '', out);
  return `${out.join('\n')}\n`;
}
