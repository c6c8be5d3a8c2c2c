import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../errors';
import { sampleNotebooks } from './notebooks';
import { templateFiles, type Ci } from './templates';

export type CiChoice = Ci | 'both';
export const DEFAULT_REGISTRY = 'ml-registry';
export const CI_CHOICES: readonly CiChoice[] = ['github', 'azure-devops', 'both'];

export interface ScaffoldOptions {
  ci: CiChoice;
  /** Folder name under notebooks/ for the first person's notebooks. */
  person: string;
  /** Project name used in resource names; default: the target folder's name. */
  project?: string;
  /** Registry dev promotes into and the prod side deploys from; default DEFAULT_REGISTRY. */
  registry?: string;
}

export interface ScaffoldResult {
  dir: string;
  /** Relative paths (POSIX) of the files written, sorted. */
  written: string[];
  /** Those of them that existed before (only with force). */
  overwritten: string[];
}

/**
 * A name fit for Azure ML resources (endpoint names: a letter first, then letters, digits and
 * hyphens; `<project>-batch-prod` must stay within 32 characters).
 */
export function projectSlug(name: string): string {
  let slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (!/^[a-z]/.test(slug)) slug = `ml-${slug}`.replace(/-+$/, '');
  return slug.slice(0, 20).replace(/-+$/, '');
}

/** Every file of the project (relative POSIX path -> content) for the given options. */
export function scaffoldFiles(options: ScaffoldOptions & { project: string }): Record<string, string> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(options.person)) {
    throw new UserError(
      `--person must be a plain folder name (letters, digits, '.', '_', '-'), got '${options.person}'`,
    );
  }
  const registry = options.registry ?? DEFAULT_REGISTRY;
  // Azure ML registry names: 3 to 33 letters, digits, '-' and '_', starting with a letter or digit.
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{2,32}$/.test(registry)) {
    throw new UserError(
      `--registry must be an Azure ML registry name (3 to 33 letters, digits, '-' and '_', starting with a letter or digit), got '${registry}'`,
    );
  }
  const project = projectSlug(options.project);
  const fill = (text: string) =>
    text
      .replace(/%%PROJECT%%/g, project)
      .replace(/%%MODEL%%/g, `${project}-model`)
      .replace(/%%REGISTRY%%/g, registry);
  const wanted = (ci: Ci | undefined) => !ci || options.ci === 'both' || options.ci === ci;
  const files: Record<string, string> = {};
  for (const [file, template] of Object.entries(templateFiles)) {
    if (wanted(template.ci)) files[file] = fill(template.text);
  }
  for (const [name, text] of Object.entries(sampleNotebooks(project))) {
    files[`notebooks/${options.person}/${name}`] = text;
  }
  return files;
}

/**
 * Writes the project into dir. Refuses, writing nothing, when any of its files exists already
 * (unless force) or when a folder stands where a file goes.
 */
export function writeScaffold(dir: string, options: ScaffoldOptions, force = false): ScaffoldResult {
  const target = path.resolve(dir);
  if (fs.existsSync(target) && !fs.statSync(target).isDirectory()) {
    throw new UserError(`${dir} exists and is not a folder`, { hint: 'Name a new or existing folder.' });
  }
  const files = scaffoldFiles({ ...options, project: options.project ?? path.basename(target) });
  const paths = Object.keys(files).sort();
  const existing = paths.filter((p) => fs.existsSync(path.join(target, p)));
  const blocked = existing.filter((p) => !fs.statSync(path.join(target, p)).isFile());
  if (blocked.length) {
    throw new UserError(`cannot write ${blocked.join(', ')} in ${dir}: a folder of that name exists`, {
      hint: 'Move it away; nothing was written.',
    });
  }
  if (existing.length && !force) {
    throw new UserError(
      `${dir} already has ${existing.length} of the files amlops init writes:\n${existing.map((p) => `  ${p}`).join('\n')}`,
      { hint: 'Nothing was written. Run again with --force to overwrite them, or choose another folder.' },
    );
  }
  for (const p of paths) {
    const file = path.join(target, p);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, files[p]);
  }
  return { dir: target, written: paths, overwritten: existing };
}
