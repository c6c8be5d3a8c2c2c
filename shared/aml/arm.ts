import type { TokenCredential } from '@azure/core-auth';
import { authorizeRequestOnClaimChallenge, ServiceClient } from '@azure/core-client';
import {
  bearerTokenAuthenticationPolicy,
  createHttpHeaders,
  createPipelineRequest,
  type PipelineResponse,
} from '@azure/core-rest-pipeline';
import { CanceledError } from '../errors';
import type { AzureConnection } from './connection';
import { describeAzureError } from './azure-errors';

/** One api-version for every call; the spec the project targets. */
export const API_VERSION = '2024-10-01';
export const USER_AGENT = 'amlops/0.1.0';

export interface ArmResponse<T = unknown> {
  status: number;
  body: T;
  headers: Record<string, string>;
}

export class ArmError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly method: string,
    readonly url: string,
  ) {
    super(message);
    this.name = 'ArmError';
  }
}

export interface RetryBudget {
  maxRetries: number;
  retryDelayInMs: number;
  maxRetryDelayInMs: number;
}

/** Transient failures (429 with Retry-After, 5xx, resets) are retried inside this budget. */
export const defaultRetryBudget: RetryBudget = { maxRetries: 5, retryDelayInMs: 500, maxRetryDelayInMs: 15000 };

/**
 * Azure Resource Manager access for Azure ML on the Azure SDK's client pipeline (auth with ARM's
 * claim challenges, retries, user agent), with every body sent as JSON built by us. The generated
 * @azure/arm-machinelearning client would add nothing but 285 KB to parse at every step's start:
 * its 2.1.1 serializers predate api-version 2024-10-01 and drop fields they do not know.
 */
export class Arm {
  readonly client: ServiceClient;
  readonly base: string;
  /** ARM requests sent by this instance; benchmarks and idempotency checks read it. */
  requestCount = 0;

  constructor(
    readonly connection: AzureConnection,
    readonly subscriptionId: string,
    credential: TokenCredential,
    private readonly signal: AbortSignal,
    retry: RetryBudget = defaultRetryBudget,
  ) {
    this.base = connection.cloud.armEndpoint.replace(/\/+$/, '');
    this.client = new ServiceClient({
      endpoint: this.base,
      retryOptions: retry,
      userAgentOptions: { userAgentPrefix: USER_AGENT },
    });
    // Given no credential, the client adds no auth policy; this one is the generated ARM clients':
    // ARM may answer 401 with a claims challenge (e.g. conditional access) for the next token request.
    this.client.pipeline.addPolicy(
      bearerTokenAuthenticationPolicy({
        credential,
        scopes: [`${connection.cloud.armAudience}/.default`],
        challengeCallbacks: { authorizeRequestOnChallenge: authorizeRequestOnClaimChallenge },
      }),
    );
  }

  /** ARM paths get the api-version; absolute URLs of other Azure ML services are used as given. */
  url(pathOrUrl: string, apiVersion = API_VERSION): string {
    if (/^https?:/.test(pathOrUrl) && !pathOrUrl.startsWith(this.base)) return pathOrUrl;
    const url = new URL(pathOrUrl.startsWith('http') ? pathOrUrl : `${this.base}${pathOrUrl}`);
    if (!url.searchParams.has('api-version')) url.searchParams.set('api-version', apiVersion);
    return url.toString();
  }

  /** Sends body as JSON; a string body is taken as JSON text already (e.g. with Python-style floats). */
  async request<T = unknown>(
    method: string,
    pathOrUrl: string,
    body?: unknown,
    options: { headers?: Record<string, string>; signal?: AbortSignal; noApiVersion?: boolean } = {},
  ): Promise<ArmResponse<T>> {
    const signal = options.signal ?? this.signal;
    if (signal.aborted) throw new CanceledError();
    const url = options.noApiVersion ? pathOrUrl : this.url(pathOrUrl);
    const request = createPipelineRequest({
      url,
      method: method as 'GET',
      headers: createHttpHeaders({ accept: 'application/json', ...options.headers }),
      abortSignal: signal,
    });
    if (body !== undefined) {
      request.headers.set('content-type', 'application/json');
      request.body = typeof body === 'string' ? body : JSON.stringify(body);
    }
    this.requestCount++;
    let response: PipelineResponse;
    try {
      response = await this.client.sendRequest(request);
    } catch (err) {
      if (signal.aborted) throw new CanceledError();
      throw describeAzureError(err, method, url);
    }
    const parsed = parseBody(response.bodyAsText ?? undefined);
    if (response.status >= 400) {
      const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new ArmError(
        response.status,
        error?.code ?? String(response.status),
        error?.message ?? (response.bodyAsText || `HTTP ${response.status}`),
        method,
        url,
      );
    }
    return { status: response.status, body: parsed as T, headers: response.headers.toJSON() };
  }

  /** GET that answers undefined for 404 instead of throwing. */
  async getOrUndefined<T>(path: string): Promise<T | undefined> {
    try {
      return (await this.request<T>('GET', path)).body;
    } catch (err) {
      if (err instanceof ArmError && err.status === 404) return undefined;
      throw err;
    }
  }

  workspacePath(resourceGroup: string, workspace: string): string {
    return (
      `/subscriptions/${encodeURIComponent(this.subscriptionId)}/resourceGroups/${encodeURIComponent(resourceGroup)}` +
      `/providers/Microsoft.MachineLearningServices/workspaces/${encodeURIComponent(workspace)}`
    );
  }
}

function parseBody(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
