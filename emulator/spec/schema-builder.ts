import * as path from 'node:path';
import { isObject, type JsonObject, type RefTarget, type SpecDocuments } from './documents';

/**
 * Translates Swagger 2.0 schemas (as written by Azure specs) into one JSON Schema 2019-09 document
 * per direction, for Ajv:
 *
 * - Every referenced schema becomes two `$defs` entries: `<key>.base` (the schema as written, used
 *   as an `allOf` parent by derived models) and `<key>` (what a `$ref` to the model means: a closed
 *   and/or polymorphic view of it). References stay references, so circular models are fine.
 * - Polymorphism (`discriminator` on a base, `x-ms-discriminator-value` on models that `allOf` it):
 *   `<key>` dispatches on the discriminator value to the matching model; an unknown or missing
 *   value is reported by the `x-amlops-discriminator` keyword.
 * - `additionalProperties: false` has the Azure meaning "nothing beyond the model, inherited
 *   properties included", so it becomes `unevaluatedProperties: false` on the model view. With
 *   `rejectUnknownProperties`, every model that declares properties (and is not a dictionary) is
 *   closed the same way.
 * - `x-nullable: true` admits `null`; `readOnly` properties are never required in requests, and
 *   properties a client cannot read (`x-ms-secret`, `x-ms-mutability` without `read`) are never
 *   required in responses.
 */

export type Direction = 'request' | 'response';

/** Schema of the `x-amlops-discriminator` keyword emitted on polymorphic model views. */
export interface DiscriminatorKeyword {
  property: string;
  model: string;
  values: string[];
}

export const DISCRIMINATOR_KEYWORD = 'x-amlops-discriminator';

/** A schema reachable by `$ref`: normally `#/definitions/<Name>` of some file. */
interface ModelInfo {
  key: string;
  name: string;
  file: string;
  pointer: string;
  schema: JsonObject;
  parents: ModelInfo[];
  children: ModelInfo[];
}

export interface BuilderOptions {
  rejectUnknownProperties: boolean;
}

/** Operation schemas to register, as `{ file, schema }` (the file its `$ref`s are relative to). */
export interface SchemaSource {
  key: string;
  file: string;
  schema: unknown;
}

const COPIED_KEYWORDS = [
  'enum',
  'const',
  'multipleOf',
  'maximum',
  'minimum',
  'maxLength',
  'minLength',
  'maxItems',
  'minItems',
  'uniqueItems',
  'maxProperties',
  'minProperties',
  'format',
] as const;

export class SchemaBuilder {
  private readonly models = new Map<string, ModelInfo>();
  private readonly keys = new Set<string>();
  private readonly fileStems = new Map<string, string>();
  private readonly memo = new Map<string, boolean | string | undefined>();
  /** Format names seen in converted schemas (so Ajv knows all of them). */
  readonly formats = new Set<string>();
  /** Converted schema object -> model name, for error messages. */
  readonly schemaNames = new WeakMap<object, string>();

  constructor(
    private readonly docs: SpecDocuments,
    private readonly options: BuilderOptions,
  ) {
    for (const file of docs.files) {
      const doc = docs.document(file);
      const definitions = isObject(doc) && isObject(doc.definitions) ? doc.definitions : {};
      for (const name of Object.keys(definitions)) {
        this.modelFor({ file, pointer: `/definitions/${escapePointer(name)}`, value: definitions[name] });
      }
    }
    // Inheritance: models whose top-level allOf references another model.
    for (const model of [...this.models.values()]) {
      const allOf = model.schema.allOf;
      if (!Array.isArray(allOf)) continue;
      for (const member of allOf) {
        if (!isObject(member) || typeof member.$ref !== 'string') continue;
        const parent = this.modelFor(this.docs.resolve(member.$ref, model.file));
        if (!model.parents.includes(parent)) model.parents.push(parent);
        if (!parent.children.includes(model)) parent.children.push(model);
      }
    }
  }

  /** Builds the `$defs` of one direction: every model plus the given operation schemas. */
  build(direction: Direction, sources: readonly SchemaSource[]): Record<string, unknown> {
    const defs: Record<string, unknown> = {};
    for (const source of sources) {
      defs[source.key] = isObject(source.schema) ? this.convert(source.schema, source.file, direction, 'inline') : {};
    }
    // Converting can reach models outside `definitions` (refs to other pointers): loop until stable.
    const done = new Set<string>();
    for (;;) {
      const pending = [...this.models.values()].filter((m) => !done.has(m.key));
      if (pending.length === 0) break;
      for (const model of pending) {
        done.add(model.key);
        const base = this.convertModelBase(model, direction);
        defs[`${model.key}.base`] = base;
        defs[model.key] = this.modelView(model);
      }
    }
    return defs;
  }

