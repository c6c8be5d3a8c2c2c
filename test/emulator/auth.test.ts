import * as crypto from 'node:crypto';
import { ClientCertificateCredential } from '@azure/identity';
import type { Emulator } from '../../emulator';
import { startTestEmulator } from '../support/emulator';
import { armClient, bearer, request, secretCredential, tokenFor, workspaceUrl } from './helpers';

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startTestEmulator({ azurite: false, acceptStaticTokens: ['oracle-token'] });
});
afterAll(() => emulator?.stop());

const decodePayload = (jwt: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;

describe('Entra-like token endpoint', () => {
  test('issues an RS256 access token for a client secret, with the claims ARM checks', async () => {
    const { info } = emulator;
    const res = await tokenFor(info);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ token_type: 'Bearer', expires_in: 3600, ext_expires_in: 3600 });
    const [header] = (res.json.access_token as string).split('.');
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    const claims = decodePayload(res.json.access_token);
    expect(claims).toMatchObject({
      aud: info.armAudience,
      tid: info.tenantId,
      appid: info.clientId,
      iss: `${info.authorityHost}/${info.tenantId}/v2.0`,
    });
    expect(typeof claims.oid).toBe('string');
    expect((claims.exp as number) - (claims.nbf as number)).toBe(3600);
  });

  test('a wrong secret is refused the way Entra does (AADSTS7000215, 401 invalid_client)', async () => {
    const res = await tokenFor(emulator.info, emulator.info.clientId, 'not-the-secret');
    expect(res.status).toBe(401);
    expect(res.json.error).toBe('invalid_client');
    expect(res.json.error_codes).toEqual([7000215]);
    expect(res.json.error_description).toMatch(/^AADSTS7000215: Invalid client secret provided/);
  });

  test('unknown clients, tenants and non-/.default scopes get their AADSTS codes', async () => {
    const { info } = emulator;
    const unknownClient = await tokenFor(info, crypto.randomUUID(), 'x');
    expect(unknownClient.json.error_codes).toEqual([700016]);
    const badScope = await tokenFor(info, info.clientId, info.clientSecret, `${info.armAudience}/user_impersonation`);
    expect(badScope.json).toMatchObject({ error: 'invalid_scope', error_codes: [1002012] });
    const otherTenant = await request(info, 'POST', `${info.authorityHost}/${crypto.randomUUID()}/oauth2/v2.0/token`, {
      form: {
        grant_type: 'client_credentials',
        client_id: info.clientId,
        client_secret: info.clientSecret,
        scope: `${info.armAudience}/.default`,
      },
    });
    expect(otherTenant.json.error_codes).toEqual([90002]);
  });

  test('@azure/identity signs in with a secret and with the registered certificate (MSAL metadata served)', async () => {
    const { info } = emulator;
    const viaSecret = await secretCredential(info).getToken(`${info.armAudience}/.default`);
    expect(decodePayload(viaSecret.token).appidacr).toBe('1');
    const cert = new ClientCertificateCredential(
      info.tenantId,
      info.clientId,
      { certificatePath: info.clientCertificateFile },
      {
        authorityHost: info.authorityHost,
        disableInstanceDiscovery: true,
      },
    );
    const viaCert = await cert.getToken(`${info.armAudience}/.default`);
    expect(decodePayload(viaCert.token)).toMatchObject({ appid: info.clientId, appidacr: '2' });
    expect(emulator.requests.some((r) => r.path === `/${info.tenantId}/v2.0/.well-known/openid-configuration`)).toBe(
      true,
    );
  });
});

describe('ARM bearer checks', () => {
  const get = (headers: Record<string, string> = {}) =>
    request(emulator.info, 'GET', workspaceUrl(emulator.info), { headers });

  test('a valid token reads the workspace', async () => {
    const token = (await tokenFor(emulator.info)).json.access_token as string;
    const res = await get(bearer(token));
    expect(res.status).toBe(200);
    expect(res.json.name).toBe('dev');
  });

  test('no Authorization header: 401 AuthenticationFailed with a WWW-Authenticate challenge', async () => {
    const res = await get();
    expect(res.status).toBe(401);
    expect(res.json.error.code).toBe('AuthenticationFailed');
    expect(String(res.headers['www-authenticate'])).toMatch(/^Bearer authorization_uri=".*", error="invalid_token"/);
  });

  test('an expired token: 401 ExpiredAuthenticationToken', async () => {
    const res = await get(bearer(emulator.issueAccessToken({ lifetimeSeconds: -60 })));
    expect(res.status).toBe(401);
    expect(res.json.error.code).toBe('ExpiredAuthenticationToken');
    expect(res.json.error.message).toMatch(/is earlier than current UTC time/);
  });

  test('a tampered token (signature no longer matches): 401 InvalidAuthenticationToken', async () => {
    const token = emulator.issueAccessToken();
    const [h, p, s] = token.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, exp: (claims.exp as number) + 86400 })).toString('base64url')}.${s}`;
    const res = await get(bearer(forged));
    expect(res.status).toBe(401);
    expect(res.json.error.code).toBe('InvalidAuthenticationToken');

    const foreignKey = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const resigned = `${h}.${p}.${crypto.sign('sha256', Buffer.from(`${h}.${p}`), foreignKey).toString('base64url')}`;
    expect((await get(bearer(resigned))).json.error.code).toBe('InvalidAuthenticationToken');
  });

  test('a token for another audience: 401 InvalidAuthenticationTokenAudience', async () => {
    const storage = await tokenFor(
      emulator.info,
      emulator.info.clientId,
      emulator.info.clientSecret,
      'https://storage.azure.com/.default',
    );
    const res = await get(bearer(storage.json.access_token));
    expect(res.status).toBe(401);
    expect(res.json.error.code).toBe('InvalidAuthenticationTokenAudience');
  });

  test("the emulator's own endpoint is an accepted audience too (azure-ai-ml asks for <arm>/.default)", async () => {
    const own = await tokenFor(
      emulator.info,
      emulator.info.clientId,
      emulator.info.clientSecret,
      `${emulator.info.armEndpoint}.default`,
    );
    expect((await get(bearer(own.json.access_token))).status).toBe(200);
  });

  test('static tokens are accepted only when configured', async () => {
    expect((await get(bearer('oracle-token'))).status).toBe(200);
    expect((await get(bearer('another-opaque-token'))).status).toBe(401);
    const plain = await startTestEmulator({ azurite: false });
    try {
      expect(
        (await request(plain.info, 'GET', workspaceUrl(plain.info), { headers: bearer('oracle-token') })).status,
      ).toBe(401);
    } finally {
      await plain.stop();
    }
  });

  test('a missing api-version is 400 MissingApiVersionParameter (after authentication)', async () => {
    const res = await request(emulator.info, 'GET', workspaceUrl(emulator.info, 'dev', '', ''), {
      headers: bearer(emulator.issueAccessToken()),
    });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('MissingApiVersionParameter');
  });

  test('the principal without a role signs in but gets 403 AuthorizationFailed from ARM', async () => {
    const { info } = emulator;
    const client = armClient(info, secretCredential(info, info.forbiddenClientId, info.forbiddenClientSecret));
    const error = await client.workspaces
      .get(info.resourceGroup, 'dev')
      .catch((e: { statusCode?: number; code?: string; message: string }) => e);
    expect(error).toMatchObject({ statusCode: 403, code: 'AuthorizationFailed' });
    expect((error as Error).message).toContain(
      "does not have authorization to perform action 'Microsoft.MachineLearningServices/workspaces/read'",
    );
  });
});
