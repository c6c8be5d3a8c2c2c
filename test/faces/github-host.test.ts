import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runGithubStep } from './run-github';

describe('GithubHost maps the Host port onto the runner protocol', () => {
  let run: Awaited<ReturnType<typeof runGithubStep>>;
  let workspace: string;

  beforeAll(async () => {
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-gh-ws-'));
    run = await runGithubStep(
      'probe',
      { 'client-id': 'abc' },
      { RUNNER_DEBUG: '1' },
      { entry: 'probes/github-probe.js', cwd: workspace },
    );
  });
  afterAll(() => fs.rmSync(workspace, { recursive: true, force: true }));

  it('exits 0', () => expect(run.code).toBe(0));

  it('writes outputs (multi-line too) to GITHUB_OUTPUT and exported variables to GITHUB_ENV', () => {
    expect(run.outputs).toEqual({ plain: 'value', 'multi-line': 'first\nsecond' });
    expect(run.env).toEqual({ AMLOPS_WORKSPACE: 'ws-dev' });
  });

  it('reads inputs by their kebab names; a missing input is empty', () => {
    expect(run.stdout).toContain('input client-id=abc');
    expect(run.stdout).toContain('input missing=[]');
  });

  it('masks secrets, and each line of a multi-line secret', () => {
    expect(run.stdout).toContain('::add-mask::s3cret-value');
    expect(run.stdout).toContain('::add-mask::line-two-secret');
  });

  it('turns warnings with a location into file annotations', () => {
    expect(run.annotations).toContainEqual({
      kind: 'warning',
      properties: { file: 'jobs/train.yml', line: '7', col: '3' },
      message: 'check this',
    });
    expect(run.annotations).toContainEqual({ kind: 'warning', properties: {}, message: 'no location' });
  });

  it('groups, debug lines and the job summary', () => {
    expect(run.stdout).toMatch(/::group::A group\ninside the group\n::endgroup::/);
    expect(run.stdout).toContain('::debug::a debug line');
    expect(run.summary).toContain('## Probe summary');
  });

  it('describes inputs as the workflow writes them and resolves paths against GITHUB_WORKSPACE', () => {
    expect(run.stdout).toContain(`describe=input 'client-id' cwd=${workspace} face=github`);
  });
});
