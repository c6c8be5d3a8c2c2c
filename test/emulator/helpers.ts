import * as fs from 'node:fs';
import * as https from 'node:https';
import type { TokenCredential } from '@azure/core-auth';
import { ClientSecretCredential } from '@azure/identity';
import { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import type { EmulatorInfo } from '../../emulator';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

/** A plain HTTPS call that trusts the emulator's CA explicitly (no SDK retries or auth policies in the way). */
export function request(
  info: Pick<EmulatorInfo, 'caCertFile'>,
  method: string,
  url: string,
  opts: { headers?: Record<string, string>; body?: unknown; form?: Record<string, string> } = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = { ...opts.headers };
  let payload: string | undefined;
  if (opts.form) {
    payload = new URLSearchParams(opts.form).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  } else if (opts.body !== undefined) {
    payload = JSON.stringify(opts.body);
    headers['content-type'] = 'application/json';
  }
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, headers, ca: fs.readFileSync(info.caCertFile), agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

export function secretCredential(
  info: EmulatorInfo,
  clientId = info.clientId,
  secret = info.clientSecret,
): ClientSecretCredential {
  return new ClientSecretCredential(info.tenantId, clientId, secret, {
    authorityHost: info.authorityHost,
    disableInstanceDiscovery: true,
  });
}

/** The real ARM client the project uses, pointed at the emulator the documented way. */
export function armClient(
  info: EmulatorInfo,
  credential: TokenCredential = secretCredential(info),
): AzureMachineLearningWorkspaces {
  return new AzureMachineLearningWorkspaces(credential, info.subscriptionId, {
    apiVersion: '2024-10-01',
    endpoint: info.armEndpoint,
    credentialScopes: [`${info.armAudience}/.default`],
  });
}

export function workspaceUrl(info: EmulatorInfo, ws = 'dev', suffix = '', apiVersion = '2024-10-01'): string {
  const base = `${info.armEndpoint}subscriptions/${info.subscriptionId}/resourceGroups/${info.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${ws}${suffix}`;
  return apiVersion ? `${base}?api-version=${apiVersion}` : base;
}

export async function tokenFor(
  info: EmulatorInfo,
  clientId = info.clientId,
  secret = info.clientSecret,
  scope = `${info.armAudience}/.default`,
): Promise<RawResponse> {
  return request(info, 'POST', `${info.authorityHost}/${info.tenantId}/oauth2/v2.0/token`, {
    form: { grant_type: 'client_credentials', client_id: clientId, client_secret: secret, scope },
  });
}

export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });
