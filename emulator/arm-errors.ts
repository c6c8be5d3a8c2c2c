/**
 * ARM's error envelope and the stock errors the emulator answers with. Messages follow what ARM and
 * the Azure ML resource provider really say, so error handling written against the emulator reads
 * real errors correctly.
 */

export interface ArmErrorBody {
  error: { code: string; message: string; target?: string; details?: unknown[] };
}

export class ArmError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  body(): ArmErrorBody {
    return { error: { code: this.code, message: this.message } };
  }
}

export const armErrors = {
  missingApiVersion: () =>
    new ArmError(
      400,
      'MissingApiVersionParameter',
      'The api-version query parameter (?api-version=) is required for all requests.',
    ),
  invalidApiVersion: (value: string) =>
    new ArmError(
      400,
      'InvalidApiVersionParameter',
      `The api-version '${value}' is invalid. The supported versions are well-formed dates such as '2024-10-01' or '2022-10-01-preview'.`,
    ),
  subscriptionNotFound: (sub: string) =>
    new ArmError(404, 'SubscriptionNotFound', `The subscription '${sub}' could not be found.`),
  resourceGroupNotFound: (rg: string) =>
    new ArmError(404, 'ResourceGroupNotFound', `Resource group '${rg}' could not be found.`),
  resourceNotFound: (type: string, name: string, rg: string) =>
    new ArmError(
      404,
      'ResourceNotFound',
      `The Resource '${type}/${name}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
    ),
  invalidRequestContent: (details: string) =>
    new ArmError(
      400,
      'InvalidRequestContent',
      `The request content was invalid and could not be deserialized: ${details}`,
    ),
  badRequest: (message: string, code = 'BadRequest') => new ArmError(400, code, message),
  conflict: (message: string) => new ArmError(409, 'Conflict', message),
  notImplemented: (method: string, path: string) =>
    new ArmError(
      501,
      'NotSupportedByEmulator',
      `The local Azure ML emulator does not implement ${method} ${path}. Use a real workspace for this operation.`,
    ),
  authorizationFailed: (objectId: string, action: string, scope: string) =>
    new ArmError(
      403,
      'AuthorizationFailed',
      `The client '${objectId}' with object id '${objectId}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
    ),
};

/** Default bodies for injected statuses, as ARM and its front doors send them. */
export function injectedError(status: number): ArmErrorBody {
  const known: Record<number, [string, string]> = {
    400: ['BadRequest', 'The request is invalid (injected fault).'],
    404: ['ResourceNotFound', 'The resource was not found (injected fault).'],
    409: ['Conflict', 'The request conflicts with the current state of the resource (injected fault).'],
    429: [
      'TooManyRequests',
      'The request is being throttled as the limit has been reached for operation type - Read_ObservationWindow_00:05:00. For more information, refer to - https://aka.ms/armthrottling',
    ],
    500: ['InternalServerError', 'Encountered internal server error (injected fault).'],
    502: ['BadGateway', 'The gateway did not receive a response from the service (injected fault).'],
    503: ['ServiceUnavailable', 'The service is temporarily unavailable; please retry later (injected fault).'],
    504: [
      'GatewayTimeout',
      'The gateway did not receive a response within the specified time period (injected fault).',
    ],
  };
  const [code, message] = known[status] ?? [`Status${status}`, `Injected fault with status ${status}.`];
  return { error: { code, message } };
}
