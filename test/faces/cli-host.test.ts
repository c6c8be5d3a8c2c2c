import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CliHost } from '../../cli/cli-host';

describe('CliHost', () => {
  let dir: string;
  let err: string;
  let before: Record<string, unknown[]>;
  const make = (options: Partial<ConstructorParameters<typeof CliHost>[0]> = {}) =>
    new CliHost({ inputs: {}, debug: false, env: {}, stderr: (t) => (err += t), ...options });
  beforeEach(() => {
    before = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM') };
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-clihost-'));
    err = '';
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    // Only the handlers the hosts added; jest may have its own.
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      for (const l of process.listeners(signal))
        if (!before[signal].includes(l)) process.removeListener(signal, l as () => void);
    }
  });

  it('reads options first, then AMLOPS_<NAME>; empty variables do not count', () => {
    const host = make({
      inputs: { workspace: 'from-flag' },
      env: { AMLOPS_COMPUTE: 'from-env', AMLOPS_TIMEOUT: '5m', AMLOPS_DISPLAY_NAME: '' },
    });
    expect(host.getInput('workspace')).toBe('from-flag');
    expect(host.getInput('compute')).toBe('from-env');
    expect(host.getInput('timeout')).toBe('5m');
    expect(host.getInput('display-name')).toBeUndefined();
    expect(host.describeInput('resource-group')).toBe('--resource-group');
  });

  it('leaves what connect exported to the step, below an environment file, instead of reading it as inputs', () => {
    const host = make({ env: { AMLOPS_WORKSPACE: 'dev', AMLOPS_RESOURCE_GROUP: 'rg', AMLOPS_CLOUD: 'Custom' } });
    expect([host.getInput('workspace'), host.getInput('resource-group'), host.getInput('cloud')]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    expect(host.env.AMLOPS_WORKSPACE).toBe('dev');
  });

  it('replaces secrets in logs, warnings and summaries, longest first', async () => {
    const summaryFile = path.join(dir, 'summary.md');
    const host = make({ summaryFile, debug: true });
    host.mask('abc');
    host.mask('abcdef');
    host.info('token abcdef and abc');
    host.warning('w abc', { file: 'f.yml', line: 2 });
    host.debug('d abc');
    await host.group('g abc', async () => undefined);
    await host.appendSummary('s abcdef');
    expect(err).toBe('token *** and ***\nwarning: f.yml:2: w ***\ndebug: d ***\n== g ***\n');
    expect(fs.readFileSync(summaryFile, 'utf8')).toBe('s ***\n');
  });

  it('debug lines only with --debug or AMLOPS_DEBUG=1', () => {
    make().debug('hidden');
    make({ env: { AMLOPS_DEBUG: '1' } }).debug('shown');
    expect(err).toBe('debug: shown\n');
  });

  it('exported variables go to AMLOPS_ENV_FILE when set', () => {
    const envFile = path.join(dir, 'env');
    const host = make({ env: { AMLOPS_ENV_FILE: envFile } });
    host.exportVariable('AMLOPS_WORKSPACE', 'ws');
    host.exportVariable('AMLOPS_RESOURCE_GROUP', 'rg');
    expect(fs.readFileSync(envFile, 'utf8')).toBe('AMLOPS_WORKSPACE=ws\nAMLOPS_RESOURCE_GROUP=rg\n');
    expect(() => host.exportVariable('X', 'a\nb')).toThrow(/spans lines/);
    make().exportVariable('AMLOPS_WORKSPACE', 'ws');
  });

  it('collects outputs for the final JSON', () => {
    const host = make();
    host.setOutput('workspace', 'w');
    expect(host.outputs).toEqual({ workspace: 'w' });
  });
});
