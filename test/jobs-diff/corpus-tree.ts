import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';

/**
 * The corpus holds only the YAML files of azureml-examples. Both clients need what those files point
 * at (code folders, local inputs, conda files, build contexts) to exist, so a copy of the tree gets
 * small placeholders for every local path any YAML file in it names. The rules look at YAML keys
 * and values only, never at file names, so they work the same on files nobody has seen yet.
 */

type Yaml = unknown;
const isMap = (v: Yaml): v is Record<string, Yaml> => !!v && typeof v === 'object' && !Array.isArray(v);

/** Not a local path: an asset reference, a URL, a datastore path, a binding or an ARM id. */
export function isLocalPath(value: string): boolean {
  const v = value.trim();
  if (!v || v.includes('${{')) return false;
  if (/^azureml:/i.test(v)) return false;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) return false;
  if (v.startsWith('/subscriptions/')) return false;
  return true;
}

const stripFilePrefix = (p: string): string => p.replace(/^(file|folder):/, '');

/**
 * Placeholder content: fixed text, so both clients hash and upload the same bytes; scripts and data
 * name their own path, so different folders never have the same content (as real ones do not).
 */
const placeholderScript = (rel: string): string =>
  `# placeholder for ${rel}, written by the job differential test\nprint("placeholder")\n`;
const PLACEHOLDER_CONDA = 'name: placeholder\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.10\n  - pip\n';
const PLACEHOLDER_DOCKERFILE = 'FROM python:3.10-slim\n';
const placeholderCsv = (rel: string): string => `path,value\n${rel},1\n`;
const PLACEHOLDER_MLTABLE =
  'paths:\n  - file: ./placeholder.csv\ntransformations:\n  - read_delimited:\n      delimiter: ","\n';
const PLACEHOLDER_MLMODEL = 'flavors:\n  python_function:\n    loader_module: placeholder\n';

/** A code or input path ending in an extension is a file; anything else is a folder. */
const FILE_EXTENSION = /\.[A-Za-z0-9]{1,8}$/;

export interface PlaceholderReport {
  /** Paths created, relative to the tree's root. */
  created: string[];
}

/** What one placeholder must be, decided from where the path appears in the YAML. */
type Need =
  | { kind: 'folder'; what: 'code' | 'input' | 'build'; dataType?: string; dockerfile?: string }
  | { kind: 'file'; what: 'code' | 'input' | 'conda' };

/** Copies `src` to `dest` and adds placeholders for every local path the YAML files there name. */
export function prepareCorpusCopy(src: string, dest: string): PlaceholderReport {
  fs.cpSync(src, dest, { recursive: true });
  const created: string[] = [];
  for (const file of yamlFiles(dest)) {
    let data: Yaml;
    try {
      data = readYaml(file);
    } catch {
      continue;
    }
    const dir = path.dirname(file);
    for (const { value, need } of localPaths(data)) {
      const target = path.resolve(dir, stripFilePrefix(value));
      // Never write outside the copy, whatever a file says.
      if (path.relative(dest, target).startsWith('..')) continue;
      const rel = path.relative(dest, target).split(path.sep).join('/');
      if (materialise(target, need, rel)) created.push(rel);
    }
  }
  return { created: [...new Set(created)].sort() };
}

/** Parses a YAML file quietly (templated files of the corpus make the parser warn). */
export function readYaml(file: string): Yaml {
  return parse(fs.readFileSync(file, 'utf8'), { logLevel: 'error' });
}

export function yamlFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.ya?ml$/i.test(entry.name)) out.push(full);
    }
  };
  walk(root);
  return out;
}

/** Every local path in a parsed YAML document, with what kind of thing it must be. */
export function localPaths(data: Yaml): { value: string; need: Need }[] {
  const out: { value: string; need: Need }[] = [];
  // A data or model asset definition: its own `path` is what gets uploaded.
  if (isMap(data) && typeof data.$schema === 'string' && /\/(data|model)\.schema\.json$/i.test(data.$schema)) {
    const type = typeof data.type === 'string' ? data.type.toLowerCase() : 'uri_folder';
    if (typeof data.path === 'string' && isLocalPath(data.path)) {
      out.push({
        value: data.path,
        need: type === 'uri_file' ? { kind: 'file', what: 'input' } : { kind: 'folder', what: 'input', dataType: type },
      });
    }
  }
  const visit = (node: Yaml): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    if (!isMap(node)) return;
    for (const [k, v] of Object.entries(node)) {
      if (k === 'code' && typeof v === 'string' && isLocalPath(v)) {
        const need: Need = FILE_EXTENSION.test(v) ? { kind: 'file', what: 'code' } : { kind: 'folder', what: 'code' };
        out.push({ value: v, need });
        // Spark: the entry file and the py_files, files, jars and archives it names live in the code folder.
        if (need.kind === 'folder') {
          const entry = isMap(node.entry) && typeof node.entry.file === 'string' ? [node.entry.file] : [];
          const extras = ['py_files', 'files', 'jars', 'archives'].flatMap((key) => {
            const list = node[key];
            return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : [];
          });
          for (const f of [...entry, ...extras].filter(isLocalPath)) {
            out.push({ value: path.posix.join(v, f.split('#')[0]), need: { kind: 'file', what: 'code' } });
          }
        }
      } else if (k === 'conda_file' && typeof v === 'string' && isLocalPath(v)) {
        out.push({ value: v, need: { kind: 'file', what: 'conda' } });
      } else if (k === 'build' && isMap(v) && typeof v.path === 'string' && isLocalPath(v.path)) {
        const dockerfile = typeof v.dockerfile_path === 'string' ? v.dockerfile_path : 'Dockerfile';
        out.push({ value: v.path, need: { kind: 'folder', what: 'build', dockerfile } });
      } else if (['training_data', 'validation_data', 'test_data'].includes(k) && isMap(v)) {
        // AutoML data: a local MLTable folder (or file) uploaded like an input.
        if (typeof v.path === 'string' && isLocalPath(v.path)) {
          const type = typeof v.type === 'string' ? v.type.toLowerCase() : 'mltable';
          out.push({
            value: v.path,
            need:
              type === 'uri_file' ? { kind: 'file', what: 'input' } : { kind: 'folder', what: 'input', dataType: type },
          });
        }
      } else if (k === 'inputs' && isMap(v)) {
        for (const input of Object.values(v)) {
          if (!isMap(input) || typeof input.path !== 'string' || !isLocalPath(input.path)) continue;
          const type = typeof input.type === 'string' ? input.type.toLowerCase() : 'uri_folder';
          const literal = ['string', 'integer', 'number', 'boolean'].includes(type);
          if (literal) continue;
          out.push({
            value: input.path,
            need:
              type === 'uri_file' ? { kind: 'file', what: 'input' } : { kind: 'folder', what: 'input', dataType: type },
          });
        }
      }
      if (typeof v === 'object' && v !== null) visit(v);
    }
  };
  visit(data);
  return out;
}

