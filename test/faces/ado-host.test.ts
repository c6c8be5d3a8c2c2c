import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { runAdoTask, type AdoRun, type TestEndpoint } from './run-ado';

const wif: TestEndpoint = {
  id: 'wif-1',
  scheme: 'WorkloadIdentityFederation',
  params: { serviceprincipalid: 'app-id', tenantid: 'tenant-1' },
  data: { environment: 'AzureCloud', subscriptionId: 'sub-1' },
};

describe('AdoHost maps the Host port onto task-lib', () => {
  let run: AdoRun;
  beforeAll(async () => {
    run = await runAdoTask('probe', { 'resource-group': 'rg-1' }, wif, {}, { entry: 'probes/ado-probe.js' });
  });

  it('publishes outputs as output variables with camelCase names, and exports plain variables', () => {
    expect(run.outputs).toEqual({ workspaceId: 'ws-id' });
    expect(run.variables).toEqual({ AMLOPS_WORKSPACE: 'ws-dev' });
  });

  it('reads inputs by camelCase name and describes them that way', () => {
    expect(run.stdout).toContain('input resource-group=rg-1');
    expect(run.stdout).toMatch(/describe=input 'resourceGroup' cwd=\S+work-\S+ face=azure-devops/);
  });

  it('masks, groups, logs warnings with a source location', () => {
    expect(run.secrets).toContain('s3cret-value');
    expect(run.stdout).toMatch(/##\[group\]A group\ninside the group\n##\[endgroup\]/);
    expect(run.issues).toContainEqual(
      expect.objectContaining({
        type: 'warning',
        message: 'check this',
        sourcepath: 'jobs/train.yml',
        linenumber: '7',
      }),
    );
    expect(run.issues).toContainEqual(expect.objectContaining({ type: 'warning', message: 'no location' }));
  });

  it('uploads the summary once, with every part', () => {
    expect(run.summaries).toHaveLength(1);
    expect(run.summaries[0].content).toBe('## Probe summary\nsecond part\n');
  });
});

describe('AdoHost.serviceConnection', () => {
  const connectionOf = (r: AdoRun) => {
    const line = r.stdout.split('\n').find((l) => l.startsWith('CONNECTION'));
    if (!line?.startsWith('CONNECTION ')) throw new Error(`no connection: ${line}\n${r.stdout}`);
    return JSON.parse(line.slice('CONNECTION '.length));
  };

  it('service principal with a key: secret auth, standard cloud, subscription', async () => {
    const r = await runAdoTask(
      'probe',
      {},
      {
        id: 'c1',
        scheme: 'ServicePrincipal',
        params: {
          serviceprincipalid: 'app',
          serviceprincipalkey: 'key-canary',
          tenantid: 't',
          authenticationType: 'spnKey',
        },
        data: { environment: 'AzureUSGovernment', subscriptionId: 'sub' },
      },
      {},
      { entry: 'probes/ado-probe.js' },
    );
    expect(connectionOf(r)).toEqual({
      cloud: expect.objectContaining({
        name: 'AzureUSGovernment',
        armEndpoint: 'https://management.usgovcloudapi.net/',
      }),
      auth: { kind: 'secret', tenantId: 't', clientId: 'app', clientSecret: 'key-canary' },
      subscriptionId: 'sub',
      assertions: [],
    });
    expect(r.secrets).toContain('key-canary');
  });

  it('service principal with a certificate; custom cloud from the connection (Azure Stack)', async () => {
    const pem = '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----';
    const r = await runAdoTask(
      'probe',
      {},
      {
        id: 'c2',
        scheme: 'ServicePrincipal',
        params: {
          serviceprincipalid: 'app',
          servicePrincipalCertificate: pem,
          tenantid: 't',
          authenticationType: 'spnCertificate',
        },
        data: {
          environment: 'AzureStack',
          activeDirectoryAuthority: 'https://login.stack.local/',
          activeDirectoryServiceEndpointResourceId: 'https://management.stack.local/abc',
        },
        url: 'https://management.stack.local',
      },
      {},
      { entry: 'probes/ado-probe.js' },
    );
    expect(connectionOf(r)).toEqual({
      cloud: expect.objectContaining({
        name: 'Custom',
        armEndpoint: 'https://management.stack.local/',
        authorityHost: 'https://login.stack.local',
        armAudience: 'https://management.stack.local/abc',
      }),
      auth: { kind: 'certificate', tenantId: 't', clientId: 'app', certificatePem: pem },
      assertions: [],
    });
    // task-lib takes no multi-line secret; each line is masked.
    expect(r.secrets).toEqual(
      expect.arrayContaining(['-----BEGIN PRIVATE KEY-----', 'abc', '-----END PRIVATE KEY-----']),
    );
  });

  it('managed identity', async () => {
    const r = await runAdoTask(
      'probe',
      {},
      { id: 'c3', scheme: 'ManagedServiceIdentity', params: { tenantid: 't' } },
      {},
      { entry: 'probes/ado-probe.js' },
    );
    expect(connectionOf(r).auth).toEqual({ kind: 'managed-identity' });
  });

  it('workload identity federation asks Azure DevOps for a new OIDC token every time and masks it', async () => {
    const requests: { url: string; auth?: string }[] = [];
    const server = http.createServer((req, res) => {
      requests.push({ url: req.url!, auth: req.headers.authorization });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ oidcToken: `oidc-token-${requests.length}` }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const r = await runAdoTask(
        'probe',
        {},
        wif,
        {
          'System.OidcRequestUri': `http://127.0.0.1:${port}/org/proj/_apis/distributedtask/hubs/build/plans/p/jobs/j/oidctoken`,
          'System.AccessToken': 'system-token',
        },
        { entry: 'probes/ado-probe.js', env: { AMLOPS_PROBE_ASSERTIONS: '2' } },
      );
      const connection = connectionOf(r);
      expect(connection.auth).toEqual({ kind: 'federated', tenantId: 'tenant-1', clientId: 'app-id' });
      expect(connection.assertions).toEqual(['oidc-token-1', 'oidc-token-2']);
      expect(requests).toHaveLength(2);
      expect(requests[0]).toEqual({
        url: '/org/proj/_apis/distributedtask/hubs/build/plans/p/jobs/j/oidctoken?api-version=7.1&serviceConnectionId=wif-1',
        auth: 'Bearer system-token',
      });
      expect(r.secrets).toEqual(expect.arrayContaining(['oidc-token-1', 'oidc-token-2']));
    } finally {
      server.close();
    }
  });

  it('workload identity federation without the agent variables fails clearly on first use', async () => {
    const r = await runAdoTask(
      'probe',
      {},
      wif,
      {},
      { entry: 'probes/ado-probe.js', env: { AMLOPS_PROBE_ASSERTIONS: '1' } },
    );
    expect(r.stdout).toMatch(
      /CONNECTION-ERROR workload identity federation needs System.OidcRequestUri and System.AccessToken/,
    );
  });
});
