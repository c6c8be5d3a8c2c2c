import * as crypto from 'node:crypto';
import type { Directory, ServicePrincipal } from './identity';
import { decodeJwt, jwks, nowSeconds, verifyJwtSignature, type DecodedJwt } from './jwt';
import { isRecord, matchTemplate, segments, type Reply, type RequestContext } from './http';

/**
 * The slice of Entra ID (login.microsoftonline.com) that confidential clients use: OpenID metadata
 * for MSAL, and the v2 token endpoint with the client-credentials grant (secret, certificate or
 * federated assertion). Errors carry Entra's AADSTS codes and wording.
 */

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const FEDERATION_AUDIENCE = 'api://AzureADTokenExchange';
/** Entra tolerates small clock differences on a client assertion's start time. */
const NBF_SKEW_SECONDS = 60;

export function handleEntra(ctx: RequestContext, dir: Directory): Reply | undefined {
  const parts = segments(ctx.path);
  const get = ctx.method === 'GET';
  let m: Record<string, string> | undefined;

  if (get && (m = matchTemplate('{tenant}/v2.0/.well-known/openid-configuration', parts))) {
    return checkTenant(dir, m.tenant) ?? { status: 200, body: openIdConfiguration(dir) };
  }
  if (get && matchTemplate('{tenant}/discovery/instance', parts)) {
    return { status: 200, body: instanceDiscovery(dir) };
  }
  if (get && (m = matchTemplate('{tenant}/discovery/v2.0/keys', parts))) {
    return checkTenant(dir, m.tenant) ?? { status: 200, body: jwks([dir.entraKey]) };
  }
  if ((m = matchTemplate('{tenant}/oauth2/v2.0/token', parts))) {
    if (ctx.method !== 'POST')
      return entraError(405, 'invalid_request', 900561, 'The endpoint only accepts POST requests.');
    return checkTenant(dir, m.tenant) ?? tokenRequest(ctx, dir);
  }
  return undefined;
}

function checkTenant(dir: Directory, tenant: string): Reply | undefined {
  if (tenant.toLowerCase() === dir.tenantId.toLowerCase()) return undefined;
  return entraError(
    400,
    'invalid_tenant',
    90002,
    `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
  );
}

function openIdConfiguration(dir: Directory): Record<string, unknown> {
  const authority = `${dir.baseUrl}/${dir.tenantId}`;
  const host = new URL(dir.baseUrl).host;
  return {
    token_endpoint: `${authority}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${authority}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: dir.authorityIssuer,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${dir.baseUrl}/oidc/userinfo`,
    authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${authority}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'tid', 'oid', 'ver'],
    tenant_region_scope: 'EU',
    cloud_instance_name: host,
    cloud_graph_host_name: host,
    msgraph_host: host,
    rbac_url: dir.baseUrl,
  };
}

function instanceDiscovery(dir: Directory): Record<string, unknown> {
  const host = new URL(dir.baseUrl).host;
  return {
    tenant_discovery_endpoint: `${dir.baseUrl}/${dir.tenantId}/v2.0/.well-known/openid-configuration`,
    'api-version': '1.1',
    metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
  };
}

function tokenRequest(ctx: RequestContext, dir: Directory): Reply {
  const form = isRecord(ctx.body) ? (ctx.body as Record<string, string>) : {};
  const missing = (name: string): Reply =>
    entraError(400, 'invalid_request', 900144, `The request body must contain the following parameter: '${name}'.`);

  const grantType = form.grant_type;
  if (!grantType) return missing('grant_type');
  if (grantType !== 'client_credentials') {
    return entraError(
      400,
      'unsupported_grant_type',
      70003,
      `The app requested an unsupported grant type '${grantType}'.`,
    );
  }
  const clientId = form.client_id ?? basicAuthClientId(ctx);
  if (!clientId) return missing('client_id');
  const scope = form.scope;
  if (!scope) return missing('scope');

  const resourceScopes = scope
    .split(' ')
    .filter((s) => s && !['openid', 'profile', 'offline_access', 'email'].includes(s));
  const notDefault = resourceScopes.find((s) => !s.endsWith('/.default'));
  if (notDefault || resourceScopes.length !== 1) {
    return entraError(
      400,
      'invalid_scope',
      1002012,
      `The provided value for scope ${notDefault ?? scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    );
  }
  const resource = resourceScopes[0].slice(0, -'/.default'.length);

  const principal = dir.findPrincipal(clientId);
  if (!principal) {
    return entraError(
      400,
      'unauthorized_client',
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${dir.tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    );
  }
  if (!dir.options.knownResources.some((r) => r.toLowerCase() === resource.toLowerCase())) {
    return entraError(
      400,
      'invalid_resource',
      500011,
      `The resource principal named ${resource} was not found in the tenant named ${dir.tenantId}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
    );
  }

  const secret = form.client_secret ?? basicAuthSecret(ctx);
  let appidacr: '1' | '2';
  if (secret !== undefined) {
    if (!safeEqual(secret, principal.secret)) {
      return entraError(
        401,
        'invalid_client',
        7000215,
        `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${principal.clientId}'.`,
      );
    }
    appidacr = '1';
  } else if (form.client_assertion !== undefined) {
    if (form.client_assertion_type !== JWT_BEARER) return missing('client_assertion_type');
    const failure = checkAssertion(form.client_assertion, principal, dir);
    if (failure) return failure;
    appidacr = '2';
  } else {
    return entraError(
      401,
      'invalid_client',
      7000218,
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    );
  }

  const lifetime = dir.options.accessTokenLifetimeSeconds;
  return {
    status: 200,
    headers: { 'cache-control': 'no-store, no-cache', pragma: 'no-cache' },
    body: {
      token_type: 'Bearer',
      expires_in: lifetime,
      ext_expires_in: lifetime,
      access_token: dir.issueAccessToken(principal, resource, appidacr),
    },
  };
}

