/**
 * Names `connect` exports for later steps of the same job, so they need no connection inputs.
 * Ids only: nothing secret is ever exported.
 */
export const exported = {
  subscriptionId: 'AMLOPS_SUBSCRIPTION_ID',
  resourceGroup: 'AMLOPS_RESOURCE_GROUP',
  workspace: 'AMLOPS_WORKSPACE',
  cloud: 'AMLOPS_CLOUD',
  armEndpoint: 'AMLOPS_ARM_ENDPOINT',
  authorityHost: 'AMLOPS_AUTHORITY_HOST',
  clientId: 'AMLOPS_CLIENT_ID',
  tenantId: 'AMLOPS_TENANT_ID',
} as const;
