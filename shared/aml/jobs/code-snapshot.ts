import { createHash, type Hash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import ignore from 'ignore';
import { UserError } from '../../errors';

/**
 * The pure part of a code upload, by azure-ai-ml's rules (_utils/_asset_utils.py):
 * - the ignore file is `.amlignore`, else `.gitignore`, read from the code folder itself only;
 * - patterns are tried in file order and the FIRST one that matches decides (not git's last-match);
 * - objectHash = md5 seeded with "Initialize for october 2021 AML CLI version", then for every
 *   entry not ignored, sorted by lower-cased path: its name, then the file's bytes or the folder's
 *   entries (get_object_hash). It names the blob folder: LocalUpload/<objectHash>/<folder name>;
 * - contentHash = sha256 of the file count, then '#<relative path>#<size>' per file, then every
 *   file's bytes (get_content_hash). It goes into the code version's properties as hash_sha256,
 *   with hash_version 202208, and is what the workspace is asked for before uploading again.
 */
export interface CodeSnapshot {
  root: string;
  /** Which ignore file applied, if any. */
  ignoreFile?: '.amlignore' | '.gitignore';
  /** Files to upload, relative to root with '/' separators, sorted. */
  files: string[];
  objectHash: string;
  contentHash: string;
  /** Blob folder az ml uploads into. */
  blobPrefix: string;
}

export const CONTENT_HASH_VERSION = '202208';

interface Rule {
  include: boolean;
  matches: (rel: string) => boolean;
}

/** Reads the ignore rules of a code folder the way az ml does. */
export function ignoreRules(root: string): { file?: CodeSnapshot['ignoreFile']; rules: Rule[] } {
  for (const name of ['.amlignore', '.gitignore'] as const) {
    const file = path.join(root, name);
    if (!fs.existsSync(file)) continue;
    const rules: Rule[] = [];
    for (const raw of fs.readFileSync(file, 'utf8').split(/\r?\n/)) {
      const line = raw.replace(/\s+$/, '');
      if (!line || line.startsWith('#')) continue;
      const negated = line.startsWith('!');
      const pattern = negated ? line.slice(1) : line;
      // One matcher per pattern, so the first match can decide as azure-ai-ml's loop does.
      const matcher = ignore().add(pattern);
      rules.push({ include: !negated, matches: (rel) => matcher.ignores(rel) });
    }
    return { file: name, rules };
  }
  return { rules: [] };
}

function excluded(rules: Rule[], rel: string): boolean {
  for (const rule of rules) if (rule.matches(rel)) return rule.include;
  return false;
}

/** Walks a code folder and computes both hashes; deterministic for the same content and rules. */
export function snapshotCode(root: string): CodeSnapshot {
  const abs = path.resolve(root);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(abs);
  } catch {
    throw new UserError(`code folder not found: ${root}`);
  }
  const { file, rules } = ignoreRules(stat.isDirectory() ? abs : path.dirname(abs));
  const objectHash = createHash('md5').update('Initialize for october 2021 AML CLI version');
  const files: { rel: string; full: string }[] = [];

  const walk = (dir: string, relDir: string): void => {
    const entries = fs
      .readdirSync(dir)
      .map((name) => ({ name, full: path.join(dir, name) }))
      .sort((a, b) => compareLower(a.full, b.full));
    for (const { name, full } of entries) {
      const rel = relDir ? `${relDir}/${name}` : name;
      if (excluded(rules, rel)) continue;
      objectHash.update(name);
      const real = fs.statSync(full); // follows symbolic links, as az ml hashes the linked content
      if (real.isDirectory()) walk(full, rel);
      else if (real.isFile()) {
        hashFile(objectHash, full);
        files.push({ rel, full });
      }
    }
  };
  if (stat.isDirectory()) walk(abs, '');
  else {
    hashFile(objectHash, abs);
    files.push({ rel: path.basename(abs), full: abs });
  }

  if (files.length === 0 && stat.isDirectory())
    throw new UserError(`code folder is empty (after ignore rules): ${root}`);
  const sorted = [...files].sort((a, b) => compareLower(a.rel, b.rel));
  const content = createHash('sha256').update(String(files.length));
  for (const f of sorted) content.update(`#${f.rel}#`).update(String(fs.statSync(f.full).size));
  for (const f of sorted) hashFile(content, f.full);
  const object = objectHash.digest('hex');
  return {
    root: abs,
    ignoreFile: file,
    files: files.map((f) => f.rel).sort(),
    objectHash: object,
    contentHash: content.digest('hex'),
    blobPrefix: `LocalUpload/${object}/${path.basename(abs)}`,
  };
}

function hashFile(hash: Hash, file: string): void {
  hash.update(fs.readFileSync(file));
}

/** Python's sorted(key=str.lower): code-point order of the lower-cased text. */
function compareLower(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Body of PUT codes/<name>/versions/<version> for an uploaded snapshot. */
export function codeVersionBody(snapshot: CodeSnapshot, codeUri: string): Record<string, unknown> {
  return {
    properties: {
      codeUri,
      isAnonymous: true,
      properties: { hash_sha256: snapshot.contentHash, hash_version: CONTENT_HASH_VERSION },
    },
  };
}
