import { execFileSync } from 'node:child_process';
import type { CiRun } from '../../host';

type Env = Readonly<Record<string, string | undefined>>;

const clean = (run: CiRun): CiRun =>
  Object.fromEntries(Object.entries(run).filter(([, v]) => typeof v === 'string' && v !== '')) as CiRun;

/** A GitHub Actions run, from the variables the runner sets for every step. */
export function githubCiRun(env: Env): CiRun {
  const server = (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '');
  const runUrl =
    env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
      ? `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}${env.GITHUB_RUN_ATTEMPT && env.GITHUB_RUN_ATTEMPT !== '1' ? `/attempts/${env.GITHUB_RUN_ATTEMPT}` : ''}`
      : undefined;
  return clean({
    provider: 'github',
    commit: env.GITHUB_SHA,
    runUrl,
    repository: env.GITHUB_REPOSITORY ? `${server}/${env.GITHUB_REPOSITORY}` : undefined,
    ref: env.GITHUB_REF,
  });
}

/** An Azure Pipelines run, from the agent's predefined variables (exposed as environment variables). */
export function adoCiRun(env: Env): CiRun {
  const collection = (env.SYSTEM_COLLECTIONURI || env.SYSTEM_TEAMFOUNDATIONCOLLECTIONURI || '').replace(/\/+$/, '');
  const project = env.SYSTEM_TEAMPROJECT;
  const runUrl =
    collection && project && env.BUILD_BUILDID
      ? `${collection}/${encodeURIComponent(project)}/_build/results?buildId=${env.BUILD_BUILDID}`
      : undefined;
  return clean({
    provider: 'azure-devops',
    commit: env.BUILD_SOURCEVERSION,
    runUrl,
    repository: env.BUILD_REPOSITORY_URI,
    ref: env.BUILD_SOURCEBRANCH,
  });
}

/** A local run: the commit of the git work tree at cwd, if it is one (nothing otherwise). */
export function gitCiRun(cwd: string): CiRun {
  const git = (...args: string[]): string | undefined => {
    try {
      return execFileSync('git', args, {
        cwd,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        timeout: 5000,
      }).trim();
    } catch {
      return undefined;
    }
  };
  const commit = git('rev-parse', 'HEAD');
  if (!commit) return {};
  return clean({ provider: 'local', commit, ref: git('symbolic-ref', '-q', 'HEAD') });
}
