import * as crypto from 'node:crypto';
import { ArmAuthenticator } from '../arm-auth';
import { ArmError } from '../arm-errors';
import type { Directory } from '../identity';
import { decodeJwt, nowSeconds, signJwt, verifyJwtSignature } from '../jwt';
import type { OnlineEndpointRecord } from './model';

/**
 * The three ways a client proves it may score an online endpoint, as Azure ML checks them:
 * `Key` (one of the endpoint's two keys), `AMLToken` (a token from the endpoint's token API) and
 * `AADToken` (a Microsoft Entra token for https://ml.azure.com of a principal with access).
 */

/** Audiences Entra tokens for Azure ML data planes carry. */
export const ML_AUDIENCES = ['https://ml.azure.com', 'https://ml.azure.com/'];

const AML_TOKEN_LIFETIME_SECONDS = 3600;

export type AuthOutcome = { ok: true } | { ok: false; status: 401 | 403; message: string };

export class EndpointAuth {
  private readonly entra: ArmAuthenticator;

  constructor(private readonly directory: Directory) {
    this.entra = new ArmAuthenticator(directory, ML_AUDIENCES, new Map());
  }

  private audience(rec: OnlineEndpointRecord): string {
    return `${this.directory.baseUrl}/_online/${rec.workspace}/${rec.name.toLowerCase()}`;
  }

  /** The body of the endpoint's token API (EndpointAuthToken). */
  issueAmlToken(rec: OnlineEndpointRecord, subject: string): Record<string, unknown> {
    const iat = nowSeconds();
    const exp = iat + AML_TOKEN_LIFETIME_SECONDS;
    const accessToken = signJwt(
      {
        aud: this.audience(rec),
        iss: this.directory.authorityIssuer,
        iat,
        nbf: iat,
        exp,
        sub: subject,
        endpoint: rec.name,
        jti: crypto.randomUUID(),
      },
      this.directory.entraKey,
    );
    return {
      accessToken,
      tokenType: 'Bearer',
      expiryTimeUtc: exp,
      refreshAfterTimeUtc: iat + AML_TOKEN_LIFETIME_SECONDS / 2,
    };
  }

  check(rec: OnlineEndpointRecord, authorization: string | undefined): AuthOutcome {
    const mode = String((rec.resource.properties as Record<string, unknown>).authMode);
    const m = /^bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    const denied = (what: string): AuthOutcome => ({ ok: false, status: 401, message: what });
    if (!m) {
      return denied(
        `${authCode(mode)}: the request has no 'Authorization: Bearer <${mode === 'Key' ? 'key' : 'token'}>' header.`,
      );
    }
    const presented = m[1];
    if (mode === 'Key') {
      const ok = [rec.keys.primaryKey, rec.keys.secondaryKey].some((k) => safeEqual(k, presented));
      return ok ? { ok: true } : denied(`${authCode(mode)}: the key is not a key of this endpoint.`);
    }
    if (mode === 'AMLToken') {
      const jwt = decodeJwt(presented);
      if (
        !jwt ||
        jwt.header.kid !== this.directory.entraKey.kid ||
        !verifyJwtSignature(jwt, this.directory.entraKey.publicKey)
      )
        return denied(`${authCode(mode)}: the token is not a token of this endpoint.`);
      if (jwt.payload.aud !== this.audience(rec))
        return denied(`${authCode(mode)}: the token is for another endpoint.`);
      if (typeof jwt.payload.exp !== 'number' || jwt.payload.exp <= nowSeconds())
        return denied(`${authCode(mode)}: the token has expired; get a new one from the endpoint's token API.`);
      return { ok: true };
    }
    try {
      const principal = this.entra.authenticate(authorization);
      if (!principal.authorized) {
        return {
          ok: false,
          status: 403,
          message: `aad_auth_access_denied: the principal '${principal.objectId}' has no role that allows scoring this endpoint (Microsoft.MachineLearningServices/workspaces/onlineEndpoints/score/action).`,
        };
      }
      return { ok: true };
    } catch (e) {
      return denied(`${authCode(mode)}: ${e instanceof ArmError ? e.message : 'the token is invalid.'}`);
    }
  }
}

function authCode(mode: string): string {
  return mode === 'Key'
    ? 'key_auth_access_denied'
    : mode === 'AMLToken'
      ? 'aml_token_auth_access_denied'
      : 'aad_auth_access_denied';
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}
