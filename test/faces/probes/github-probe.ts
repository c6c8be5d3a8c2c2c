import { GithubHost } from '../../../actions/src/github-host';

/**
 * Exercises every GithubHost method once; github-host.test.ts checks what reached the runner's
 * files. Exported as run() too, the entry shape @github/local-action calls.
 */
export async function run(): Promise<void> {
  const host = new GithubHost();
  host.setOutput('plain', 'value');
  host.setOutput('multi-line', 'first\nsecond');
  host.exportVariable('AMLOPS_WORKSPACE', 'ws-dev');
  host.mask('s3cret-value');
  host.mask('-----BEGIN KEY-----\nline-two-secret\n-----END KEY-----');
  host.info('input client-id=' + host.getInput('client-id'));
  host.info('input missing=[' + host.getInput('not-given') + ']');
  host.warning('check this', { file: 'jobs/train.yml', line: 7, column: 3 });
  host.warning('no location');
  host.debug('a debug line');
  await host.group('A group', async () => host.info('inside the group'));
  await host.appendSummary('## Probe summary');
  host.info('describe=' + host.describeInput('client-id') + ' cwd=' + host.cwd + ' face=' + host.face);
}

if (require.main === module) run();
