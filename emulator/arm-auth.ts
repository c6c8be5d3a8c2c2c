import { ArmError } from './arm-errors';
import type { Directory, ServicePrincipal } from './identity';
import { decodeJwt, nowSeconds, verifyJwtSignature } from './jwt';

/** How ARM checks a bearer token: presence, signature, issuer (tenant), audience, lifetime, principal. */
export class ArmAuthenticator {
  constructor(
    private readonly dir: Directory,
    /** Audiences ARM accepts, compared ignoring case. */
    private readonly audiences: string[],
    private readonly staticTokens: ReadonlyMap<string, ServicePrincipal>,
  ) {}

  authenticate(authorization: string | undefined): ServicePrincipal {
    if (!authorization) {
      throw this.unauthorized('AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.");
    }
    const m = /^bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!m) {
      throw this.unauthorized(
        'AuthenticationFailed',
        "Authentication failed. The 'Authorization' header is provided in an invalid format.",
      );
    }
    const token = m[1];
    const fixed = this.staticTokens.get(token);
    if (fixed) return fixed;

    const jwt = decodeJwt(token);
    if (!jwt || jwt.header.kid !== this.dir.entraKey.kid || !verifyJwtSignature(jwt, this.dir.entraKey.publicKey)) {
      throw this.unauthorized('InvalidAuthenticationToken', 'The access token is invalid.');
    }
    const claims = jwt.payload;
    if (claims.iss !== this.dir.authorityIssuer) {
      throw this.unauthorized(
        'InvalidAuthenticationTokenTenant',
        `The access token is from the wrong issuer '${String(claims.iss)}'. It must match the tenant '${this.dir.authorityIssuer}' associated with this subscription. Please use the authority (URL) '${this.dir.baseUrl}/${this.dir.tenantId}' to get the token.`,
      );
    }
    const aud = typeof claims.aud === 'string' ? claims.aud : '';
    if (!this.audiences.some((a) => a.toLowerCase() === aud.toLowerCase())) {
      throw this.unauthorized(
        'InvalidAuthenticationTokenAudience',
        `The access token has been obtained for wrong audience or resource '${aud}'. It should exactly match with one of the allowed audiences ${this.audiences.map((a) => `'${a}'`).join(',')}.`,
      );
    }
    const now = nowSeconds();
    if (typeof claims.exp !== 'number' || claims.exp <= now) {
      const fmt = (s: number): string => new Date(s * 1000).toISOString();
      throw this.unauthorized(
        'ExpiredAuthenticationToken',
        `The access token expiry UTC time '${typeof claims.exp === 'number' ? fmt(claims.exp) : 'missing'}' is earlier than current UTC time '${fmt(now)}'.`,
      );
    }
    if (typeof claims.nbf === 'number' && claims.nbf > now + 300) {
      throw this.unauthorized('InvalidAuthenticationToken', 'The access token is not yet valid.');
    }
    const principal = typeof claims.appid === 'string' ? this.dir.findPrincipal(claims.appid) : undefined;
    if (!principal || principal.objectId !== claims.oid) {
      throw this.unauthorized('InvalidAuthenticationToken', 'The access token is invalid.');
    }
    return principal;
  }

  private unauthorized(code: string, message: string): ArmError {
    const challenge = `Bearer authorization_uri="${this.dir.baseUrl}/${this.dir.tenantId}", error="invalid_token", error_description="${message.replace(/"/g, "'")}"`;
    return new ArmError(401, code, message, { 'www-authenticate': challenge });
  }
}

/**
 * The RBAC action ARM would check for a request, e.g. GET .../workspaces/dev/computes/c1 ->
 * Microsoft.MachineLearningServices/workspaces/computes/read.
 */
export function rbacAction(method: string, parts: string[]): string {
  const i = parts.findIndex((p) => p.toLowerCase() === 'providers');
  const tail = i >= 0 ? parts.slice(i + 1) : [];
  const namespace = tail[0] ?? 'Microsoft.Resources';
  const rest = tail.slice(1);
  // rest alternates type/name; an odd count means the last segment is a collection or an action.
  const types: string[] = [];
  for (let k = 0; k < rest.length; k += 2) types.push(rest[k]);
  const isAction = method === 'POST' && rest.length % 2 === 1 && rest.length > 1;
  if (isAction) {
    const action = types.pop() as string;
    return `${namespace}/${types.join('/')}/${action}/action`;
  }
  const verb = method === 'GET' || method === 'HEAD' ? 'read' : method === 'DELETE' ? 'delete' : 'write';
  return `${namespace}/${types.join('/')}/${verb}`;
}
