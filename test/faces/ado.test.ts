import { testedNodes } from './child';
import { runAdoTask, type TestEndpoint } from './run-ado';

const noStack = (text: string) => expect(text).not.toMatch(/^\s+at /m);

const spn: TestEndpoint = {
  id: 'conn-1',
  scheme: 'ServicePrincipal',
  params: {
    serviceprincipalid: 'app-id',
    serviceprincipalkey: 'spn-key-canary',
    tenantid: 'tenant-1',
    authenticationType: 'spnKey',
  },
  data: { environment: 'AzureCloud', subscriptionId: 'sub-1' },
  url: 'https://management.azure.com/',
};

describe('Azure DevOps face: the bundled task under task-lib', () => {
  it('through MockTestRunner: no service connection -> Failed with one clear message', async () => {
    const run = await runAdoTask('connect', {}, undefined, {}, { harness: 'mock-test' });
    expect(run.stdout).toContain('##vso[task.complete result=Failed');
    expect(run.failed).toBe(true);
    const errors = run.issues.filter((i) => i.type === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toMatch(/^connect failed: input 'azureSubscription' is required/);
    noStack(run.stdout + run.stderr);
  });

  it.each(testedNodes)(
    'with a service principal connection but no workspace: Failed naming camelCase inputs, key masked (node %s)',
    async (node) => {
      const run = await runAdoTask('connect', {}, spn, {}, { node });
      expect(run.failed).toBe(true);
      expect(run.code).toBe(1);
      const errors = run.issues.filter((i) => i.type === 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0].message).toMatch(/^connect failed: .*input 'workspace'/);
      expect(errors[0].message).toMatch(/input 'resourceGroup'/);
      expect(run.secrets).toContain('spn-key-canary');
      noStack(run.stdout + run.stderr);
    },
  );

  it('an unsupported scheme is one clear error', async () => {
    const run = await runAdoTask(
      'connect',
      { workspace: 'w', 'resource-group': 'rg' },
      { ...spn, scheme: 'PublishProfile' },
    );
    expect(run.failed).toBe(true);
    expect(run.issues.filter((i) => i.type === 'error').map((i) => i.message)).toEqual([
      expect.stringMatching(/^connect failed: service connection 'conn-1' uses authentication scheme 'PublishProfile'/),
    ]);
  });
});
