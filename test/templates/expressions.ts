/**
 * The subset of GitHub Actions `${{ }}` and Azure Pipelines template/runtime expressions that our
 * templates use: literals, context paths (a.b-c, a['b']), !, ==, !=, &&, ||, parentheses and a few
 * functions. Lookups are strict: a path the context does not have throws, so a template that names
 * an input, step output or parameter that does not exist fails the test instead of reading ''.
 */
export type Value = string | number | boolean | null | Value[] | { [k: string]: Value };

export interface ExpressionContext {
  /** Resolves a path such as ['inputs', 'model-name']; throws when it names nothing. */
  lookup(path: string[]): Value;
  functions?: Record<string, (...args: Value[]) => Value>;
}

type Token = { kind: 'str' | 'num' | 'id' | 'op'; text: string };

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) i++;
    else if (c === "'") {
      let s = '';
      for (i++; i < src.length; i++) {
        if (src[i] === "'" && src[i + 1] === "'") {
          s += "'";
          i++;
        } else if (src[i] === "'") break;
        else s += src[i];
      }
      i++;
      tokens.push({ kind: 'str', text: s });
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9.]+/.exec(src.slice(i))![0];
      tokens.push({ kind: 'num', text: m });
      i += m.length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(src.slice(i))![0];
      tokens.push({ kind: 'id', text: m });
      i += m.length;
    } else {
      const two = src.slice(i, i + 2);
      const op = ['==', '!=', '&&', '||'].includes(two) ? two : '!().,[]'.includes(c) ? c : undefined;
      if (op) {
        tokens.push({ kind: 'op', text: op });
        i += op.length;
      } else throw new Error(`unexpected '${c}' in expression: ${src}`);
    }
  }
  return tokens;
}

const truthy = (v: Value): boolean => !(v === '' || v === false || v === 0 || v === null);
const loose = (v: Value): string => (typeof v === 'string' ? v.toLowerCase() : JSON.stringify(v));

export function evaluate(src: string, ctx: ExpressionContext): Value {
  const tokens = tokenize(src);
  let p = 0;
  const peek = (text?: string) =>
    p < tokens.length && (text === undefined || tokens[p].text === text) ? tokens[p] : undefined;
  const expect = (text: string) => {
    if (tokens[p]?.text !== text) throw new Error(`expected '${text}' in expression: ${src}`);
    p++;
  };
  const or = (): Value => {
    let v = and();
    while (peek('||')) {
      p++;
      const r = and();
      v = truthy(v) ? v : r;
    }
    return v;
  };
  const and = (): Value => {
    let v = cmp();
    while (peek('&&')) {
      p++;
      const r = cmp();
      v = truthy(v) ? r : v;
    }
    return v;
  };
  const cmp = (): Value => {
    const v = unary();
    const op = peek('==') ?? peek('!=');
    if (!op) return v;
    p++;
    const r = unary();
    return (loose(v) === loose(r)) === (op.text === '==');
  };
  const unary = (): Value => {
    if (peek('!')) {
      p++;
      return !truthy(unary());
    }
    return primary();
  };
  const primary = (): Value => {
    const t = tokens[p++];
    if (!t) throw new Error(`incomplete expression: ${src}`);
    if (t.text === '(' && t.kind === 'op') {
      const v = or();
      expect(')');
      return v;
    }
    if (t.kind === 'str') return t.text;
    if (t.kind === 'num') return Number(t.text);
    if (t.kind !== 'id') throw new Error(`unexpected '${t.text}' in expression: ${src}`);
    if (t.text === 'true' || t.text === 'false') return t.text === 'true';
    if (t.text === 'null') return null;
    if (peek('(')) {
      p++;
      const args: Value[] = [];
      while (!peek(')')) {
        args.push(or());
        if (peek(',')) p++;
      }
      expect(')');
      const fn = ctx.functions?.[t.text.toLowerCase()];
      if (!fn) throw new Error(`function ${t.text}() is not supported here: ${src}`);
      return fn(...args);
    }
    const path = [t.text];
    for (;;) {
      if (peek('.')) {
        p++;
        path.push(tokens[p++].text);
      } else if (peek('[')) {
        p++;
        path.push(String(or()));
        expect(']');
      } else break;
    }
    return ctx.lookup(path);
  };
  const v = or();
  if (p !== tokens.length) throw new Error(`unexpected '${tokens[p].text}' in expression: ${src}`);
  return v;
}

export const asString = (v: Value): string => (v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));

/**
 * Replaces every `open expr close` in a string. A string that is one expression and nothing else
 * keeps the value's type (as both CI systems do for whole-value expressions).
 */
export function interpolate(text: string, ctx: ExpressionContext, open = '${{', close = '}}'): Value {
  const re = new RegExp(`${escapeRe(open)}([\\s\\S]*?)${escapeRe(close)}`, 'g');
  const whole = new RegExp(`^\\s*${escapeRe(open)}([\\s\\S]*?)${escapeRe(close)}\\s*$`).exec(text);
  if (whole && !whole[1].includes(close)) return evaluate(whole[1], ctx);
  return text.replace(re, (_, expr: string) => asString(evaluate(expr, ctx)));
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Functions both systems share (GitHub's format() and Azure Pipelines' format()/coalesce()/eq()...). */
export const commonFunctions: Record<string, (...args: Value[]) => Value> = {
  format: (f, ...args) => asString(f).replace(/\{(\d+)\}/g, (_, i: string) => asString(args[Number(i)] ?? '')),
  coalesce: (...args) => args.find((a) => a !== null && a !== '') ?? '',
  eq: (a, b) => loose(a) === loose(b),
  ne: (a, b) => loose(a) !== loose(b),
  and: (...args) => args.every(truthy),
  or: (...args) => args.some(truthy),
  not: (a) => !truthy(a),
  succeeded: () => true,
  success: () => true,
  always: () => true,
};

export { truthy };
