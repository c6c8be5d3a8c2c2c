import type { SourceLocation } from '../../host';
import { PyFloat, type PyValue } from './python-compat';
import { isPyMap, type KeyPath, type PyMap, type YamlSource } from './yaml-source';

/**
 * Typed reads from one mapping of a YAML file. Every wrong key or type becomes one UserError at
 * the file:line of the value, like az ml's strict schema (which refuses unknown fields).
 */
export class Fields {
  constructor(
    readonly src: YamlSource,
    readonly at: KeyPath,
    readonly data: PyMap,
    readonly what: string,
  ) {}

  static of(src: YamlSource, at: KeyPath, what: string, value: PyValue | undefined = src.get(at)): Fields {
    if (!isPyMap(value)) throw src.error(at, `${what} must be a mapping`);
    return new Fields(src, at, value, what);
  }

  get where(): SourceLocation {
    return this.src.locate(this.at);
  }

  path(key: string | number): KeyPath {
    return [...this.at, key];
  }

  has(key: string): boolean {
    return this.data[key] !== undefined && this.data[key] !== null;
  }

  raw(key: string): PyValue | undefined {
    const v = this.data[key];
    return v === null ? undefined : v;
  }

  error(key: string | undefined, message: string, hint?: string) {
    return this.src.error(key === undefined ? this.at : this.path(key), message, hint);
  }

  /** Refuses keys az ml's schema does not know, naming the known ones. */
  allowOnly(keys: readonly string[]): this {
    for (const key of Object.keys(this.data)) {
      if (!keys.includes(key)) {
        throw this.src.keyError(
          this.path(key),
          `unknown field '${key}' in ${this.what}`,
          `Known fields: ${keys.filter((k) => k !== '$schema').join(', ')}.`,
        );
      }
    }
    return this;
  }

  require(key: string): PyValue {
    const v = this.raw(key);
    if (v === undefined) throw this.error(undefined, `missing '${key}' in ${this.what}`);
    return v;
  }

  str(key: string, required = false): string | undefined {
    const v = required ? this.require(key) : this.raw(key);
    if (v === undefined) return undefined;
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean' || v instanceof PyFloat) {
      // az ml's string fields accept YAML numbers too (e.g. version: 1).
      return typeof v === 'boolean' ? String(v) : String(v instanceof PyFloat ? v.value : v);
    }
    throw this.error(key, `'${key}' in ${this.what} must be a string`);
  }

  enumStr<T extends string>(key: string, allowed: readonly T[], required = false): T | undefined {
    const v = this.str(key, required);
    if (v === undefined) return undefined;
    const found = allowed.find((a) => a.toLowerCase() === v.toLowerCase());
    if (!found) throw this.error(key, `'${key}' must be one of ${allowed.join(', ')}, got '${v}'`);
    return found;
  }

  num(key: string, options: { integer?: boolean; min?: number } = {}): number | undefined {
    const raw = this.raw(key);
    if (raw === undefined) return undefined;
    const v = raw instanceof PyFloat ? raw.value : raw;
    if (typeof v !== 'number' || (options.integer && !Number.isInteger(v)) || v < (options.min ?? -Infinity)) {
      const kind = options.integer ? 'a whole number' : 'a number';
      const min = options.min !== undefined ? ` of at least ${options.min}` : '';
      throw this.error(key, `'${key}' in ${this.what} must be ${kind}${min}, got ${JSON.stringify(raw)}`);
    }
    return v;
  }

  bool(key: string): boolean | undefined {
    const v = this.raw(key);
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') throw this.error(key, `'${key}' in ${this.what} must be true or false`);
    return v;
  }

  /** A mapping of names to scalar values, each turned into a string (tags, properties, env vars). */
  stringMap(key: string): Record<string, string> {
    const v = this.raw(key);
    if (v === undefined) return {};
    if (!isPyMap(v)) throw this.error(key, `'${key}' in ${this.what} must be a mapping of names to values`);
    const out: Record<string, string> = {};
    for (const [k, x] of Object.entries(v)) {
      if (x === null) continue;
      if (typeof x === 'object' && !(x instanceof PyFloat)) {
        throw this.src.error([...this.path(key), k], `'${key}.${k}' must be a plain value`);
      }
      out[k] = x instanceof PyFloat ? String(x.value) : String(x);
    }
    return out;
  }

  sub(key: string, what = `'${key}'`): Fields | undefined {
    const v = this.raw(key);
    if (v === undefined) return undefined;
    return Fields.of(this.src, this.path(key), what, v);
  }

  map(key: string): PyMap | undefined {
    const v = this.raw(key);
    if (v === undefined) return undefined;
    if (!isPyMap(v)) throw this.error(key, `'${key}' in ${this.what} must be a mapping`);
    return v;
  }
}

/** Seconds from a YAML number (az ml's limits take seconds). */
export const seconds = (f: Fields, key: string): number | undefined => f.num(key, { min: 0 });
