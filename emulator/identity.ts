import * as crypto from 'node:crypto';
import { createSigningKey, nowSeconds, signJwt, type SigningKey } from './jwt';

export interface RegisteredCertificate {
  /** base64url SHA-1 and SHA-256 of the DER certificate, as sent in x5t / x5t#S256 headers. */
  x5t: string;
  x5tS256: string;
  publicKey: crypto.KeyObject;
}

export interface ServicePrincipal {
  clientId: string;
  objectId: string;
  displayName: string;
  secret: string;
  certificates: RegisteredCertificate[];
  /** Trusts ID tokens of the emulator's GitHub and Azure DevOps issuers (workload identity federation). */
  federated: boolean;
  /** Holds Contributor on the subscription; the other principal exists to test 403s. */
  authorized: boolean;
}

export interface DirectoryOptions {
  tenantId: string;
  baseUrl: string;
  /** Resources the token endpoint issues tokens for (audiences, without /.default). */
  knownResources: string[];
  accessTokenLifetimeSeconds: number;
  idTokenLifetimeSeconds: number;
}

/** The Entra-like tenant: service principals, signing keys and issuers. Keys are fresh per start. */
export class Directory {
  readonly tenantId: string;
  readonly baseUrl: string;
  readonly authorityIssuer: string;
  readonly githubIssuer: string;
  readonly adoIssuer: string;
  readonly entraKey: SigningKey = createSigningKey();
  readonly githubKey: SigningKey = createSigningKey();
  readonly adoKey: SigningKey = createSigningKey();
  readonly principals = new Map<string, ServicePrincipal>();

  constructor(readonly options: DirectoryOptions) {
    this.tenantId = options.tenantId;
    this.baseUrl = options.baseUrl;
    this.authorityIssuer = `${options.baseUrl}/${options.tenantId}/v2.0`;
    this.githubIssuer = `${options.baseUrl}/_oidc/github`;
    this.adoIssuer = `${options.baseUrl}/_oidc/ado`;
  }

  addPrincipal(p: ServicePrincipal): void {
    this.principals.set(p.clientId.toLowerCase(), p);
  }

  findPrincipal(clientId: string): ServicePrincipal | undefined {
    return this.principals.get(clientId.toLowerCase());
  }

  /** An access token shaped like Entra's v2 app-only tokens. appidacr: 1 = secret, 2 = certificate/assertion. */
  issueAccessToken(
    p: ServicePrincipal,
    audience: string,
    appidacr: '1' | '2',
    lifetimeSeconds = this.options.accessTokenLifetimeSeconds,
  ): string {
    const iat = nowSeconds();
    return signJwt(
      {
        aud: audience,
        iss: this.authorityIssuer,
        iat,
        nbf: iat,
        exp: iat + lifetimeSeconds,
        aio: crypto.randomBytes(24).toString('base64url'),
        azp: p.clientId,
        azpacr: appidacr,
        appid: p.clientId,
        appidacr,
        idtyp: 'app',
        oid: p.objectId,
        sub: p.objectId,
        tid: this.tenantId,
        uti: crypto.randomBytes(16).toString('base64url'),
        ver: '2.0',
      },
      this.entraKey,
    );
  }

  issueGithubIdToken(audience: string): string {
    const iat = nowSeconds();
    const sha = crypto.randomBytes(20).toString('hex');
    return signJwt(
      {
        jti: crypto.randomUUID(),
        sub: 'repo:amlops/local:ref:refs/heads/main',
        aud: audience,
        ref: 'refs/heads/main',
        sha,
        repository: 'amlops/local',
        repository_owner: 'amlops',
        run_id: String(Math.floor(Math.random() * 1e9)),
        run_attempt: '1',
        actor: 'local-user',
        workflow: 'emulator',
        event_name: 'workflow_dispatch',
        ref_type: 'branch',
        job_workflow_ref: 'amlops/local/.github/workflows/emulator.yml@refs/heads/main',
        runner_environment: 'self-hosted',
        iss: this.githubIssuer,
        nbf: iat,
        iat,
        exp: iat + this.options.idTokenLifetimeSeconds,
      },
      this.githubKey,
    );
  }

  issueAdoIdToken(serviceConnectionId: string): string {
    const iat = nowSeconds();
    return signJwt(
      {
        jti: crypto.randomUUID(),
        sub: `sc://amlops/local/${serviceConnectionId}`,
        aud: 'api://AzureADTokenExchange',
        iss: this.adoIssuer,
        nbf: iat,
        iat,
        exp: iat + this.options.idTokenLifetimeSeconds,
      },
      this.adoKey,
    );
  }
}

export function registerCertificate(pem: string): RegisteredCertificate {
  // The PEM may also hold the private key (the file ClientCertificateCredential reads).
  const block = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem);
  if (!block) throw new Error('no certificate in PEM');
  const cert = new crypto.X509Certificate(block[0]);
  return {
    x5t: crypto.createHash('sha1').update(cert.raw).digest('base64url'),
    x5tS256: crypto.createHash('sha256').update(cert.raw).digest('base64url'),
    publicKey: cert.publicKey,
  };
}

/** Secrets shaped like Entra's (40 characters with a '~'), so masking code sees realistic values. */
export function newClientSecret(): string {
  const raw = crypto.randomBytes(30).toString('base64url').replace(/[-_]/g, 'x');
  return `${raw.slice(0, 3)}8Q~${raw.slice(3, 37)}`;
}