/** Creates the placeholder unless something is there already; true when it wrote anything. */
function materialise(target: string, need: Need, rel: string): boolean {
  if (need.kind === 'file') {
    if (fs.existsSync(target)) return false;
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const text =
      need.what === 'conda' ? PLACEHOLDER_CONDA : need.what === 'code' ? placeholderScript(rel) : placeholderCsv(rel);
    fs.writeFileSync(target, text);
    return true;
  }
  if (fs.existsSync(target) && !fs.statSync(target).isDirectory()) return false;
  let wrote = false;
  const put = (name: string, text: string): void => {
    const file = path.join(target, name);
    if (fs.existsSync(file)) return;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    wrote = true;
  };
  if (need.what === 'build') put(need.dockerfile ?? 'Dockerfile', PLACEHOLDER_DOCKERFILE);
  else if (need.what === 'code') {
    // A folder that already holds files (e.g. `code: .` beside the YAML) is uploaded as it is.
    if (!fs.existsSync(target) || fs.readdirSync(target).length === 0) put('main.py', placeholderScript(rel));
  } else if (need.dataType === 'mltable') {
    put('MLTable', PLACEHOLDER_MLTABLE);
    put('placeholder.csv', placeholderCsv(rel));
  } else if (need.dataType === 'mlflow_model') {
    put('MLmodel', PLACEHOLDER_MLMODEL);
  } else if (!fs.existsSync(target) || fs.readdirSync(target).length === 0) {
    put('placeholder.csv', placeholderCsv(rel));
  }
  return wrote;
}

/** An `azureml:` reference a supported job file makes, with the kind of asset it names. */
export interface AssetReference {
  kind: 'environments' | 'components' | 'data' | 'models';
  name: string;
  /** Label (`@latest`) or version (`:3`). */
  label?: string;
  version?: string;
}

/**
 * The named assets a job file refers to (`azureml:NAME@label` or `azureml:NAME:version`), read from
 * where they appear: environment, component/trial, or a data input. Curated environments and ARM or
 * registry ids are not included (the clients do not look them up in the workspace).
 */
export function assetReferences(data: Yaml): AssetReference[] {
  const out: AssetReference[] = [];
  const add = (kind: AssetReference['kind'], value: unknown): void => {
    if (typeof value !== 'string') return;
    const m = /^azureml:([^/:@]+)(?:@([\w.-]+)|:([^/]+))$/.exec(value.trim());
    if (!m) return;
    if (kind === 'environments' && m[1].startsWith('AzureML-')) return;
    out.push({ kind, name: m[1], label: m[2], version: m[3] });
  };
  const visit = (node: Yaml): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!isMap(node)) return;
    for (const [k, v] of Object.entries(node)) {
      if (k === 'environment') add('environments', v);
      else if (k === 'component' || k === 'trial') add('components', v);
      else if (k === 'inputs' && isMap(v)) {
        for (const input of Object.values(v)) {
          if (!isMap(input)) continue;
          const type = typeof input.type === 'string' ? input.type.toLowerCase() : '';
          add(
            type === 'mlflow_model' || type === 'custom_model' || type === 'triton_model' ? 'models' : 'data',
            input.path,
          );
        }
      }
      if (typeof v === 'object' && v !== null) visit(v);
    }
  };
  visit(data);
  return out;
}

/** Compute names a job file targets (`compute`, `default_compute`), bindings and serverless left out. */
export function computeNames(data: Yaml): string[] {
  const out = new Set<string>();
  const visit = (node: Yaml): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!isMap(node)) return;
    for (const [k, v] of Object.entries(node)) {
      if ((k === 'compute' || k === 'default_compute') && typeof v === 'string') {
        const name = v.trim().replace(/^azureml:/, '');
        if (name && !name.includes('${{') && !name.startsWith('/') && !['serverless', 'local'].includes(name)) {
          out.add(name);
        }
      }
      if (typeof v === 'object' && v !== null) visit(v);
    }
  };
  visit(data);
  return [...out];
}

/** True when the job file (top level) names a compute of its own, or pipeline settings do. */
export function hasOwnCompute(data: Yaml): boolean {
  if (!isMap(data)) return false;
  if (typeof data.compute === 'string' && data.compute.trim()) return true;
  const settings = data.settings;
  return isMap(settings) && typeof settings.default_compute === 'string' && !!settings.default_compute.trim();
}
