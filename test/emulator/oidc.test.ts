import { ClientAssertionCredential } from '@azure/identity';
import type { Emulator, EmulatorInfo } from '../../emulator';
import { startTestEmulator } from '../support/emulator';
import { armClient, bearer, request } from './helpers';

/** Federated sign-in as the CI faces do it: ID token from the CI's OIDC endpoint -> Entra client_assertion. */

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startTestEmulator({ azurite: false });
});
afterAll(() => emulator?.stop());

const FEDERATION_AUDIENCE = 'api://AzureADTokenExchange';

/** What @actions/core getIDToken does with ACTIONS_ID_TOKEN_REQUEST_URL / _TOKEN. */
async function githubIdToken(info: EmulatorInfo, audience?: string): Promise<string> {
  const url = audience
    ? `${info.githubOidc.requestUrl}&audience=${encodeURIComponent(audience)}`
    : info.githubOidc.requestUrl;
  const res = await request(info, 'GET', url, { headers: bearer(info.githubOidc.requestToken) });
  if (res.status !== 200) throw new Error(`GitHub OIDC endpoint answered ${res.status}`);
  return res.json.value as string;
}

/** What the Azure DevOps tasks do with SYSTEM_OIDCREQUESTURI and System.AccessToken. */
async function adoIdToken(info: EmulatorInfo, serviceConnectionId = 'sc-amlops'): Promise<string> {
  const url = `${info.adoOidc.requestUri}?api-version=7.1&serviceConnectionId=${serviceConnectionId}`;
  const res = await request(info, 'POST', url, { headers: bearer(info.adoOidc.accessToken), body: {} });
  if (res.status !== 200) throw new Error(`ADO OIDC endpoint answered ${res.status}`);
  return res.json.oidcToken as string;
}

const claimsOf = (jwt: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as Record<string, unknown>;

function assertionCredential(info: EmulatorInfo, getAssertion: () => Promise<string>): ClientAssertionCredential {
  return new ClientAssertionCredential(info.tenantId, info.clientId, getAssertion, {
    authorityHost: info.authorityHost,
    disableInstanceDiscovery: true,
  });
}

test('GitHub: ID token for api://AzureADTokenExchange -> access token -> ARM call', async () => {
  const { info } = emulator;
  const credential = assertionCredential(info, () => githubIdToken(info, FEDERATION_AUDIENCE));
  const ws = await armClient(info, credential).workspaces.get(info.resourceGroup, 'dev');
  expect(ws.name).toBe('dev');

  // The ID token is fetched before the token request that presents it (the SDK may fetch more than one).
  const order = emulator.requests.map((r) => r.path);
  const firstIdToken = order.indexOf('/_oidc/github/idtoken');
  const tokenIndex = order.findIndex((p) => p.endsWith('/oauth2/v2.0/token'));
  expect(firstIdToken).toBeGreaterThanOrEqual(0);
  expect(firstIdToken).toBeLessThan(tokenIndex);
  expect(emulator.requests[firstIdToken].query).toMatchObject({ 'api-version': '2.0', audience: FEDERATION_AUDIENCE });
  const tokenCall = emulator.requests[tokenIndex];
  expect(tokenCall?.body).toMatchObject({
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: '***',
    client_id: info.clientId,
  });
});

test('GitHub ID tokens carry GitHub-shaped claims and the default five-minute lifetime', async () => {
  const claims = claimsOf(await githubIdToken(emulator.info, FEDERATION_AUDIENCE));
  expect(claims).toMatchObject({
    aud: FEDERATION_AUDIENCE,
    iss: `${emulator.info.authorityHost}/_oidc/github`,
    repository: 'amlops/local',
  });
  expect(String(claims.sub)).toMatch(/^repo:amlops\/local:/);
  expect((claims.exp as number) - (claims.iat as number)).toBe(300);
});

test('Azure DevOps: oidctoken endpoint -> access token -> ARM call', async () => {
  const { info } = emulator;
  const credential = assertionCredential(info, () => adoIdToken(info));
  const token = await credential.getToken(`${info.armAudience}/.default`);
  const res = await request(
    info,
    'GET',
    `${info.armEndpoint}subscriptions/${info.subscriptionId}/resourceGroups/${info.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces?api-version=2024-10-01`,
    {
      headers: bearer(token.token),
    },
  );
  expect(res.status).toBe(200);
  expect(res.json.value.map((w: { name: string }) => w.name)).toEqual(['dev', 'prod']);
  const oidc = emulator.requests.filter((r) => r.path.endsWith('/oidctoken'));
  expect(oidc.at(-1)?.query).toMatchObject({ 'api-version': '7.1', serviceConnectionId: 'sc-amlops' });
  expect(claimsOf(await adoIdToken(info, 'sc-2'))).toMatchObject({
    aud: FEDERATION_AUDIENCE,
    sub: 'sc://amlops/local/sc-2',
  });
});

test('the CI endpoints refuse callers without the job token', async () => {
  const { info } = emulator;
  expect((await request(info, 'GET', info.githubOidc.requestUrl, { headers: bearer('wrong') })).status).toBe(401);
  expect(
    (
      await request(info, 'POST', `${info.adoOidc.requestUri}?api-version=7.1&serviceConnectionId=x`, {
        headers: bearer('wrong'),
      })
    ).status,
  ).toBe(401);
  expect(
    (
      await request(info, 'POST', `${info.adoOidc.requestUri}?api-version=7.1`, {
        headers: bearer(info.adoOidc.accessToken),
      })
    ).status,
  ).toBe(400);
});

test('an expired assertion is rejected with AADSTS700024', async () => {
  // A separate emulator whose ID tokens live one second, so the test need not wait five minutes.
  const shortLived = await startTestEmulator({ azurite: false, idTokenLifetimeSeconds: 1 });
  try {
    const { info } = shortLived;
    const idToken = await githubIdToken(info, FEDERATION_AUDIENCE);
    expect((claimsOf(idToken).exp as number) - (claimsOf(idToken).iat as number)).toBe(1);
    await new Promise((r) => setTimeout(r, 1200));
    const res = await request(info, 'POST', `${info.authorityHost}/${info.tenantId}/oauth2/v2.0/token`, {
      form: {
        grant_type: 'client_credentials',
        client_id: info.clientId,
        scope: `${info.armAudience}/.default`,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: idToken,
      },
    });
    expect(res.status).toBe(400);
    expect(res.json.error_codes).toEqual([700024]);
    expect(res.json.error_description).toMatch(/^AADSTS700024: Client assertion is not within its valid time range/);

    // Through the SDK: a cached (stale) assertion fails the same way.
    const stale = assertionCredential(info, async () => idToken);
    await expect(stale.getToken(`${info.armAudience}/.default`)).rejects.toThrow(/AADSTS700024/);
  } finally {
    await shortLived.stop();
  }
});

test('an assertion for the wrong audience or from an unknown issuer is rejected', async () => {
  const { info } = emulator;
  const wrongAudience = assertionCredential(info, () => githubIdToken(info));
  await expect(wrongAudience.getToken(`${info.armAudience}/.default`)).rejects.toThrow(/AADSTS700212/);
  const selfMade = assertionCredential(info, async () => emulator.issueAccessToken());
  await expect(selfMade.getToken(`${info.armAudience}/.default`)).rejects.toThrow(/AADSTS70021/);
});