/** Certificate assertions (iss = client id) and federated ones (iss = the GitHub or Azure DevOps issuer). */
function checkAssertion(assertion: string, principal: ServicePrincipal, dir: Directory): Reply | undefined {
  const jwt = decodeJwt(assertion);
  if (!jwt) return entraError(400, 'invalid_request', 50027, 'JWT token is invalid or malformed.');
  const iss = typeof jwt.payload.iss === 'string' ? jwt.payload.iss : '';
  const sub = typeof jwt.payload.sub === 'string' ? jwt.payload.sub : '';
  const audiences = ([] as unknown[]).concat(jwt.payload.aud ?? []).filter((a): a is string => typeof a === 'string');

  if (iss.toLowerCase() === principal.clientId.toLowerCase()) {
    const cert = principal.certificates.find((c) => c.x5t === jwt.header.x5t || c.x5tS256 === jwt.header['x5t#S256']);
    if (!cert) {
      return entraError(
        401,
        'invalid_client',
        700027,
        `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${String(jwt.header.x5t ?? jwt.header['x5t#S256'] ?? '')}']`,
      );
    }
    if (!verifyJwtSignature(jwt, cert.publicKey)) {
      return entraError(401, 'invalid_client', 700027, 'Client assertion failed signature validation.');
    }
    const tokenEndpoint = `${dir.baseUrl}/${dir.tenantId}/oauth2/v2.0/token`;
    if (
      !audiences.some(
        (a) =>
          a.toLowerCase() === tokenEndpoint.toLowerCase() ||
          a.toLowerCase() === `${dir.baseUrl}/${dir.tenantId}/v2.0`.toLowerCase(),
      )
    ) {
      return entraError(
        401,
        'invalid_client',
        700212,
        `No matching federated identity record found for presented assertion audience '${audiences.join(',')}'.`,
      );
    }
    return timeRangeFailure(jwt);
  }

  const issuerKey = iss === dir.githubIssuer ? dir.githubKey : iss === dir.adoIssuer ? dir.adoKey : undefined;
  if (!issuerKey || !principal.federated) {
    return entraError(
      400,
      'invalid_client',
      70021,
      `No matching federated identity record found for presented assertion. Assertion Issuer: '${iss}'. Assertion Subject: '${sub}'. Assertion Audience: '${audiences.join(',')}'.`,
    );
  }
  if (!verifyJwtSignature(jwt, issuerKey.publicKey)) {
    return entraError(401, 'invalid_client', 700027, 'Client assertion failed signature validation.');
  }
  if (!audiences.includes(FEDERATION_AUDIENCE)) {
    return entraError(
      400,
      'invalid_client',
      700212,
      `No matching federated identity record found for presented assertion audience '${audiences.join(',')}'. Please note that the matching is done using a case-sensitive comparison.`,
    );
  }
  return timeRangeFailure(jwt);
}

function timeRangeFailure(jwt: DecodedJwt): Reply | undefined {
  const now = nowSeconds();
  const exp = typeof jwt.payload.exp === 'number' ? jwt.payload.exp : undefined;
  const nbf = typeof jwt.payload.nbf === 'number' ? jwt.payload.nbf : undefined;
  if (exp === undefined || now >= exp || (nbf !== undefined && nbf > now + NBF_SKEW_SECONDS)) {
    const fmt = (s: number | undefined): string => (s === undefined ? 'missing' : new Date(s * 1000).toISOString());
    return entraError(
      400,
      'invalid_client',
      700024,
      `Client assertion is not within its valid time range. Current time: ${fmt(now)}, assertion valid from ${fmt(nbf)}, expiry time of assertion ${fmt(exp)}. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .`,
    );
  }
  return undefined;
}

function basicAuth(ctx: RequestContext): [string, string] | undefined {
  const h = ctx.req.headers.authorization;
  if (!h || !/^basic /i.test(h)) return undefined;
  const decoded = Buffer.from(h.slice(6), 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  return i < 0 ? undefined : [decodeURIComponent(decoded.slice(0, i)), decodeURIComponent(decoded.slice(i + 1))];
}
const basicAuthClientId = (ctx: RequestContext): string | undefined => basicAuth(ctx)?.[0];
const basicAuthSecret = (ctx: RequestContext): string | undefined => basicAuth(ctx)?.[1];

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

export function entraError(status: number, error: string, code: number, description: string): Reply {
  const traceId = crypto.randomUUID();
  const correlationId = crypto.randomUUID();
  const timestamp = new Date()
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
  return {
    status,
    headers: { 'cache-control': 'no-store, no-cache' },
    body: {
      error,
      error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${code}`,
    },
  };
}
