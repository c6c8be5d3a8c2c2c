/**
 * A neutral description of how to reach Azure: which cloud and which credential. The GitHub face
 * and the CLI build it from inputs and the environment; the Azure DevOps face from an AzureRM
 * service connection. Only shared/aml/auth.ts turns it into a TokenCredential.
 */
export interface CloudSettings {
  /** AzureCloud, AzureChinaCloud, AzureUSGovernment, or Custom. */
  name: string;
  /** ARM endpoint, with trailing slash: https://management.azure.com/ */
  armEndpoint: string;
  /** Entra authority host, without tenant: https://login.microsoftonline.com */
  authorityHost: string;
  /** Token audience for ARM: https://management.azure.com (scope = audience + '/.default'). */
  armAudience: string;
  /** Azure ML studio base URL for links. */
  studioUrl: string;
}

export type AuthConfig =
  /** Workload identity federation: the assertion is fetched anew whenever Entra needs one. */
  | { kind: 'federated'; tenantId: string; clientId: string; getAssertion: () => Promise<string> }
  | { kind: 'secret'; tenantId: string; clientId: string; clientSecret: string }
  | { kind: 'certificate'; tenantId: string; clientId: string; certificatePem: string }
  | { kind: 'managed-identity'; clientId?: string }
  /** Environment, workload identity, managed identity, Azure CLI — in that order. */
  | { kind: 'ambient'; tenantId?: string; clientId?: string };

export interface AzureConnection {
  cloud: CloudSettings;
  auth: AuthConfig;
  /** Subscription the connection is scoped to, when it has one (ADO service connections do). */
  subscriptionId?: string;
}
