import { execFileSync } from 'node:child_process';

/**
 * The job properties az ml adds from the git repository a job is submitted from (azure-ai-ml's
 * get_git_properties): repository URL, branch, commit and whether the working tree has changes,
 * plus a build id and URL that only CI sets. AZUREML_GIT_* variables win over what git says, as
 * there. git runs in the job file's folder; without git or outside a repository nothing is added.
 */

export const GIT_PROPERTIES = {
  repoUrl: 'mlflow.source.git.repoURL',
  branch: 'mlflow.source.git.branch',
  commit: 'mlflow.source.git.commit',
  dirty: 'azureml.git.dirty',
  buildId: 'azureml.git.build_id',
  buildUri: 'azureml.git.build_uri',
} as const;

function git(dir: string, args: string[]): string | undefined {
  try {
    return execFileSync('git', args, {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 10_000,
    });
  } catch {
    return undefined;
  }
}

const text = (v: string | undefined): string | undefined => v?.trim() || undefined;
const flag = (v: string | undefined): boolean | undefined =>
  v === undefined ? undefined : ['true', '1'].includes(v.trim().toLowerCase());

/** A remote URL without the user name and password some clones keep in it (they would end up in the job). */
export function withoutCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
}

export function gitProperties(dir: string, env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  let repoUrl = env.AZUREML_GIT_REPOSITORY_URI;
  let branch = env.AZUREML_GIT_BRANCH;
  let commit = env.AZUREML_GIT_COMMIT;
  let dirty = env.AZUREML_GIT_DIRTY;
  if (flag(git(dir, ['rev-parse', '--is-inside-work-tree']))) {
    repoUrl ??= git(dir, ['ls-remote', '--get-url']);
    branch ??= git(dir, ['symbolic-ref', '--short', 'HEAD']);
    commit ??= git(dir, ['rev-parse', 'HEAD']);
    if (dirty === undefined) {
      const status = git(dir, ['status', '--porcelain', '.']);
      if (status !== undefined) dirty = status.trim() ? 'true' : 'false';
    }
  }
  const out: Record<string, string> = {};
  const url = text(repoUrl);
  if (url) out[GIT_PROPERTIES.repoUrl] = withoutCredentials(url);
  if (text(branch)) out[GIT_PROPERTIES.branch] = text(branch)!;
  if (text(commit)) out[GIT_PROPERTIES.commit] = text(commit)!;
  const d = flag(dirty);
  // Python's str(bool), as azure-ai-ml writes it.
  if (d !== undefined) out[GIT_PROPERTIES.dirty] = d ? 'True' : 'False';
  if (text(env.AZUREML_GIT_BUILD_ID)) out[GIT_PROPERTIES.buildId] = text(env.AZUREML_GIT_BUILD_ID)!;
  if (text(env.AZUREML_GIT_BUILD_URI)) out[GIT_PROPERTIES.buildUri] = text(env.AZUREML_GIT_BUILD_URI)!;
  return out;
}

/** Adds the git properties unless the job already names one of them (an update must not change them). */
export function withGitProperties(
  properties: Record<string, string>,
  git: Record<string, string>,
): Record<string, string> {
  if (Object.keys(git).some((k) => k in properties)) return properties;
  return { ...properties, ...git };
}