  private modelFor(target: RefTarget): ModelInfo {
    const id = `${target.file}#${target.pointer}`;
    const existing = this.models.get(id);
    if (existing) return existing;
    if (!isObject(target.value)) throw new Error(`$ref target is not a schema: ${id}`);
    const match = /^\/definitions\/([^/]+)$/.exec(target.pointer);
    const name = match ? unescapePointer(match[1]) : target.pointer;
    const stem = this.stemOf(target.file);
    let key = `${stem}.${sanitize(match ? name : target.pointer)}`;
    for (let i = 2; this.keys.has(key); i++) key = `${stem}.${sanitize(name)}~${i}`;
    this.keys.add(key);
    const model: ModelInfo = {
      key,
      name,
      file: target.file,
      pointer: target.pointer,
      schema: target.value,
      parents: [],
      children: [],
    };
    this.models.set(id, model);
    return model;
  }

  private stemOf(file: string): string {
    let stem = this.fileStems.get(file);
    if (stem === undefined) {
      const base = sanitize(path.basename(file, '.json'));
      const taken = new Set(this.fileStems.values());
      stem = base;
      for (let i = 2; taken.has(stem); i++) stem = `${base}${i}`;
      this.fileStems.set(file, stem);
    }
    return stem;
  }

  private refTo(ref: string, file: string, variant: 'view' | 'base'): JsonObject {
    const model = this.modelFor(this.docs.resolve(ref, file));
    return { $ref: `#/$defs/${variant === 'base' ? `${model.key}.base` : model.key}` };
  }

  // ---- model facts (direction-independent, memoised, cycle-safe) ----

  private chain(model: ModelInfo): ModelInfo[] {
    const out: ModelInfo[] = [];
    const visit = (m: ModelInfo): void => {
      if (out.includes(m)) return;
      out.push(m);
      for (const p of m.parents) visit(p);
    };
    visit(model);
    return out;
  }

  private descendants(model: ModelInfo): ModelInfo[] {
    const out: ModelInfo[] = [];
    const visit = (m: ModelInfo): void => {
      for (const c of m.children) {
        if (c === model || out.includes(c)) continue;
        out.push(c);
        visit(c);
      }
    };
    visit(model);
    return out;
  }

  private fact<T extends boolean | string | undefined>(name: string, model: ModelInfo, compute: () => T): T {
    const k = `${name}:${model.key}`;
    if (!this.memo.has(k)) this.memo.set(k, compute());
    return this.memo.get(k) as T;
  }

  /** The discriminator property in force for a model (own or inherited). */
  private discriminatorOf(model: ModelInfo): string | undefined {
    return this.fact('disc', model, () => {
      for (const m of this.chain(model)) if (typeof m.schema.discriminator === 'string') return m.schema.discriminator;
      return undefined;
    });
  }

  private discriminatorValue(model: ModelInfo): string {
    const v = model.schema['x-ms-discriminator-value'];
    return typeof v === 'string' ? v : model.name;
  }

  private hasProperties(model: ModelInfo): boolean {
    return this.fact('props', model, () =>
      this.chain(model).some((m) => isObject(m.schema.properties) && Object.keys(m.schema.properties).length > 0),
    );
  }

  /** `additionalProperties: false` anywhere in the inheritance chain. */
  private explicitlyClosed(model: ModelInfo): boolean {
    return this.fact('closed', model, () => this.chain(model).some((m) => m.schema.additionalProperties === false));
  }

  /** A dictionary (`additionalProperties: true` or a schema) anywhere in the chain. */
  private isDictionary(model: ModelInfo): boolean {
    return this.fact('dict', model, () =>
      this.chain(model).some((m) => m.schema.additionalProperties === true || isObject(m.schema.additionalProperties)),
    );
  }

  private isClosed(model: ModelInfo): boolean {
    if (this.explicitlyClosed(model)) return true;
    return this.options.rejectUnknownProperties && this.hasProperties(model) && !this.isDictionary(model);
  }

  // ---- conversion ----

