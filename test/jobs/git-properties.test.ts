import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gitProperties, withGitProperties, withoutCredentials } from '../../shared/aml/jobs/git-properties';

/** The git properties az ml adds to a job, read with the git CLI from a real temporary repository. */

const run = (dir: string, ...args: string[]) =>
  execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' } }).trim();

describe('git properties of a submitted job', () => {
  let repo: string;
  let jobs: string;
  beforeAll(() => {
    repo = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-git-'));
    run(repo, 'init', '-q', '-b', 'train-branch');
    run(repo, 'config', 'user.email', 'ds@example.com');
    run(repo, 'config', 'user.name', 'ds');
    run(repo, 'remote', 'add', 'origin', 'https://someone:s3cret@example.com/team/models.git');
    jobs = path.join(repo, 'pipelines');
    fs.mkdirSync(jobs);
    fs.writeFileSync(path.join(jobs, 'job.yml'), 'command: echo\n');
    run(repo, 'add', '.');
    run(repo, 'commit', '-q', '-m', 'first');
  });
  afterAll(() => fs.rmSync(repo, { recursive: true, force: true }));

  it('names the repository (without credentials), branch and commit, and a clean tree', () => {
    expect(gitProperties(jobs, {})).toEqual({
      'mlflow.source.git.repoURL': 'https://example.com/team/models.git',
      'mlflow.source.git.branch': 'train-branch',
      'mlflow.source.git.commit': run(repo, 'rev-parse', 'HEAD'),
      'azureml.git.dirty': 'False',
    });
  });

  it('says the tree is dirty when the job folder has changes, and AZUREML_GIT_* variables win', () => {
    fs.writeFileSync(path.join(jobs, 'job.yml'), 'command: echo changed\n');
    try {
      const props = gitProperties(jobs, { AZUREML_GIT_BRANCH: 'release', AZUREML_GIT_BUILD_ID: '42' });
      expect(props).toMatchObject({
        'azureml.git.dirty': 'True',
        'mlflow.source.git.branch': 'release',
        'azureml.git.build_id': '42',
      });
    } finally {
      run(repo, 'checkout', '--', '.');
    }
  });

  it('adds nothing outside a repository, and keeps properties a job already has', () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-nogit-'));
    try {
      expect(gitProperties(outside, {})).toEqual({});
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
    const git = { 'mlflow.source.git.commit': 'abc', 'azureml.git.dirty': 'False' };
    expect(withGitProperties({ a: '1' }, git)).toEqual({ a: '1', ...git });
    expect(withGitProperties({ 'mlflow.source.git.commit': 'old' }, git)).toEqual({
      'mlflow.source.git.commit': 'old',
    });
    expect(withoutCredentials('git@github.com:team/models.git')).toBe('git@github.com:team/models.git');
  });
});
