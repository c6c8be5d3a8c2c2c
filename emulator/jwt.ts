import * as crypto from 'node:crypto';

export type JwtClaims = Record<string, unknown>;

export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: JwtClaims;
  signingInput: string;
  signature: Buffer;
}

export interface SigningKey {
  kid: string;
  privateKey: crypto.KeyObject;
  publicKey: crypto.KeyObject;
}

export function createSigningKey(): SigningKey {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = crypto
    .createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('base64url')
    .slice(0, 27);
  return { kid, privateKey, publicKey };
}

const b64url = (value: Buffer | string): string => Buffer.from(value).toString('base64url');

export function signJwt(payload: JwtClaims, key: SigningKey, extraHeader: Record<string, unknown> = {}): string {
  const header = { typ: 'JWT', alg: 'RS256', kid: key.kid, ...extraHeader };
  const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const signature = crypto.sign('sha256', Buffer.from(signingInput), key.privateKey);
  return `${signingInput}.${b64url(signature)}`;
}

/** Parses without verifying; undefined when the token is not a well-formed JWS. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as unknown;
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as unknown;
    if (!isObject(header) || !isObject(payload)) return undefined;
    return { header, payload, signingInput: `${parts[0]}.${parts[1]}`, signature: Buffer.from(parts[2], 'base64url') };
  } catch {
    return undefined;
  }
}

export function verifyJwtSignature(jwt: DecodedJwt, publicKey: crypto.KeyObject): boolean {
  if (jwt.header.alg !== 'RS256' && jwt.header.alg !== 'PS256') return false;
  try {
    if (jwt.header.alg === 'PS256') {
      return crypto.verify(
        'sha256',
        Buffer.from(jwt.signingInput),
        { key: publicKey, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
        jwt.signature,
      );
    }
    return crypto.verify('sha256', Buffer.from(jwt.signingInput), publicKey, jwt.signature);
  } catch {
    return false;
  }
}

/** A JSON Web Key Set document for the given keys (served so outside tools can verify tokens). */
export function jwks(keys: SigningKey[]): { keys: Record<string, unknown>[] } {
  return {
    keys: keys.map((k) => ({
      ...(k.publicKey.export({ format: 'jwk' }) as Record<string, unknown>),
      kid: k.kid,
      use: 'sig',
      alg: 'RS256',
    })),
  };
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
