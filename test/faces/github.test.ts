import { testedNodes } from './child';
import { parseFileCommand, runGithubStep } from './run-github';

const nodes = testedNodes;
const noStack = (text: string) => expect(text).not.toMatch(/^\s+at /m);

describe('GitHub face: the bundled action as the runner runs it', () => {
  it.each(nodes)('fails with one ::error:: naming the missing input and exit 1 (node %s)', async (node) => {
    const run = await runGithubStep('connect', {}, {}, { node });
    expect(run.code).toBe(1);
    const errors = run.annotations.filter((a) => a.kind === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toMatch(/^connect failed: .*input 'workspace'/);
    expect(run.stdout.split('\n').filter((l) => l.startsWith('::error'))).toHaveLength(1);
    noStack(run.stdout + run.stderr);
    expect(run.outputs).toEqual({});
  });

  it.each(nodes)(
    'rejects a bad choice before touching Azure, naming the input as written in the workflow (node %s)',
    async (node) => {
      const run = await runGithubStep(
        'connect',
        { cloud: 'Mars', workspace: 'w', 'resource-group': 'rg', 'subscription-id': 's' },
        {},
        { node },
      );
      expect(run.code).toBe(1);
      expect(run.annotations).toEqual([
        expect.objectContaining({ kind: 'error', message: expect.stringMatching(/input 'cloud'.*Mars/) }),
      ]);
      noStack(run.stdout + run.stderr);
    },
  );
});

describe('GITHUB_OUTPUT / GITHUB_ENV parsing', () => {
  it.each([
    ['name=value', { name: 'value' }],
    ['a=1\nb=x=y\n', { a: '1', b: 'x=y' }],
    ['multi<<ghadelimiter_1\nline 1\nline 2\nghadelimiter_1\nnext=2\n', { multi: 'line 1\nline 2', next: '2' }],
    ['empty<<EOF\nEOF\n', { empty: '' }],
    ['url=https://x?a<<b\n', { url: 'https://x?a<<b' }],
  ])('%j', (text, expected) => {
    expect(parseFileCommand(text)).toEqual(expected);
  });

  it('rejects an unterminated block', () => {
    expect(() => parseFileCommand('x<<EOF\nvalue\n')).toThrow(/unterminated/);
  });
});
