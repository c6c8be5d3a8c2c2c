import * as crypto from 'node:crypto';
import type { Directory } from './identity';
import { jwks } from './jwt';
import { headerValue, matchTemplate, segments, type Reply, type RequestContext } from './http';

/**
 * The ID-token endpoints of the two CI systems, so that the real federated sign-in code (GitHub's
 * ACTIONS_ID_TOKEN_REQUEST_URL, Azure DevOps' SYSTEM_OIDCREQUESTURI) runs against the emulator.
 */

export interface OidcSecrets {
  githubRequestToken: string;
  adoAccessToken: string;
}

export const GITHUB_TOKEN_PATH = '/_oidc/github/idtoken';
/** Mirrors the real path: {org}/{project}/_apis/distributedtask/hubs/build/plans/{plan}/jobs/{job}/oidctoken */
export const ADO_TOKEN_TEMPLATE =
  '_oidc/ado/{org}/{project}/_apis/distributedtask/hubs/{hub}/plans/{plan}/jobs/{job}/oidctoken';

export function adoRequestPath(): string {
  return `/_oidc/ado/amlops/local/_apis/distributedtask/hubs/build/plans/${crypto.randomUUID()}/jobs/${crypto.randomUUID()}/oidctoken`;
}

export function handleOidcProviders(ctx: RequestContext, dir: Directory, secrets: OidcSecrets): Reply | undefined {
  const parts = segments(ctx.path);
  if (matchTemplate('_oidc/github/idtoken', parts)) return githubIdToken(ctx, dir, secrets);
  if (matchTemplate(ADO_TOKEN_TEMPLATE, parts)) return adoIdToken(ctx, dir, secrets);
  for (const [name, issuer, key] of [
    ['github', dir.githubIssuer, dir.githubKey],
    ['ado', dir.adoIssuer, dir.adoKey],
  ] as const) {
    if (ctx.method !== 'GET') continue;
    if (matchTemplate(`_oidc/${name}/.well-known/openid-configuration`, parts)) {
      return {
        status: 200,
        body: {
          issuer,
          jwks_uri: `${issuer}/.well-known/jwks`,
          subject_types_supported: ['public', 'pairwise'],
          response_types_supported: ['id_token'],
          id_token_signing_alg_values_supported: ['RS256'],
          claims_supported: ['sub', 'aud', 'exp', 'iat', 'iss', 'jti', 'nbf'],
        },
      };
    }
    if (matchTemplate(`_oidc/${name}/.well-known/jwks`, parts)) return { status: 200, body: jwks([key]) };
  }
  return undefined;
}

function bearer(ctx: RequestContext): string | undefined {
  const h = headerValue(ctx.req, 'authorization');
  const m = h ? /^bearer\s+(.+)$/i.exec(h) : null;
  return m?.[1].trim();
}

function githubIdToken(ctx: RequestContext, dir: Directory, secrets: OidcSecrets): Reply {
  if (ctx.method !== 'GET') return { status: 405, body: { message: 'Method not allowed' } };
  if (bearer(ctx) !== secrets.githubRequestToken) {
    return {
      status: 401,
      body: { message: 'Unauthorized: the request token (ACTIONS_ID_TOKEN_REQUEST_TOKEN) is missing or wrong.' },
    };
  }
  // GitHub's default audience is the repository owner's URL, which Entra would not accept.
  const audience = ctx.query.get('audience') || 'https://github.com/amlops';
  return { status: 200, body: { count: 1, value: dir.issueGithubIdToken(audience) } };
}

function adoIdToken(ctx: RequestContext, dir: Directory, secrets: OidcSecrets): Reply {
  if (ctx.method !== 'POST')
    return {
      status: 405,
      body: { message: 'The requested resource does not support http method ' + ctx.method + '.' },
    };
  if (bearer(ctx) !== secrets.adoAccessToken) {
    return {
      status: 401,
      body: {
        message: 'TF400813: The user is not authorized to access this resource (System.AccessToken missing or wrong).',
      },
    };
  }
  if (!ctx.query.get('api-version')) {
    return {
      status: 400,
      body: {
        message:
          'No api-version was supplied for the "POST" request. The api-version must be supplied as a query parameter, e.g. api-version=7.1.',
        typeKey: 'VssVersionNotSpecifiedException',
      },
    };
  }
  const serviceConnectionId = ctx.query.get('serviceConnectionId');
  if (!serviceConnectionId) {
    return {
      status: 400,
      body: {
        message: 'The serviceConnectionId query parameter is required to issue an OIDC token.',
        typeKey: 'ArgumentNullException',
      },
    };
  }
  return { status: 200, body: { oidcToken: dir.issueAdoIdToken(serviceConnectionId) } };
}
