import * as fs from 'node:fs';
import * as path from 'node:path';
import { isAlias, isMap, isScalar, isSeq, parseDocument, type Document } from 'yaml';
import { UserError } from '../../errors';
import type { SourceLocation } from '../../host';
import { YamlFile } from '../../yaml-file';
import { PyFloat, type PyValue } from './python-compat';

export type KeyPath = (string | number)[];
export type PyMap = { [key: string]: PyValue };

export const isPyMap = (v: unknown): v is PyMap =>
  !!v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof PyFloat);

/**
 * One YAML file as data the way azure-ai-ml reads it (floats stay floats, so `1.0` is sent as
 * "1.0"), with file:line for every error, and `--set` overrides applied on top.
 */
export class YamlSource {
  readonly dir: string;
  private readonly overridden = new Map<string, string>();

  private constructor(
    readonly yaml: YamlFile,
    readonly data: PyValue,
  ) {
    this.dir = path.dirname(path.resolve(yaml.file));
  }

  static load(file: string, cwd = process.cwd()): YamlSource {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      const shown = path.relative(cwd, file) || file;
      throw new UserError(`cannot read ${shown}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    return YamlSource.parse(text, path.resolve(cwd, file), path.relative(cwd, file) || file);
  }

  static parse(text: string, file: string, displayName = file): YamlSource {
    const yaml = YamlFile.parse(text, file, displayName);
    const doc = parseDocument(text, { uniqueKeys: true });
    return new YamlSource(yaml, toPy(doc.contents, doc));
  }

  get displayName(): string {
    return this.yaml.displayName;
  }

  /** Applies az ml's `--set key.sub=value` overrides (value read as a YAML scalar). */
  applyOverrides(overrides: readonly string[]): void {
    for (const item of overrides) {
      const eq = item.indexOf('=');
      if (eq <= 0) throw new UserError(`--set '${item}' must look like key.sub=value`);
      const keys = item.slice(0, eq).split('.');
      const valueDoc = parseDocument(item.slice(eq + 1) || '""');
      const value = toPy(valueDoc.contents, valueDoc);
      if (!isPyMap(this.data)) throw this.error([], 'a job YAML must be a mapping');
      let node: PyMap = this.data;
      for (const key of keys.slice(0, -1)) {
        if (!isPyMap(node[key])) node[key] = {};
        node = node[key] as PyMap;
      }
      node[keys[keys.length - 1]] = value;
      this.overridden.set(keys.join('\0'), `--set ${item}`);
    }
  }

  /**
   * Top-level fields given as plain text (display name, experiment name, compute): unlike --set,
   * the value is never read as YAML, so 'broken: no epochs' stays that text. `origin` names
   * where it came from in messages.
   */
  applyLiterals(fields: Record<string, string | undefined>, origin: (key: string) => string): void {
    if (!isPyMap(this.data)) throw this.error([], 'a job YAML must be a mapping');
    for (const [key, value] of Object.entries(fields)) {
      if (value === undefined) continue;
      this.data[key] = value;
      this.overridden.set(key, origin(key));
    }
  }

  locate(keyPath: KeyPath, which: 'value' | 'key' = 'value'): SourceLocation {
    for (let n = keyPath.length; n > 0; n--) {
      const set = this.overridden.get(keyPath.slice(0, n).join('\0'));
      if (set) return { file: set };
    }
    return this.yaml.locate(keyPath, which);
  }

  error(keyPath: KeyPath, message: string, hint?: string): UserError {
    return new UserError(message, { where: this.locate(keyPath), hint });
  }

  keyError(keyPath: KeyPath, message: string, hint?: string): UserError {
    return new UserError(message, { where: this.locate(keyPath, 'key'), hint });
  }

  get(keyPath: KeyPath): PyValue | undefined {
    let node: PyValue | undefined = this.data;
    for (const key of keyPath) {
      if (typeof key === 'number') node = Array.isArray(node) ? node[key] : undefined;
      else node = isPyMap(node) ? node[key] : undefined;
      if (node === undefined) return undefined;
    }
    return node;
  }

  resolvePath(relative: string): string {
    return path.resolve(this.dir, relative);
  }
}

function toPy(node: unknown, doc: Document): PyValue {
  if (isAlias(node)) return toPy(node.resolve(doc), doc);
  if (isMap(node)) {
    const out: PyMap = {};
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? pair.key.value : pair.key;
      out[String(key)] = toPy(pair.value, doc);
    }
    return out;
  }
  if (isSeq(node)) return node.items.map((item) => toPy(item, doc));
  if (isScalar(node)) {
    const v = node.value;
    if (typeof v === 'number' && /[.eE]|inf|nan/i.test(node.source ?? '') && !/^[-+]?0x/i.test(node.source ?? '')) {
      return new PyFloat(v);
    }
    if (typeof v === 'bigint') return Number(v);
    if (v instanceof Date) return v.toISOString();
    return (v ?? null) as PyValue;
  }
  return null;
}
