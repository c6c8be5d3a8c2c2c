import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** A parsed JSON object (swagger documents, schemas, parameters). */
export type JsonObject = { [key: string]: unknown };

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Where a `$ref` points: the absolute file, the JSON pointer inside it and the value found there. */
export interface RefTarget {
  file: string;
  pointer: string;
  value: unknown;
}

/**
 * The swagger files of one API version plus every file their `$ref`s reach (common types), loaded
 * by absolute path so relative references resolve as they do upstream. `x-ms-examples` are not
 * followed: most of their files are not part of the copy.
 */
export class SpecDocuments {
  private readonly docs = new Map<string, unknown>();

  /** Loads `files` (absolute paths) and, transitively, every file referenced by a schema/parameter `$ref`. */
  static async load(files: readonly string[]): Promise<SpecDocuments> {
    const set = new SpecDocuments();
    let pending = [...new Set(files.map((f) => path.resolve(f)))];
    while (pending.length > 0) {
      const loaded = await Promise.all(pending.map(async (file) => [file, await readJson(file)] as const));
      const next = new Set<string>();
      for (const [file, json] of loaded) set.docs.set(file, json);
      for (const [file, json] of loaded) {
        for (const ref of collectRefs(json)) {
          const target = splitRef(ref, file).file;
          if (!set.docs.has(target)) next.add(target);
        }
      }
      pending = [...next];
    }
    return set;
  }

  get files(): string[] {
    return [...this.docs.keys()];
  }

  document(file: string): unknown {
    const doc = this.docs.get(file);
    if (doc === undefined) throw new Error(`spec file not loaded: ${file}`);
    return doc;
  }

  /** Resolves `ref` written in `fromFile`; throws with both names when it dangles. */
  resolve(ref: string, fromFile: string): RefTarget {
    const { file, pointer } = splitRef(ref, fromFile);
    const value = getPointer(this.document(file), pointer);
    if (value === undefined) throw new Error(`unresolved $ref '${ref}' in ${fromFile}`);
    return { file, pointer, value };
  }
}

async function readJson(file: string): Promise<unknown> {
  const text = await fs.readFile(file, 'utf8');
  try {
    // Strip a UTF-8 byte-order mark, which some upstream files carry.
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    throw new Error(`${file}: invalid JSON: ${(err as Error).message}`, { cause: err });
  }
}

/** Every `$ref` string in a document, skipping `x-ms-examples` (example files are not schemas). */
function collectRefs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) {
    for (const item of node) collectRefs(item, out);
  } else if (isObject(node)) {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'x-ms-examples') continue;
      if (key === '$ref' && typeof value === 'string') out.push(value);
      else collectRefs(value, out);
    }
  }
  return out;
}

export function splitRef(ref: string, fromFile: string): { file: string; pointer: string } {
  const hash = ref.indexOf('#');
  const filePart = hash < 0 ? ref : ref.slice(0, hash);
  const pointer = hash < 0 ? '' : ref.slice(hash + 1);
  const file = filePart === '' ? fromFile : path.resolve(path.dirname(fromFile), decodeURI(filePart));
  return { file, pointer };
}

export function getPointer(doc: unknown, pointer: string): unknown {
  if (pointer === '' || pointer === '/') return doc;
  let node: unknown = doc;
  for (const raw of pointer.replace(/^\//, '').split('/')) {
    const token = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) node = node[Number(token)];
    else if (isObject(node) && Object.prototype.hasOwnProperty.call(node, token)) node = node[token];
    else return undefined;
  }
  return node;
}