  private convertModelBase(model: ModelInfo, direction: Direction): JsonObject {
    const out = this.convert(model.schema, model.file, direction, 'model');
    const prop = model.schema.discriminator;
    if (typeof prop === 'string') {
      const required = Array.isArray(out.required) ? (out.required as string[]) : [];
      if (!required.includes(prop)) out.required = [...required, prop];
      const props = isObject(out.properties) ? out.properties : {};
      if (!(prop in props)) out.properties = { ...props, [prop]: { type: 'string' } };
    }
    this.schemaNames.set(out, model.name);
    return out;
  }

  /** What `$ref` to a model means: the model (closed when applicable) or a dispatch over its subtypes. */
  private modelView(model: ModelInfo): JsonObject {
    const closedView = (m: ModelInfo): JsonObject => {
      const view: JsonObject = { $ref: `#/$defs/${m.key}.base` };
      if (this.isClosed(m)) view.unevaluatedProperties = false;
      this.schemaNames.set(view, m.name);
      return view;
    };
    let view: JsonObject;
    const prop = this.discriminatorOf(model);
    const subtypes = prop === undefined ? [] : this.descendants(model).filter((d) => this.discriminatorOf(d) === prop);
    if (prop !== undefined && subtypes.length > 0) {
      // The declaring base itself is abstract unless it names its own value.
      const isRoot = typeof model.schema.discriminator === 'string';
      const candidates =
        isRoot && typeof model.schema['x-ms-discriminator-value'] !== 'string' ? subtypes : [model, ...subtypes];
      const values: string[] = [];
      const branches: JsonObject[] = [];
      for (const c of candidates) {
        const value = this.discriminatorValue(c);
        if (!values.includes(value)) values.push(value);
        branches.push({
          if: { type: 'object', required: [prop], properties: { [prop]: { const: value } } },
          then: closedView(c),
        });
      }
      const keyword: DiscriminatorKeyword = { property: prop, model: model.name, values };
      view = { [DISCRIMINATOR_KEYWORD]: keyword, allOf: branches };
      this.schemaNames.set(view, model.name);
    } else {
      view = closedView(model);
    }
    return model.schema['x-nullable'] === true ? nullable(view) : view;
  }

  /**
   * `kind` = 'model': a model's own schema (top-level allOf `$ref`s are inheritance and point at the
   * parents' `.base`; closing is left to the model view). 'inline': any other schema position.
   */
  private convert(s: JsonObject, file: string, direction: Direction, kind: 'model' | 'inline'): JsonObject {
    let out: JsonObject;
    if (typeof s.$ref === 'string') {
      out = this.refTo(s.$ref, file, 'view');
    } else {
      out = {};
      if (typeof s.type === 'string' && s.type !== 'file') out.type = s.type;
      for (const k of COPIED_KEYWORDS) if (s[k] !== undefined) out[k] = s[k];
      if (typeof s.format === 'string') this.formats.add(s.format);
      if (typeof s.pattern === 'string' && isValidPattern(s.pattern)) out.pattern = s.pattern;
      convertExclusive(s, out, 'exclusiveMaximum', 'maximum');
      convertExclusive(s, out, 'exclusiveMinimum', 'minimum');

      const hasOwnProperties = isObject(s.properties) && Object.keys(s.properties).length > 0;
      if (isObject(s.properties)) {
        const props: JsonObject = {};
        for (const [name, sub] of Object.entries(s.properties)) {
          props[name] = isObject(sub) ? this.convert(sub, file, direction, 'inline') : {};
        }
        out.properties = props;
      }
      if (Array.isArray(s.required)) {
        const required = s.required.filter(
          (p): p is string => typeof p === 'string' && !this.isExemptFromRequired(s, file, p, direction),
        );
        if (required.length > 0) out.required = required;
      }
      if (isObject(s.items)) out.items = this.convert(s.items, file, direction, 'inline');
      else if (Array.isArray(s.items))
        out.items = s.items.map((i) => (isObject(i) ? this.convert(i, file, direction, 'inline') : {}));
      if (isObject(s.additionalProperties)) {
        out.additionalProperties = this.convert(s.additionalProperties, file, direction, 'inline');
      }

      let memberModels: ModelInfo[] = [];
      if (Array.isArray(s.allOf)) {
        // Inline `{allOf: [{$ref: X}]}` without own properties is Azure's "X with a description": keep X's view.
        const wrapper = kind === 'inline' && !hasOwnProperties && s.allOf.length === 1;
        memberModels = s.allOf
          .filter((m): m is JsonObject => isObject(m) && typeof m.$ref === 'string')
          .map((m) => this.modelFor(this.docs.resolve(m.$ref as string, file)));
        out.allOf = s.allOf.map((m) => {
          if (!isObject(m)) return {};
          if (typeof m.$ref === 'string') return this.refTo(m.$ref, file, wrapper ? 'view' : 'base');
          return this.convert(m, file, direction, 'inline');
        });
        if (wrapper) memberModels = [];
      }
      for (const k of ['anyOf', 'oneOf'] as const) {
        const list = s[k];
        if (Array.isArray(list))
          out[k] = list.map((m) => (isObject(m) ? this.convert(m, file, direction, 'inline') : {}));
      }
      if (isObject(s.not)) out.not = this.convert(s.not, file, direction, 'inline');

      if (kind === 'inline') {
        // Closing an inline schema; models are closed in their view instead (see modelView).
        const ap = s.additionalProperties;
        const composed = memberModels.length > 0;
        const inheritsClosed = memberModels.some((m) => this.explicitlyClosed(m));
        const open = ap === true || isObject(ap) || memberModels.some((m) => this.isDictionary(m));
        const declares = hasOwnProperties || memberModels.some((m) => this.hasProperties(m));
        if (ap === false && !composed) {
          out.additionalProperties = false;
        } else if (
          ap === false ||
          (ap === undefined && inheritsClosed) ||
          (this.options.rejectUnknownProperties && !open && declares)
        ) {
          // Azure's additionalProperties: false covers inherited properties too.
          out.unevaluatedProperties = false;
        }
      } else if (s.additionalProperties === true) {
        out.additionalProperties = true;
      }
    }
    return kind === 'inline' && s['x-nullable'] === true ? nullable(out) : out;
  }

  /** readOnly properties are not required in requests; unreadable (secret/write-only) ones not in responses. */
  private isExemptFromRequired(s: JsonObject, file: string, prop: string, direction: Direction): boolean {
    const found = this.findProperty(s, file, prop, new Set());
    if (!found) return false;
    const schemas: JsonObject[] = [found.schema];
    if (typeof found.schema.$ref === 'string') {
      const target = this.docs.resolve(found.schema.$ref, found.file).value;
      if (isObject(target)) schemas.push(target);
    }
    return schemas.some((sch) => {
      const mutability = Array.isArray(sch['x-ms-mutability']) ? (sch['x-ms-mutability'] as unknown[]) : undefined;
      if (direction === 'request') {
        return (
          sch.readOnly === true ||
          (mutability !== undefined && !mutability.includes('create') && !mutability.includes('update'))
        );
      }
      return sch['x-ms-secret'] === true || (mutability !== undefined && !mutability.includes('read'));
    });
  }

  private findProperty(
    s: JsonObject,
    file: string,
    prop: string,
    seen: Set<unknown>,
  ): { schema: JsonObject; file: string } | undefined {
    if (seen.has(s)) return undefined;
    seen.add(s);
    if (isObject(s.properties) && isObject(s.properties[prop]))
      return { schema: s.properties[prop] as JsonObject, file };
    if (Array.isArray(s.allOf)) {
      for (const member of s.allOf) {
        if (!isObject(member)) continue;
        if (typeof member.$ref === 'string') {
          const target = this.docs.resolve(member.$ref, file);
          if (isObject(target.value)) {
            const found = this.findProperty(target.value, target.file, prop, seen);
            if (found) return found;
          }
        } else {
          const found = this.findProperty(member, file, prop, seen);
          if (found) return found;
        }
      }
    }
    return undefined;
  }
}

function nullable(schema: JsonObject): JsonObject {
  return { if: { type: 'null' }, else: schema };
}

function convertExclusive(
  s: JsonObject,
  out: JsonObject,
  key: 'exclusiveMaximum' | 'exclusiveMinimum',
  bound: 'maximum' | 'minimum',
): void {
  const v = s[key];
  if (typeof v === 'number') out[key] = v;
  else if (v === true && typeof s[bound] === 'number') {
    out[key] = s[bound];
    delete out[bound];
  }
}

function isValidPattern(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

function sanitize(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]/g, '_');
}

function escapePointer(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

function unescapePointer(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}
