/** Public shapes of the local Azure ML workspace emulator (see ../shared/DESIGN.md section 4). */

export interface EmulatorOptions {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** CA, Azurite data and state.json live here; a fresh temporary directory when omitted (removed on stop). */
  stateDir?: string;
  /** Reuse the CA in this directory instead of one in stateDir (tests share one trusted CA). */
  caDir?: string;
  /** Folder of the official OpenAPI specs (../shared/specs); enables request and response validation. */
  specDir?: string;
  accessTokenLifetimeSeconds?: number;
  /** Lifetime of the GitHub and Azure DevOps OIDC ID tokens (federated assertions). */
  idTokenLifetimeSeconds?: number;
  /** How long a compute stays Creating/Updating/Deleting before it settles. */
  computeProvisioningMs?: number;
  /** Retry-After (seconds) on long-running-operation responses; 0 lets clients use their own interval. */
  lroRetryAfterSeconds?: number;
  /** Items per page of list operations before a nextLink is returned. */
  pageSize?: number;
  azurite?: boolean;
  /** How long a job stays in each status before its process starts (Queued, Preparing); default 500 ms. */
  jobStatusDelayMs?: number;
  /**
   * Minimum time an online endpoint or deployment stays Creating/Updating/Deleting (default 1000 ms);
   * a deployment stays there longer while its scoring servers start.
   */
  onlineProvisioningMs?: number;
  /** Opaque bearer tokens accepted as the main principal, for clients that cannot sign in (the azure-ai-ml oracle). */
  acceptStaticTokens?: string[];
  log?: (line: string) => void;
}

export interface EmulatorInfo {
  /** With trailing slash, like https://management.azure.com/ */
  armEndpoint: string;
  /** Token audience ARM demands; clients ask for scope armAudience + '/.default'. */
  armAudience: string;
  caCertFile: string;
  tenantId: string;
  /** Entra-like authority host, without tenant and without trailing slash. */
  authorityHost: string;
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  workspaces: string[];
  registry: string;
  /** Azurite's blob endpoint (path-style, account devstoreaccount1); '' when Azurite is disabled. */
  blobEndpoint: string;
  clientId: string;
  /** Fresh on every start. */
  clientSecret: string;
  /** PEM file with a private key and certificate registered for clientId (ClientCertificateCredential). */
  clientCertificateFile: string;
  /** Signs in fine but holds no role: every ARM call answers 403 AuthorizationFailed. */
  forbiddenClientId: string;
  forbiddenClientSecret: string;
  /** Values for ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN. */
  githubOidc: { requestUrl: string; requestToken: string };
  /** Values for SYSTEM_OIDCREQUESTURI and System.AccessToken. */
  adoOidc: { requestUri: string; accessToken: string };
  /** Fault injection and the request log; needs no token. */
  adminUrl: string;
  stateDir: string;
}

export interface RequestLogEntry {
  method: string;
  /** Path without query string. */
  path: string;
  /** Query parameters, api-version included. */
  query: Record<string, string>;
  /** Lower-case header names; authorization keeps its scheme only. */
  headers: Record<string, string>;
  /** Parsed JSON (or form fields with secrets masked); undefined when empty or not parseable. */
  body: unknown;
  /** 0 when the connection was reset on purpose. */
  status: number;
  /** ISO-8601 time the request arrived. */
  time: string;
  /** Set when an injected fault shaped the response. */
  fault?: string;
}

export type Fault =
  | { status: number; headers?: Record<string, string>; body?: unknown }
  | { resetConnection: true }
  | { delayMs: number }
  | { lroFails: true; error?: { code: string; message: string } };

export interface FaultRule {
  method?: string;
  /** Matched against the path without query. A string matches the whole path or its end, ignoring case. */
  path: RegExp | string;
  /** How many matching requests this rule shapes (default 1). */
  times?: number;
  fault: Fault;
}

export interface FaultInjector {
  /** Rules apply in the order added; each matching request consumes one use of the first live rule. */
  add(rule: FaultRule): void;
  clear(): void;
  /** Rules with uses left. */
  pending(): FaultRule[];
}

export interface Emulator {
  info: EmulatorInfo;
  faults: FaultInjector;
  requests: RequestLogEntry[];
  clearRequests(): void;
  /** Response bodies that broke the official spec (only with specDir). Tests assert it stays empty. */
  specViolations: string[];
  /** A bearer token for ARM as the main principal, e.g. an already expired one for 401 tests. */
  issueAccessToken(opts?: { lifetimeSeconds?: number; audience?: string; clientId?: string }): string;
  stop(): Promise<void>;
}
