import { UserError } from '../errors';

/**
 * Sign-in and transport failures as the user should read them: what failed and what to check,
 * not an SDK stack or an MSAL dump.
 */
export function describeAzureError(err: unknown, method: string, url: string): Error {
  if (!(err instanceof Error)) return new Error(String(err));
  const name = err.name;
  const message = err.message ?? '';
  if (
    name === 'AuthenticationError' ||
    name === 'CredentialUnavailableError' ||
    name === 'AggregateAuthenticationError' ||
    /AADSTS\d+/.test(message)
  ) {
    // A chain wraps the real reasons; the first one that is not "unavailable" is what went wrong.
    const inner = (err as { errors?: Error[] }).errors ?? [];
    const cause = inner.find((e) => e.name === 'AuthenticationError') ?? inner[0];
    const text = cause ? cause.message : message;
    const aadsts = /AADSTS\d+[^\r\n]*/.exec(text)?.[0];
    const reason = aadsts ?? firstLine(text);
    return new UserError(`could not sign in to Azure: ${reason}`, {
      hint:
        'Check the client id, tenant id and secret or federated credential of the service principal ' +
        '(GitHub: inputs client-id/tenant-id with `permissions: id-token: write`; Azure DevOps: the service connection).',
      cause: err,
    });
  }
  const code = (err as { code?: string }).code;
  if (
    code &&
    /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|ETIMEDOUT|CERT_|UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO)/.test(code)
  ) {
    const host = safeHost(url);
    return new UserError(`cannot reach Azure Resource Manager at ${host} (${code}) for ${method} after retries`, {
      hint: 'Check the network, the cloud / arm-endpoint setting, and for a custom endpoint that its CA is trusted (NODE_EXTRA_CA_CERTS).',
      cause: err,
    });
  }
  return err;
}

const firstLine = (s: string): string =>
  s
    .split('\n')
    .find((l) => l.trim() !== '')
    ?.trim() ?? s;

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
