import { AdoHost } from '../../../tasks/src/ado-host';

/**
 * Exercises every AdoHost method once, then the service connection; ado-host.test.ts checks the
 * logging commands. AMLOPS_PROBE_ASSERTIONS=n asks the federated credential for n assertions.
 */
async function main(): Promise<void> {
  const host = new AdoHost('probe');
  host.setOutput('workspace-id', 'ws-id');
  host.exportVariable('AMLOPS_WORKSPACE', 'ws-dev');
  host.mask('s3cret-value');
  host.info('input resource-group=' + host.getInput('resource-group'));
  host.warning('check this', { file: 'jobs/train.yml', line: 7, column: 3 });
  host.warning('no location');
  host.debug('a debug line');
  await host.group('A group', async () => host.info('inside the group'));
  await host.appendSummary('## Probe summary');
  await host.appendSummary('second part');
  host.info('describe=' + host.describeInput('resource-group') + ' cwd=' + host.cwd + ' face=' + host.face);
  try {
    const connection = host.serviceConnection();
    const { auth } = connection;
    const assertions: string[] = [];
    if (auth.kind === 'federated') {
      for (let i = 0; i < Number(process.env.AMLOPS_PROBE_ASSERTIONS ?? 0); i++)
        assertions.push(await auth.getAssertion());
    }
    console.log('CONNECTION ' + JSON.stringify({ ...connection, assertions }));
  } catch (err) {
    console.log('CONNECTION-ERROR ' + (err as Error).message);
  }
  host.finish();
}

main();
