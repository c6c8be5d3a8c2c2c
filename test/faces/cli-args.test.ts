import { closeMatches, envName, parseStepArgs, UsageError } from '../../cli/args';
import type { StepDeclaration } from '../../shared/declarations/types';

const decl: StepDeclaration = {
  id: 'demo',
  pascal: 'Demo',
  title: 'demo',
  description: 'demo',
  taskId: '00000000-0000-0000-0000-000000000000',
  version: { major: 1, minor: 0, patch: 0 },
  branding: { icon: 'box', color: 'blue' },
  inputs: [
    { name: 'workspace', description: '', type: 'string' },
    { name: 'wait', description: '', type: 'boolean' },
    { name: 'max-instances', description: '', type: 'number' },
    { name: 'azure-subscription', description: '', type: 'string', faces: ['azure-devops'] },
  ],
  outputs: [],
};

describe('CLI argument parsing', () => {
  it.each<[string[], Record<string, string>]>([
    [['--workspace', 'w'], { workspace: 'w' }],
    [['--workspace=w=1'], { workspace: 'w=1' }],
    [['--workspace='], { workspace: '' }],
    [['--wait'], { wait: 'true' }],
    [['--no-wait'], { wait: 'false' }],
    [['--wait=false'], { wait: 'false' }],
    [['--wait', 'False', '--workspace', 'w'], { wait: 'False', workspace: 'w' }],
    [['--wait', '--max-instances', '3'], { wait: 'true', 'max-instances': '3' }],
  ])('%j', (argv, inputs) => {
    expect(parseStepArgs(decl, argv).inputs).toEqual(inputs);
  });

  it('global options', () => {
    expect(parseStepArgs(decl, ['--json', '--debug', '--summary-file', 's.md', '-h']).options).toEqual({
      json: true,
      debug: true,
      help: true,
      summaryFile: 's.md',
    });
  });

  it.each<[string[], RegExp]>([
    [['--workspce', 'x'], /unknown option --workspce. Did you mean --workspace\?/],
    [['--max-instance', '2'], /Did you mean --max-instances\?/],
    [['--zzz'], /^unknown option --zzz$/],
    [['--workspace'], /--workspace needs a value/],
    [['--workspace', '--wait'], /--workspace needs a value/],
    [['--workspace', 'a', '--workspace', 'b'], /--workspace given more than once/],
    [['--wait', '--no-wait'], /--wait given more than once/],
    [['--no-wait=true'], /--no-wait takes no value/],
    [['--no-workspace'], /unknown option --no-workspace/],
    [['stray'], /unexpected argument 'stray'/],
    [['--azure-subscription', 'x'], /not available on the command line \(only in: azure-devops\)/],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parseStepArgs(decl, argv)).toThrow(UsageError);
    expect(() => parseStepArgs(decl, argv)).toThrow(message);
  });

  it('close matches and environment names', () => {
    expect(closeMatches('conect', ['connect', 'ensure-compute'])).toEqual(['connect']);
    expect(closeMatches('xyz', ['connect'])).toEqual([]);
    expect(envName('resource-group')).toBe('AMLOPS_RESOURCE_GROUP');
  });
});
